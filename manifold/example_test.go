package manifold_test

import (
	"context"
	"fmt"
	"math"

	"github.com/kenn-ot/kenn/manifold"
)

// Four points at the corners of a 3×4 rectangle: Wassmap (classical MDS)
// of their distance matrix recovers the rectangle, whose diagonal is 5.
func ExampleMDS() {
	pts := [][2]float64{{0, 0}, {3, 0}, {3, 4}, {0, 4}}
	v := make([]float64, 16)
	for i, p := range pts {
		for j, q := range pts {
			v[i*4+j] = math.Hypot(p[0]-q[0], p[1]-q[1])
		}
	}
	d, err := manifold.NewDistances("rectangle", 4, 4, v)
	if err != nil {
		panic(err)
	}
	e, err := manifold.MDS(context.Background(), d, 2)
	if err != nil {
		panic(err)
	}
	diag := math.Hypot(e.Coords[0]-e.Coords[4], e.Coords[1]-e.Coords[5])
	fmt.Printf("diagonal %.6f, explained %.6f\n", diag, (e.Eigen[0]+e.Eigen[1])/e.Trace)
	// Output: diagonal 5.000000, explained 1.000000
}
