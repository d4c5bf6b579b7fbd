package ot_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

func loadMNIST(t testing.TB) *dataset.Images {
	t.Helper()
	s, err := dataset.Load("../testdata/mnist-train-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIdenticalIsZero(t *testing.T) {
	s := loadMNIST(t)
	sol := ot.NewSolver()
	for i := 0; i < 20; i++ {
		a := s.Image(i, nil)
		// the same histogram at another scale is the same measure
		b := ot.NewImage(a.H, a.W, append([]float64(nil), a.Pix...))
		for k := range b.Pix {
			b.Pix[k] *= 3
		}
		w, err := sol.W2Sq(a, b)
		if err != nil || w != 0 {
			t.Fatalf("image %d: W2²(x, 3x) = %v, %v; want 0", i, w, err)
		}
	}
}

func TestSymmetryAndTriangle(t *testing.T) {
	s := loadMNIST(t)
	sol := ot.NewSolver()
	rng := rand.New(rand.NewPCG(3, 4))
	w := func(i, j int) float64 {
		v, err := sol.W2Sq(s.Image(i, nil), s.Image(j, nil))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for k := 0; k < 60; k++ {
		i, j, l := rng.IntN(s.N), rng.IntN(s.N), rng.IntN(s.N)
		ij, ji := w(i, j), w(j, i)
		if math.Abs(ij-ji) > 1e-12*ij {
			t.Errorf("asymmetric: W2²(%d,%d)=%.17g, W2²(%d,%d)=%.17g", i, j, ij, j, i, ji)
		}
		// triangle inequality holds for W2, not W2²
		a, b, c := math.Sqrt(ij), math.Sqrt(w(j, l)), math.Sqrt(w(i, l))
		if c > a+b+1e-12 {
			t.Errorf("triangle violated: W2(%d,%d)=%v > W2(%d,%d)+W2(%d,%d)=%v", i, l, c, i, j, j, l, a+b)
		}
	}
}

func TestPlanIsFeasibleAndOptimal(t *testing.T) {
	s := loadMNIST(t)
	sol := ot.NewSolver()
	for _, p := range [][2]int{{0, 1}, {5, 500}, {17, 930}} {
		a, b := s.Image(p[0], nil), s.Image(p[1], nil)
		plan, err := sol.Plan(a, b)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := sol.W2Sq(a, b)
		if math.Abs(plan.Cost()-w) > 1e-12*w || plan.W2Sq != w {
			t.Errorf("%v: plan cost %.17g, W2Sq %.17g, W2Sq() %.17g", p, plan.Cost(), plan.W2Sq, w)
		}
		rowSum := make([]float64, len(a.Pix))
		colSum := make([]float64, len(a.Pix))
		for _, e := range plan.Entries {
			if e.Mass <= 0 {
				t.Fatalf("non-positive plan entry %+v", e)
			}
			rowSum[e.From] += e.Mass
			colSum[e.To] += e.Mass
		}
		ma, mb := a.Mass(), b.Mass()
		for i := range a.Pix {
			if math.Abs(rowSum[i]-a.Pix[i]/ma) > 1e-12 || math.Abs(colSum[i]-b.Pix[i]/mb) > 1e-12 {
				t.Fatalf("%v: marginal mismatch at pixel %d: %v/%v vs %v/%v", p, i, rowSum[i], a.Pix[i]/ma, colSum[i], b.Pix[i]/mb)
			}
		}
	}
}

// Float inputs that do not sum to one are normalized in float64, never
// reported infeasible (POT #126, #342): the value matches the integer path.
func TestFloatInputsNormalized(t *testing.T) {
	s := loadMNIST(t)
	sol := ot.NewSolver()
	for _, p := range [][2]int{{0, 1}, {3, 700}} {
		a, b := s.Image(p[0], nil), s.Image(p[1], nil)
		want, err := sol.W2Sq(a, b)
		if err != nil || !sol.LastStats().Exact {
			t.Fatalf("integer path: %v, exact=%v", err, sol.LastStats().Exact)
		}
		fa := ot.NewImage(a.H, a.W, make([]float64, len(a.Pix)))
		fb := ot.NewImage(b.H, b.W, make([]float64, len(b.Pix)))
		for i := range a.Pix {
			fa.Pix[i] = a.Pix[i] / 255 * 0.1 // not integers, mass ≠ 1
			fb.Pix[i] = b.Pix[i] / 7
		}
		got, err := sol.W2Sq(fa, fb)
		if err != nil {
			t.Fatal(err)
		}
		if sol.LastStats().Exact {
			t.Fatalf("float input took the integer path")
		}
		if rel := math.Abs(got-want) / want; rel > 1e-9 {
			t.Errorf("%v: float input %.15g vs %.15g (rel %.2e)", p, got, want, rel)
		}
	}
}

func TestInvalidImages(t *testing.T) {
	good := ot.NewImage(2, 2, []float64{1, 0, 0, 1})
	cases := []struct {
		name string
		a, b ot.Image
	}{
		{"sizes", good, ot.NewImage(2, 3, make([]float64, 6))},
		{"all-zero", good, ot.NewImage(2, 2, []float64{0, 0, 0, 0})},
		{"negative", ot.NewImage(2, 2, []float64{1, -1, 0, 1}), good},
		{"nan", good, ot.NewImage(2, 2, []float64{1, math.NaN(), 0, 1})},
		{"inf", good, ot.NewImage(2, 2, []float64{1, math.Inf(1), 0, 1})},
		{"short", ot.Image{H: 2, W: 2, Pix: []float64{1}}, good},
	}
	sl := ot.NewSliced(2, 2, 4)
	for _, tc := range cases {
		if _, err := ot.W2Sq(tc.a, tc.b); err == nil {
			t.Errorf("%s: exact accepted bad input", tc.name)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
		if _, err := ot.Sinkhorn(tc.a, tc.b, ot.SinkhornOptions{}); err == nil {
			t.Errorf("%s: sinkhorn accepted bad input", tc.name)
		}
		if _, err := sl.W2Sq(tc.a, tc.b); err == nil {
			t.Errorf("%s: sliced accepted bad input", tc.name)
		}
	}
}
