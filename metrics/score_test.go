package metrics

import (
	"math"
	"testing"
	"time"
)

// Score on all 66 pairs of 12 images and on a subset of them, with values
// worked out by hand: a prediction of twice the exact W2² ranks every
// neighbour right (recall@10 1), has Pearson 1 and MSE mean(exact²);
// a subset of pairs has no recall; pairs/s is pairs over elapsed.
func TestScore(t *testing.T) {
	var is, js []int
	var exact, pred []float64
	for i := 0; i < 12; i++ {
		for j := i + 1; j < 12; j++ {
			e := float64((i*7+j*13)%17 + 1)
			is, js = append(is, i), append(js, j)
			exact, pred = append(exact, e), append(pred, 2*e)
		}
	}
	var mse float64
	for _, e := range exact {
		mse += e * e
	}
	mse /= float64(len(exact))
	for _, c := range []struct {
		name      string
		n         int
		elapsed   time.Duration
		recall    float64 // NaN: none
		k         int
		pairsPerS float64
	}{
		{"all pairs", 66, 2 * time.Second, 1, 10, 33},
		{"subset", 30, 0, math.NaN(), 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Score(is[:c.n], js[:c.n], pred[:c.n], exact[:c.n], c.elapsed)
			if r.N != c.n || r.K != c.k || r.PairsPerSecond != c.pairsPerS {
				t.Errorf("N %d, K %d, pairs/s %g; want %d, %d, %g", r.N, r.K, r.PairsPerSecond, c.n, c.k, c.pairsPerS)
			}
			if math.IsNaN(c.recall) != math.IsNaN(r.KNNRecall) || (!math.IsNaN(c.recall) && r.KNNRecall != c.recall) {
				t.Errorf("recall@10 %g, want %g", r.KNNRecall, c.recall)
			}
			if math.Abs(r.Pearson-1) > 1e-12 {
				t.Errorf("Pearson %g, want 1", r.Pearson)
			}
			if c.n == 66 && math.Abs(r.MSE-mse) > 1e-9*mse {
				t.Errorf("MSE %g, want %g", r.MSE, mse)
			}
		})
	}
}
