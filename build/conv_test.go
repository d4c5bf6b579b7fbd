package build

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convGraph is loss = Σ r ⊙ conv(x·1, W) + b for one convolution, built with
// kenn's conv2d or with Gorgonia's own Conv2d (the reference), with the
// gradients wrt x, W and b.
func convGraph(t *testing.T, own bool, dt tensor.Dtype, g convGeom, B int, xv, wv, bv, rv []float64) (y []float64, grads [3][]float64) {
	t.Helper()
	gr := G.NewGraph()
	val := func(v []float64, shape ...int) *tensor.Dense {
		if dt == tensor.Float32 {
			f := make([]float32, len(v))
			for i := range v {
				f[i] = float32(v[i])
			}
			return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
	}
	x := G.NewTensor(gr, dt, 4, G.WithShape(B, g.C, g.H, g.W), G.WithName("x"), G.WithValue(val(xv, B, g.C, g.H, g.W)))
	w := G.NewTensor(gr, dt, 4, G.WithShape(g.O, g.C, g.K, g.K), G.WithName("w"), G.WithValue(val(wv, g.O, g.C, g.K, g.K)))
	b := G.NewTensor(gr, dt, 1, G.WithShape(g.O), G.WithName("b"), G.WithValue(val(bv, g.O)))
	r := G.NewTensor(gr, dt, 4, G.WithShape(B, g.O, g.H, g.W), G.WithName("r"), G.WithValue(val(rv, B, g.O, g.H, g.W)))
	x1 := G.Must(G.Mul(x, constant(dt, 1))) // not a leaf: the input gradient is computed
	var out *G.Node
	if own {
		out = G.Must(conv2d(x1, w, b))
	} else {
		p := g.K / 2
		out = G.Must(G.Conv2d(x1, w, tensor.Shape{g.K, g.K}, []int{p, p}, []int{1, 1}, []int{1, 1}))
		out = G.Must(G.BroadcastAdd(out, G.Must(G.Reshape(b, tensor.Shape{1, g.O, 1, 1})), nil, []byte{0, 2, 3}))
	}
	var yv G.Value
	G.Read(out, &yv)
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r))))
	if _, err := G.Grad(loss, x, w, b); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(gr, G.BindDualValues(x, w, b))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	asF64 := func(v G.Value) []float64 {
		switch d := v.Data().(type) {
		case []float32:
			o := make([]float64, len(d))
			for i := range d {
				o[i] = float64(d[i])
			}
			return o
		case []float64:
			return append([]float64(nil), d...)
		}
		t.Fatalf("data %T", v.Data())
		return nil
	}
	y = asF64(yv)
	for k, n := range []*G.Node{x, w, b} {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads[k] = asF64(gv)
	}
	return y, grads
}

// TestConvMatchesGorgonia: kenn's convolution and its three gradients equal
// Gorgonia's im2col Conv2d (plus a broadcast bias) on every path: im2col
// (C ≤ O) and kn2row (C > O) forward, and both ways of each gradient, on
// non-square images and batches that do not split evenly over workers.
func TestConvMatchesGorgonia(t *testing.T) {
	for _, g := range []convGeom{
		{C: 1, O: 4, H: 5, W: 7, K: 3},
		{C: 6, O: 2, H: 6, W: 4, K: 5},
		{C: 3, O: 3, H: 4, W: 4, K: 3},
		{C: 2, O: 5, H: 7, W: 5, K: 5},
		{C: 4, O: 1, H: 3, W: 8, K: 3},
		{C: 2, O: 3, H: 3, W: 3, K: 7}, // kernel wider than the image
	} {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(fmt.Sprintf("%v/%v", g, dt), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(g.C*100+g.O), 7))
				B := 3
				rnd := func(n int) []float64 {
					v := make([]float64, n)
					for i := range v {
						v[i] = rng.NormFloat64()
					}
					return v
				}
				xv, wv, bv, rv := rnd(B*g.C*g.H*g.W), rnd(g.O*g.C*g.K*g.K), rnd(g.O), rnd(B*g.O*g.H*g.W)
				y1, g1 := convGraph(t, true, dt, g, B, xv, wv, bv, rv)
				y0, g0 := convGraph(t, false, dt, g, B, xv, wv, bv, rv)
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 2e-5
				}
				check := func(name string, got, want []float64) {
					if len(got) != len(want) {
						t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
					}
					scale := 0.0
					for _, v := range want {
						scale = math.Max(scale, math.Abs(v))
					}
					for i := range got {
						if math.Abs(got[i]-want[i]) > tol*scale {
							t.Fatalf("%s[%d] = %g, Gorgonia %g", name, i, got[i], want[i])
						}
					}
				}
				check("y", y1, y0)
				check("dx", g1[0], g0[0])
				check("dW", g1[1], g0[1])
				check("db", g1[2], g0[2])
			})
		}
	}
}

// TestConvSkipsImageGradient: on the graph's images (a leaf) no input
// gradient is built.
func TestConvSkipsImageGradient(t *testing.T) {
	gr := G.NewGraph()
	x := G.NewTensor(gr, tensor.Float64, 4, G.WithShape(2, 1, 4, 4), G.WithName("x"))
	w := G.NewTensor(gr, tensor.Float64, 4, G.WithShape(3, 1, 3, 3), G.WithName("w"), G.WithInit(G.GlorotN(1)))
	b := G.NewTensor(gr, tensor.Float64, 1, G.WithShape(3), G.WithName("b"), G.WithInit(G.Zeroes()))
	out := G.Must(conv2d(x, w, b))
	if _, err := G.Grad(G.Must(G.Sum(out)), w, b); err != nil {
		t.Fatal(err)
	}
	for _, n := range gr.AllNodes() {
		if op, ok := n.Op().(convGradOp); ok && op.wrt == 0 {
			t.Fatalf("input gradient %v built for the images", n)
		}
	}
}
