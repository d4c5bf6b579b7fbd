package segdist_test

import (
	"fmt"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/segdist"
)

// The distances of a model with two segments of two features, weighted
// 1 and 0.5 (d = ‖a₁ − b₁‖ + 0.5·‖a₂ − b₂‖, W2 in pixels), between two
// rows and three, as one tile of a Matrix: 3-4-5 triangles give exact
// values, and a row against itself gives exactly 0.
func ExampleKernel_Matrix() {
	k, err := segdist.New(models.FormWeightedNorms, []int{2, 2}, []float32{1, 0.5}, segdist.Options{})
	if err != nil {
		panic(err)
	}
	a := dataset.NewFeatures([]float32{
		0, 0, 0, 0,
		3, 4, 6, 8,
	}, 2, 4)
	b := dataset.NewFeatures([]float32{
		0, 0, 0, 0,
		3, 4, 0, 0,
		0, 0, 6, 8,
	}, 3, 4)
	m, err := k.Matrix(a, b, nil)
	if err != nil {
		panic(err)
	}
	out := make([]float32, a.N*b.N)
	if err := m.Tile(0, a.N, 0, b.N, out); err != nil {
		panic(err)
	}
	for i := 0; i < a.N; i++ {
		fmt.Println(out[i*b.N : (i+1)*b.N])
	}
	// Output:
	// [0 5 5]
	// [10 5 5]
}
