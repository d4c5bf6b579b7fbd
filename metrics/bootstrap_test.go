package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// synthetic returns all pairs of n images with exact values t = |x_a − x_b|²
// and predictions that err per pair and per image (u_a + u_b), so pairs
// sharing an image are dependent, as in a real evaluation.
func synthetic(n int, rng *rand.Rand) (is, js []int, p, t []float64) {
	x := make([][2]float64, n)
	u := make([]float64, n)
	for a := range x {
		x[a] = [2]float64{rng.NormFloat64(), rng.NormFloat64()}
		u[a] = 0.4 * rng.NormFloat64()
	}
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			dx, dy := x[a][0]-x[b][0], x[a][1]-x[b][1]
			v := dx*dx + dy*dy
			is, js = append(is, a), append(js, b)
			t = append(t, v)
			p = append(p, v*(1+0.1*rng.NormFloat64())+u[a]+u[b])
		}
	}
	return
}

func TestBootstrapPerfectPrediction(t *testing.T) {
	is, js, _, tv := synthetic(30, rand.New(rand.NewPCG(1, 2)))
	b, err := BootstrapImages(is, js, tv, tv, 5, 200, 0.95, 1)
	if err != nil {
		t.Fatal(err)
	}
	for name, iv := range map[string]Interval{"pearson": b.Pearson, "knn": b.KNNRecall} {
		if math.Abs(iv.Value-1) > 1e-12 || math.Abs(iv.Lo-1) > 1e-12 || math.Abs(iv.Hi-1) > 1e-12 {
			t.Errorf("%s of a perfect prediction: %v, want exactly 1 [1, 1]", name, iv)
		}
	}
	if b.RelMSE.Value != 0 || b.RelMSE.Lo != 0 || b.RelMSE.Hi != 0 {
		t.Errorf("relative MSE of a perfect prediction: %v, want 0 [0, 0]", b.RelMSE)
	}
}

// The 95% intervals from 60 images cover the population's value (from
// 1,500 images of the same law) in most of 40 independent samples.
func TestBootstrapCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	_, _, pp, pt := synthetic(1500, rng)
	pop := Compute(pp, pt)
	const trials = 40
	coverP, coverR := 0, 0
	for k := 0; k < trials; k++ {
		is, js, p, tv := synthetic(60, rng)
		b, err := BootstrapImages(is, js, p, tv, 10, 300, 0.95, uint64(k))
		if err != nil {
			t.Fatal(err)
		}
		if !(b.Pearson.Lo <= b.Pearson.Value && b.Pearson.Value <= b.Pearson.Hi) || !(b.RelMSE.Lo <= b.RelMSE.Value && b.RelMSE.Value <= b.RelMSE.Hi) {
			t.Fatalf("trial %d: the value lies outside its interval: %v %v", k, b.Pearson, b.RelMSE)
		}
		if b.Pearson.Lo <= pop.Pearson && pop.Pearson <= b.Pearson.Hi {
			coverP++
		}
		if b.RelMSE.Lo <= pop.RelMSE && pop.RelMSE <= b.RelMSE.Hi {
			coverR++
		}
	}
	t.Logf("population Pearson %.4f relMSE %.4f; covered %d and %d of %d", pop.Pearson, pop.RelMSE, coverP, coverR, trials)
	if coverP < 32 || coverR < 32 {
		t.Errorf("95%% intervals covered the population Pearson in %d and relative MSE in %d of %d samples, want at least 32", coverP, coverR, trials)
	}
}

func TestBootstrapRefusals(t *testing.T) {
	cases := []struct {
		name  string
		i, j  []int
		p, tv []float64
		reps  int
		level float64
	}{
		{"lengths", []int{0, 1}, []int{1}, []float64{1, 2}, []float64{1, 2}, 100, 0.95},
		{"too few pairs", []int{0}, []int{1}, []float64{1}, []float64{1}, 100, 0.95},
		{"reps", []int{0, 0, 1}, []int{1, 2, 2}, []float64{1, 2, 3}, []float64{1, 2, 3}, 2, 0.95},
		{"level", []int{0, 0, 1}, []int{1, 2, 2}, []float64{1, 2, 3}, []float64{1, 2, 3}, 100, 1.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := BootstrapImages(c.i, c.j, c.p, c.tv, 1, c.reps, c.level, 1); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestIntervalJSON(t *testing.T) {
	for _, iv := range []Interval{{0.99, 0.98, 0.995, 0.95}, {math.NaN(), math.NaN(), math.NaN(), 0.95}} {
		b, err := iv.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var got Interval
		if err := got.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if !same(got.Value, iv.Value) || !same(got.Lo, iv.Lo) || !same(got.Hi, iv.Hi) || got.Level != iv.Level {
			t.Errorf("%s → %s → %v", iv, b, got)
		}
	}
}
