package ot_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/ot"
)

// blobs returns a 20×20 blob and the same blob moved by (dr, dc): exact W2²
// is dr² + dc², sliced W2² over L directions (k + ½)π/L exactly half of it.
func blobs(dr, dc int) (ot.Image, ot.Image) {
	const n = 20
	a, b := make([]float64, n*n), make([]float64, n*n)
	for r := 2; r < 6; r++ {
		for c := 3; c < 6; c++ {
			a[r*n+c] = float64(1 + r*c%3)
			b[(r+dr)*n+c+dc] = a[r*n+c]
		}
	}
	return ot.NewImage(n, n, a), ot.NewImage(n, n, b)
}

func TestMethods(t *testing.T) {
	a, b := blobs(3, 4) // W2² = 25 pixel²
	cases := []struct {
		name   string
		opt    ot.MethodOptions
		str    string
		lo, hi float64 // the value's bounds, pixel²
	}{
		{"exact", ot.MethodOptions{}, "exact", 25, 25},
		{"exact", ot.MethodOptions{MaxMemory: 1 << 20, Epsilon: 3}, "exact", 25, 25},
		// a feasible plan's cost: never below exact, and near it
		{"sinkhorn", ot.MethodOptions{}, "sinkhorn epsilon=1", 25, 25 * 1.1},
		{"sinkhorn", ot.MethodOptions{Epsilon: 0.25}, "sinkhorn epsilon=0.25", 25, 25 * 1.02},
		{"sliced", ot.MethodOptions{}, "sliced directions=64", 12.5 - 1e-9, 12.5 + 1e-9},
		{"sliced", ot.MethodOptions{Directions: 7}, "sliced directions=7", 12.5 - 1e-9, 12.5 + 1e-9},
	}
	for _, tc := range cases {
		t.Run(tc.str, func(t *testing.T) {
			m, err := ot.NewMethod(tc.name, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if m.Name() != tc.name || m.String() != tc.str {
				t.Fatalf("Name %q, String %q; want %q, %q", m.Name(), m.String(), tc.name, tc.str)
			}
			v, err := m.W2SqContext(context.Background(), a, b)
			if err != nil {
				t.Fatal(err)
			}
			if v < tc.lo*(1-1e-9) || v > tc.hi {
				t.Fatalf("W2² %v pixel², want in [%v, %v]", v, tc.lo, tc.hi)
			}
			// the options round-trip, and a clone computes the same value
			again, err := ot.NewMethod(m.Name(), m.Options())
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range []ot.Method{again, m.Clone()} {
				if o.String() != m.String() || o.Options() != m.Options() {
					t.Fatalf("%s (%+v) made %s (%+v)", m, m.Options(), o, o.Options())
				}
				if w, err := o.W2SqContext(context.Background(), a, b); err != nil || w != v {
					t.Fatalf("%s: %v, %v; want %v", o, w, err, v)
				}
			}
			// a second grid size re-prepares what depends on it
			a2, b2 := ot.NewImage(2, 2, []float64{1, 0, 0, 0}), ot.NewImage(2, 2, []float64{0, 0, 0, 1})
			want := 2.0
			if tc.name == "sliced" {
				want = 1
			}
			if w, err := m.W2SqContext(context.Background(), a2, b2); err != nil || math.Abs(w-want) > 1e-6 {
				t.Fatalf("2×2 corners: %v, %v; want %v", w, err, want)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := m.Clone().W2SqContext(ctx, a, b); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled: got %v, want context.Canceled", err)
			}
			bad := ot.Image{H: 20, W: 20, Pix: make([]float64, 400)}
			if _, err := m.W2SqContext(context.Background(), a, bad); err == nil || !strings.Contains(err.Error(), "all zero") {
				t.Fatalf("an all-zero image: got %v", err)
			}
		})
	}
}

func TestMethodTable(t *testing.T) {
	if got := ot.MethodNames(); !slices.Equal(got, []string{"exact", "sinkhorn", "sliced"}) {
		t.Fatalf("MethodNames %v", got)
	}
	for _, info := range ot.Methods() {
		if m := info.New(ot.MethodOptions{}); m.Name() != info.Name || info.Summary == "" {
			t.Errorf("entry %q makes %q, summary %q", info.Name, m.Name(), info.Summary)
		}
	}
	bad := []struct {
		name string
		opt  ot.MethodOptions
		want string
	}{
		{"emd", ot.MethodOptions{}, `unknown method "emd" (want exact, sinkhorn or sliced)`},
		{"sinkhorn", ot.MethodOptions{Epsilon: -1}, "epsilon -1"},
		{"exact", ot.MethodOptions{Epsilon: math.NaN()}, "epsilon NaN"},
		{"sliced", ot.MethodOptions{Directions: -2}, "-2 directions"},
		{"exact", ot.MethodOptions{MaxMemory: -1}, "memory limit"},
	}
	for _, tc := range bad {
		t.Run(tc.name+"/"+tc.want, func(t *testing.T) {
			if m, err := ot.NewMethod(tc.name, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, %v; want an error with %q", m, err, tc.want)
			}
		})
	}
}

func TestMethodTooLarge(t *testing.T) {
	a, b := blobs(3, 4)
	m, err := ot.NewMethod("exact", ot.MethodOptions{MaxMemory: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Clone().W2SqContext(context.Background(), a, b); !errors.Is(err, ot.ErrTooLarge) {
		t.Fatalf("a 1000-byte limit: got %v, want ErrTooLarge", err)
	}
}

func TestSinkhornMethodNotConverged(t *testing.T) {
	a, b := blobs(3, 4)
	m := &ot.SinkhornMethod{SinkhornOptions: ot.SinkhornOptions{Epsilon: 0.05, Tol: 1e-14, MaxIter: 10}}
	if _, err := m.W2SqContext(context.Background(), a, b); !errors.Is(err, ot.ErrNotConverged) {
		t.Fatalf("got %v, want ErrNotConverged", err)
	}
}
