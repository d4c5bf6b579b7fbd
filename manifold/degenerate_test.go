package manifold

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A matrix with nothing to embed is refused, on both eigen-solvers,
// instead of coordinates and shares of 0/0 = NaN.
func TestMDSRefusesDegenerate(t *testing.T) {
	const n = 5
	fill := func(v float64) []float64 {
		d := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if i != j {
					d[i*n+j] = v
				}
			}
		}
		return d
	}
	cases := []struct {
		name string
		d    []float64
		want string // "" if MDS must succeed
	}{
		{"all zero", fill(0), "zero.npy: degenerate distance matrix, nothing to embed: all 5×5 distances are zero (the points coincide)"},
		{"too small to square", fill(1e-200), "zero.npy: degenerate distance matrix, nothing to embed: the double-centred squared distances have trace 0"},
		{"too large to square", fill(1e200), "trace NaN"},
		{"a simplex", fill(1), ""},
	}
	for _, tc := range cases {
		for _, dense := range []bool{true, false} {
			t.Run(tc.name, func(t *testing.T) {
				d, err := NewDistances("zero.npy", n, n, tc.d)
				if err != nil {
					t.Fatal(err)
				}
				e, err := mds(context.Background(), d, 2, dense)
				if tc.want == "" {
					if err != nil {
						t.Fatal(err)
					}
					// regular simplex of side 1: B's nonzero eigenvalues are all 1/2
					for c, v := range e.Eigen {
						if v < 0.5-1e-9 || v > 0.5+1e-9 {
							t.Errorf("eigenvalue %d is %g, want 0.5", c, v)
						}
					}
					return
				}
				if !errors.Is(err, ErrDegenerate) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("dense=%v: got %v (%v), want ErrDegenerate saying %q", dense, e, err, tc.want)
				}
			})
		}
	}
}
