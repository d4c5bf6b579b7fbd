package parity

import (
	"context"
	"math"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// ODE-KENN's trajectory, in both compilers, equals a plain float64 RK4
// integration of the same vector field from the same z(0).
func TestODEMatchesReferenceRK4(t *testing.T) {
	m := cases()[models.KindODEKENN]
	c, _ := models.NewCheckpoint(m, 9)
	imgs, _ := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	sub := imgs.Subset([]int{0, 7})
	net, _ := build.NewNet(c.Model, 2, tensor.Float64, false)
	net.SetWeights(c)
	emb, _ := build.Embeddings(net, [][]float32{sub.Row(0), sub.Row(1)})
	o := m.ODE
	d, hid := o.Dim, o.Hidden
	W1, b1, W2, b2 := c.Tensors["ode.W1"], c.Tensors["ode.b1"], c.Tensors["ode.W2"], c.Tensors["ode.b2"]
	field := func(z []float64, tt float64) []float64 {
		h := make([]float64, hid)
		for j := 0; j < hid; j++ {
			s := float64(b1[j]) + tt*float64(W1[d*hid+j])
			for i := 0; i < d; i++ {
				s += z[i] * float64(W1[i*hid+j])
			}
			h[j] = math.Tanh(s)
		}
		out := make([]float64, d)
		for i := 0; i < d; i++ {
			s := float64(b2[i])
			for j := 0; j < hid; j++ {
				s += h[j] * float64(W2[j*d+i])
			}
			out[i] = s
		}
		return out
	}
	rt, err := runtime.Open(runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	mo, _ := exportAndLoad(t, rt, c)
	onnx, err := mo.Embed(context.Background(), sub, tiling.EmbedOptions{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	K := o.Steps
	hh := 1 / float64(K)
	add := func(a []float64, s float64, b []float64) []float64 {
		r := make([]float64, len(a))
		for i := range a {
			r[i] = a[i] + s*b[i]
		}
		return r
	}
	if F := (K + 1) * d; onnx.F != F {
		t.Fatalf("onnxruntime gives %d features, want (K+1)·d = %d", onnx.F, F)
	}
	for img := 0; img < 2; img++ {
		z := append([]float64(nil), emb[img][:d]...)
		for k := 0; k <= K; k++ {
			for i := 0; i < d; i++ {
				ref := z[i]
				g, x := emb[img][k*d+i], float64(onnx.Row(img)[k*d+i])
				if math.Abs(g-ref) > 1e-9*math.Max(1, math.Abs(ref)) || math.Abs(x-ref) > 1e-5*math.Max(1, math.Abs(ref)) {
					t.Fatalf("image %d, z(t_%d)[%d]: reference %.9g, Gorgonia %.9g, onnxruntime %.9g", img, k, i, ref, g, x)
				}
			}
			if k == K {
				break
			}
			tt := float64(k) * hh
			k1 := field(z, tt)
			k2 := field(add(z, hh/2, k1), tt+hh/2)
			k3 := field(add(z, hh/2, k2), tt+hh/2)
			k4 := field(add(z, hh, k3), tt+hh)
			for i := range z {
				z[i] += hh / 6 * (k1[i] + 2*k2[i] + 2*k3[i] + k4[i])
			}
		}
	}
}
