package metrics

import (
	"math"
	"testing"
)

func TestKnownValues(t *testing.T) {
	tr := []float64{1, 2, 3, 4, 5}
	// an exact prediction
	r := Compute(tr, tr)
	if r.MSE != 0 || r.Pearson != 1 || r.Spearman != 1 {
		t.Fatalf("exact prediction: %+v", r)
	}
	// a monotone but non-linear prediction: Spearman 1, Pearson < 1
	p := []float64{1, 4, 9, 16, 25}
	r = Compute(p, tr)
	if math.Abs(r.Spearman-1) > 1e-12 || !(r.Pearson < 1) {
		t.Fatalf("monotone prediction: %+v", r)
	}
	// MSE and relative MSE by hand: errors 0,2,6,12,20
	if want := (0 + 4 + 36 + 144 + 400) / 5.0; math.Abs(r.MSE-want) > 1e-12 {
		t.Fatalf("MSE %v, want %v", r.MSE, want)
	}
	if want := 584.0 / 55; math.Abs(r.RelMSE-want) > 1e-12 {
		t.Fatalf("relative MSE %v, want %v", r.RelMSE, want)
	}
	// reversed order: Spearman −1
	if s := Compute([]float64{5, 4, 3, 2, 1}, tr).Spearman; math.Abs(s+1) > 1e-12 {
		t.Fatalf("reversed Spearman %v", s)
	}
}

func TestKNNRecall(t *testing.T) {
	// all pairs of 12 points on a line, distance² = (a−b)²
	var is, js []int
	var d []float64
	for a := 0; a < 12; a++ {
		for b := a + 1; b < 12; b++ {
			is, js = append(is, a), append(js, b)
			d = append(d, float64((a-b)*(a-b)))
		}
	}
	if r, ok := KNNRecall(is, js, d, d, 10); !ok || r != 1 {
		t.Fatalf("perfect prediction: %v %v", r, ok)
	}
	neg := make([]float64, len(d))
	for i := range d {
		neg[i] = -d[i] // farthest first
	}
	if r, ok := KNNRecall(is, js, neg, d, 10); !ok || !(r < 1) {
		t.Fatalf("reversed prediction: %v %v", r, ok)
	}
	if _, ok := KNNRecall(is[:10], js[:10], d[:10], d[:10], 10); ok {
		t.Fatal("recall reported on an incomplete set of pairs")
	}
}
