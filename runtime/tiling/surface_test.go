package tiling

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/segdist"
)

// A Surface gives the same matrices and neighbours from the native kernel
// as from a graph, both equal to the model's exact distance (segdist.Exact
// on every pair, brute force), and refuses rows of another width before
// either runs.
func TestSurface(t *testing.T) {
	segs, w := []int{3, 2}, []float32{0.5, 2}
	const form = models.FormWeightedNorms
	kern, err := segdist.New(form, segs, w, segdist.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	graphRuns := 0
	graph := func(a, b dataset.Features, out []float32) error {
		graphRuns++
		for i := 0; i < a.N; i++ {
			for j := 0; j < b.N; j++ {
				out[i*b.N+j] = float32(segdist.Exact(form, segs, w, a.Row(i), b.Row(j)))
			}
		}
		return nil
	}
	rng := rand.New(rand.NewPCG(7, 8))
	// continuous features: no segment of a pair is at distance 0, where
	// the kernel's Gram form reads up to √(k·(‖a‖²+‖b‖²)) (segdist's τ)
	normal := func(n int) dataset.Features {
		x := dataset.Features{Data: make([]float32, n*5), N: n, F: 5}
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		return x
	}
	a, b := normal(23), normal(17)
	ctx := context.Background()
	opt := TileOptions{Tile: 6}
	for _, c := range []struct {
		name string
		s    Surface
	}{
		{"graph", Surface{Prefix: "test", Path: "m.onnx", F: 5, Graph: graph}},
		{"native", Surface{Prefix: "test", Path: "m.onnx", F: 5, Kernel: kern, Graph: graph}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &c.s
			graphRuns = 0
			d, err := s.Pairwise(ctx, a, b, opt)
			if err != nil {
				t.Fatal(err)
			}
			// the kernel's Gram form agrees to float32 rounding of the
			// largest distance (segdist's package doc)
			tol := 1e-5 * maxExact(a, b, form, segs, w)
			for i := 0; i < a.N; i++ {
				for j := 0; j < b.N; j++ {
					if want := segdist.Exact(form, segs, w, a.Row(i), b.Row(j)); math.Abs(float64(d[i*b.N+j])-want) > tol {
						t.Fatalf("(%d, %d): %g, want %g", i, j, d[i*b.N+j], want)
					}
				}
			}
			all, err := s.AllPairs(ctx, a, opt)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < a.N; i++ {
				if all[i*a.N+i] != 0 {
					t.Fatalf("diagonal %d: %g", i, all[i*a.N+i])
				}
				for j := 0; j < i; j++ {
					if all[i*a.N+j] != all[j*a.N+i] {
						t.Fatalf("(%d, %d) %g but (%d, %d) %g", i, j, all[i*a.N+j], j, i, all[j*a.N+i])
					}
				}
			}
			const k = 4
			nbs, err := s.KNN(ctx, b, a, k, opt)
			if err != nil {
				t.Fatal(err)
			}
			for q, list := range nbs {
				if len(list) != k {
					t.Fatalf("query %d: %d neighbours", q, len(list))
				}
				// the k-th neighbour's exact distance bounds every row
				// left out, up to the tolerance
				kth := segdist.Exact(form, segs, w, a.Row(q), b.Row(list[k-1].Index))
				in := map[int]bool{}
				for _, nb := range list {
					in[nb.Index] = true
				}
				for j := 0; j < b.N; j++ {
					if !in[j] && segdist.Exact(form, segs, w, a.Row(q), b.Row(j)) < kth-tol {
						t.Fatalf("query %d: row %d is nearer than the %d kept", q, j, k)
					}
				}
			}
			if (graphRuns > 0) != (s.Kernel == nil) {
				t.Fatalf("the graph ran %d times with kernel %v", graphRuns, s.Kernel != nil)
			}
			wrong := randFeatures(rng, 3, 4)
			for name, call := range map[string]func() error{
				"Pairwise": func() error { _, err := s.Pairwise(ctx, a, wrong, opt); return err },
				"AllPairs": func() error { _, err := s.AllPairs(ctx, wrong, opt); return err },
				"KNN":      func() error { _, err := s.KNN(ctx, wrong, a, 1, opt); return err },
				"Matrix":   func() error { _, err := s.MatrixAbout(wrong, a, nil); return err },
				"Tile":     func() error { return s.Tile(a, wrong, make([]float32, a.N*wrong.N)) },
				"short":    func() error { return s.Tile(a, b, make([]float32, a.N*b.N-1)) },
			} {
				if err := call(); err == nil || !strings.HasPrefix(err.Error(), "test: ") {
					t.Errorf("%s: %v, want a test: error", name, err)
				}
			}
			if s.Centre(wrong) != nil || (s.Centre(a) != nil) != (s.Kernel != nil) {
				t.Errorf("Centre: %v of rows of another width, %v of a", s.Centre(wrong), s.Centre(a))
			}
		})
	}
}

func maxExact(a, b dataset.Features, form models.Form, segs []int, w []float32) float64 {
	var m float64
	for i := 0; i < a.N; i++ {
		for j := 0; j < b.N; j++ {
			m = max(m, segdist.Exact(form, segs, w, a.Row(i), b.Row(j)))
		}
	}
	return m
}
