package build

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// BenchmarkConv times kenn's convolution op and its gradients on DWE's
// layers (float32, batch 64): subtests kind/geometry, kind one of forward,
// grad-x, grad-w, grad-b. The metric images/s counts batch images.
func BenchmarkConv(b *testing.B) {
	const batch = 64
	geoms := []convGeom{
		{C: 1, O: 20, H: 28, W: 28, K: 3},  // DWE encoder conv1
		{C: 20, O: 5, H: 28, W: 28, K: 5},  // DWE encoder conv2
		{C: 1, O: 10, H: 28, W: 28, K: 5},  // DWE decoder conv1
		{C: 10, O: 1, H: 28, W: 28, K: 3},  // DWE decoder conv2
		{C: 20, O: 20, H: 64, W: 64, K: 3}, // a larger image
	}
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(shape ...int) *tensor.Dense {
		v := make([]float32, tensor.Shape(shape).TotalSize())
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
	}
	for _, g := range geoms {
		x := random(batch, g.C, g.H, g.W)
		w := random(g.O, g.C, g.K, g.K)
		bias := random(g.O)
		dy := random(batch, g.O, g.H, g.W)
		cases := []struct {
			kind string
			run  func() error
		}{
			{"forward", func() error { _, err := (convOp{g: g}).Do(x, w, bias); return err }},
			{"grad-x", func() error { _, err := (convGradOp{g: g, wrt: 0}).Do(w, dy); return err }},
			{"grad-w", func() error { _, err := (convGradOp{g: g, wrt: 1}).Do(x, dy); return err }},
			{"grad-b", func() error { _, err := (convGradOp{g: g, wrt: 2}).Do(dy); return err }},
		}
		for _, c := range cases {
			b.Run(c.kind+"/"+g.String(), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if err := c.run(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}
