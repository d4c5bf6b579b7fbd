package parity

import (
	"context"
	"math"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// The pairwise graph is accurate for small distances: rows moved by 5%
// of a typical distance keep their float64 model distance to 3% (DeepKENN's
// convolution segments of thousands of features are the worst: the float32
// Gram form's rounding grows as √n), and identical rows give exactly 0.
func TestPairwiseSmallDistances(t *testing.T) {
	rt, err := runtime.Open(runtime.Options{Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	imgs, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	sub := imgs.Subset([]int{1, 2, 3, 4, 5, 6, 7, 8})
	forEachKind(t, func(t *testing.T, m *models.Model) {
		c, _ := models.NewCheckpoint(m, 9)
		model, _ := exportAndLoad(t, rt, c)
		fx, err := model.Embed(context.Background(), sub, tiling.EmbedOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f := fx.Data
		n, F := sub.N, model.F
		w := c.DistanceWeights()
		dist := func(a, b []float32) float64 {
			x, y := make([]float64, F), make([]float64, F)
			for k := range x {
				x[k], y[k] = float64(a[k]), float64(b[k])
			}
			return models.Distance(c.Model, w, x, y)
		}
		typical := dist(f[:F], f[F:2*F])
		// b: every row moved by a small step along a fixed direction.
		b := make([]float32, len(f))
		var norm float64
		for k := 0; k < F; k++ {
			norm += float64(f[k] * f[k])
		}
		step := float32(5e-2 * typical / math.Sqrt(float64(F)))
		for r := 0; r < n; r++ {
			for k := 0; k < F; k++ {
				b[r*F+k] = f[r*F+k] + step*float32(1-2*((k+r)%2))
			}
		}
		d := make([]float32, n*n)
		if err := model.PairwiseTile(fx, dataset.Features{Data: b, N: n, F: F}, d); err != nil {
			t.Fatal(err)
		}
		same := make([]float32, n*n)
		if err := model.PairwiseTile(fx, fx, same); err != nil {
			t.Fatal(err)
		}
		for r := 0; r < n; r++ {
			want := dist(f[r*F:(r+1)*F], b[r*F:(r+1)*F])
			if got := float64(d[r*n+r]); math.Abs(got-want) > 0.03*want {
				t.Errorf("row %d moved by %.3g (typical distance %.3g): pairwise %.6g, float64 %.6g", r, want, typical, got, want)
			}
			if same[r*n+r] != 0 {
				t.Errorf("row %d: %g from itself, want exactly 0", r, same[r*n+r])
			}
		}
	})
}
