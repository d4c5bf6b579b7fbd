package tiling_test

import (
	"context"
	"fmt"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// The tiles of the all-pairs matrix of 5 rows in tiles of 2: those on or
// above the diagonal, row-major, smaller at the edges.
func ExampleGrid_Tiles() {
	g := tiling.Grid{Rows: 5, Cols: 5, Side: 2, Sym: true}
	for _, t := range g.Tiles() {
		fmt.Printf("(%d, %d) %d×%d diagonal=%v\n", t.I, t.J, t.NI, t.NJ, g.Diagonal(t))
	}
	// Output:
	// (0, 0) 2×2 diagonal=true
	// (0, 2) 2×2 diagonal=false
	// (0, 4) 2×1 diagonal=false
	// (2, 2) 2×2 diagonal=true
	// (2, 4) 2×1 diagonal=false
	// (4, 4) 1×1 diagonal=true
}

// The two nearest of four points on a line, for two queries, by a
// backend's tile function (here |x − y|, standing in for a model's
// PairwiseTile), in tiles of 3.
func ExampleKNN() {
	dist := func(a, b dataset.Features, out []float32) error {
		for i := 0; i < a.N; i++ {
			for j := 0; j < b.N; j++ {
				d := a.Row(i)[0] - b.Row(j)[0]
				out[i*b.N+j] = max(d, -d)
			}
		}
		return nil
	}
	index := dataset.NewFeatures([]float32{0, 10, 3, 4}, 4, 1)
	query := dataset.NewFeatures([]float32{3.5, 9}, 2, 1)
	nbs, err := tiling.KNN(context.Background(), index, query, 2, 3, dist)
	if err != nil {
		panic(err)
	}
	fmt.Println(nbs)
	// Output: [[{2 0.5} {3 0.5}] [{1 1} {3 5}]]
}
