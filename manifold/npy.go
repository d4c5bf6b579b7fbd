package manifold

import (
	"bufio"
	"fmt"
	"math"
	"os"

	"github.com/sbinet/npyio"
)

// ReadDistances reads an n×n distance matrix from a .npy file (float32 or
// float64, C order), as kenn pairwise writes it, and checks it (see
// NewDistances). With squared, the file holds W2² (a dwe model's output,
// or exact values) and the square roots are taken.
func ReadDistances(path string, squared bool) (*Distances, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := npyio.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	hdr := r.Header.Descr
	if hdr.Fortran {
		return nil, fmt.Errorf("%s: Fortran-ordered arrays are not supported", path)
	}
	if len(hdr.Shape) != 2 {
		return nil, fmt.Errorf("%s: shape %v: a distance matrix has 2 dimensions", path, hdr.Shape)
	}
	rows, cols := hdr.Shape[0], hdr.Shape[1]
	var v []float64
	switch hdr.Type {
	case "<f4", "|f4":
		w := make([]float32, rows*cols)
		if err := r.Read(&w); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		v = make([]float64, len(w))
		for i, x := range w {
			v[i] = float64(x)
		}
	case "<f8", "|f8":
		v = make([]float64, rows*cols)
		if err := r.Read(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("%s: dtype %s, want float32 or float64", path, hdr.Type)
	}
	if squared {
		for i, x := range v {
			if x >= 0 {
				v[i] = math.Sqrt(x)
			}
		}
	}
	return NewDistances(path, rows, cols, v)
}
