package latent_test

import (
	"fmt"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/latent"
)

// Class barycenters and an interpolation in an embedding whose squared
// distances approximate W2² (rows of features [n, F], here F = 2); a DWE
// model decodes the results back to images with runtime.Model.Decode.
func ExampleClassBarycenters() {
	features := dataset.NewFeatures([]float32{0, 0, 2, 2, 10, 0, 12, 2}, 4, 2)
	classes, bary, err := latent.ClassBarycenters(features, []int{3, 3, 8, 8})
	if err != nil {
		panic(err)
	}
	mid := latent.Interpolate(bary[0], bary[1], []float64{0.5})
	fmt.Println(classes, bary, mid)
	// Output: [3 8] [[1 1] [11 1]] [[6 1]]
}
