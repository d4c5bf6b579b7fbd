package tiling

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
)

// l1 is a TileFunc of a known metric: the L1 distance between rows.
func l1(a, b dataset.Features, out []float32) error {
	if a.F != b.F || len(out) < a.N*b.N {
		return errors.New("l1: shapes")
	}
	for i := 0; i < a.N; i++ {
		for j := 0; j < b.N; j++ {
			var s float32
			for k, x := range a.Row(i) {
				s += float32(math.Abs(float64(x - b.Row(j)[k])))
			}
			out[i*b.N+j] = s
		}
	}
	return nil
}

func randFeatures(rng *rand.Rand, n, f int) dataset.Features {
	x := dataset.Features{Data: make([]float32, n*f), N: n, F: f}
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(7)) // small integers: ties, exact sums
	}
	return x
}

// Every cell of the matrix is in exactly one listed tile, or (Sym) one
// listed tile or its mirror.
func TestGridCoversOnce(t *testing.T) {
	for _, g := range []Grid{{13, 13, 5, true}, {13, 13, 5, false}, {9, 14, 4, false}, {7, 7, 16, true}, {1, 1, 1, true}, {17, 3, 5, false}} {
		t.Run(fmt.Sprintf("%dx%d-side%d-sym%v", g.Rows, g.Cols, g.Side, g.Sym), func(t *testing.T) {
			seen := make([]int, g.Rows*g.Cols)
			for _, tl := range g.Tiles() {
				if tl.NI < 1 || tl.NJ < 1 || tl.NI > g.Side || tl.NJ > g.Side {
					t.Fatalf("tile %+v of side %d", tl, g.Side)
				}
				for r := tl.I; r < tl.I+tl.NI; r++ {
					for c := tl.J; c < tl.J+tl.NJ; c++ {
						seen[r*g.Cols+c]++
						if g.Sym && c != r && !g.Diagonal(tl) {
							seen[c*g.Cols+r]++
						}
					}
				}
			}
			for k, n := range seen {
				if n != 1 {
					t.Fatalf("cell (%d, %d) covered %d times", k/g.Cols, k%g.Cols, n)
				}
			}
		})
	}
	if (Grid{Rows: 3, Cols: 4, Side: 2, Sym: true}).Check() == nil || (Grid{Rows: 3, Cols: 3}).Check() == nil {
		t.Fatal("a non-square symmetric grid or a grid of side 0 was accepted")
	}
}

// Pairwise equals the metric computed entry by entry, whatever the tile
// side; the all-pairs form is symmetric with a zero diagonal.
func TestPairwiseEqualsDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, b := randFeatures(rng, 11, 3), randFeatures(rng, 6, 3)
	want := func(x, y dataset.Features) []float32 {
		out := make([]float32, x.N*y.N)
		l1(x, y, out)
		return out
	}
	for _, side := range []int{1, 3, 4, 11, 64, 1 << 40} { // 1 << 40: a side whose square overflows int
		got, err := Pairwise(context.Background(), a, b, false, side, l1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want(a, b)) {
			t.Fatalf("side %d: rectangular matrix differs", side)
		}
		sym, err := Pairwise(context.Background(), a, a, true, side, l1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sym, want(a, a)) { // L1 is exactly symmetric with d(x, x) = 0
			t.Fatalf("side %d: all-pairs matrix differs", side)
		}
	}
	if _, err := Pairwise(context.Background(), a, dataset.Features{Data: make([]float32, 5), N: 2, F: 3}, false, 4, l1); err == nil {
		t.Fatal("features of 5 values as 2 rows of 3 were accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Pairwise(ctx, a, b, false, 4, l1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// KNN equals a full sort of each query's distances by (distance, index).
func TestKNNEqualsSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	index, query := randFeatures(rng, 23, 2), randFeatures(rng, 9, 2)
	d := make([]float32, query.N*index.N)
	l1(query, index, d)
	for _, k := range []int{1, 4, 23} {
		for _, side := range []int{1, 5, 100, 1 << 40} {
			got, err := KNN(context.Background(), index, query, k, side, l1)
			if err != nil {
				t.Fatal(err)
			}
			for q := 0; q < query.N; q++ {
				all := make([]Neighbor, index.N)
				for i := range all {
					all[i] = Neighbor{Index: i, Distance: d[q*index.N+i]}
				}
				slices.SortFunc(all, func(x, y Neighbor) int {
					if x.Distance != y.Distance {
						return map[bool]int{true: -1, false: 1}[x.Distance < y.Distance]
					}
					return x.Index - y.Index
				})
				if !slices.Equal(got[q], all[:k]) {
					t.Fatalf("k %d side %d query %d: %v, want %v", k, side, q, got[q], all[:k])
				}
			}
		}
	}
	for _, k := range []int{0, 24} {
		if _, err := KNN(context.Background(), index, query, k, 4, l1); err == nil {
			t.Fatalf("k = %d of 23 index rows was accepted", k)
		}
	}
}

func TestCheckFeatures(t *testing.T) {
	for _, c := range []struct {
		name string
		x    dataset.Features
		f    int
		ok   bool
	}{
		{"ok", dataset.Features{Data: make([]float32, 6), N: 2, F: 3}, 3, true},
		{"empty", dataset.Features{F: 3}, 3, true},
		{"other-F", dataset.Features{Data: make([]float32, 6), N: 3, F: 2}, 3, false},
		{"short", dataset.Features{Data: make([]float32, 5), N: 2, F: 3}, 3, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckFeatures(c.x, c.f); (err == nil) != c.ok {
				t.Fatalf("CheckFeatures: %v, want ok %v", err, c.ok)
			}
		})
	}
}

func TestSymmetrize(t *testing.T) {
	out := []float32{9, 1, 2, 7, 9, 3, 7, 7, 9}
	Symmetrize(out, 3)
	if want := []float32{0, 1, 2, 1, 0, 3, 2, 3, 0}; !slices.Equal(out, want) {
		t.Fatalf("%v, want %v", out, want)
	}
}

func TestWriteKNN(t *testing.T) {
	var b bytes.Buffer
	if err := WriteKNN(&b, "w2", [][]Neighbor{{{3, 0.5}, {1, 2}}, {{0, 1.0 / 3}}}); err != nil {
		t.Fatal(err)
	}
	if want := "query,rank,index,w2\n0,1,3,0.5\n0,2,1,2\n1,1,0,0.333333343\n"; b.String() != want {
		t.Fatalf("%q, want %q", b.String(), want)
	}
}
