package manifold

import (
	"fmt"
	"math"

	"github.com/kenn-ot/kenn/dataset"
)

// ReadDistances reads an n×n distance matrix from a .npy file (float32 or
// float64, C order), as kenn pairwise writes it, and checks it (see
// NewDistances). With squared, the file holds W2² (a dwe model's output,
// or exact values) and the square roots are taken.
func ReadDistances(path string, squared bool) (*Distances, error) {
	// dataset's strict reader: the header's size is checked against the
	// file before allocating, truncation and trailing bytes are refused.
	a, err := dataset.ReadNPYArray(path)
	if err != nil {
		return nil, err
	}
	if a.Dtype == "|u1" || a.Dtype == "<u1" {
		return nil, fmt.Errorf("%s: dtype %s, want float32 or float64", path, a.Dtype)
	}
	if len(a.Shape) != 2 {
		return nil, fmt.Errorf("%s: shape %v: a distance matrix has 2 dimensions", path, a.Shape)
	}
	rows, cols := a.Shape[0], a.Shape[1]
	v := a.Values
	if squared {
		for i, x := range v {
			if x >= 0 {
				v[i] = math.Sqrt(x)
			}
		}
	}
	return NewDistances(path, rows, cols, v)
}
