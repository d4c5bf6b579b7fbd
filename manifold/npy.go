package manifold

import (
	"fmt"
	"math"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/sidecar"
)

// ReadDistances reads an n×n W2 matrix (pixels) from a .npy file
// (float32 or float64, C order), as kenn pairwise writes it, and checks it
// (see NewDistances). What the file holds is what its sidecar
// NAME.npy.json says, where kenn wrote one: a W2² matrix (pixels²) is
// read by its square roots, squared or not; a W2 matrix with squared, a
// features matrix (kenn embed) and a sidecar of another shape are
// refused. Without a sidecar, squared says that the file holds W2² (a dwe
// model's output, or exact values). read says how the values were read,
// and why: "W2 (pixels), by its sidecar NAME.npy.json", "the square roots
// of W2² (pixels²), by its sidecar NAME.npy.json", or the same "as
// given" without a sidecar.
func ReadDistances(path string, squared bool) (d *Distances, read string, err error) {
	// dataset's strict reader: the header's size is checked against the
	// file before allocating, truncation and trailing bytes are refused.
	a, err := dataset.ReadNPYArray(path)
	if err != nil {
		return nil, "", err
	}
	if a.Dtype == "|u1" || a.Dtype == "<u1" {
		return nil, "", fmt.Errorf("%s: dtype %s, want float32 or float64", path, a.Dtype)
	}
	if len(a.Shape) != 2 {
		return nil, "", fmt.Errorf("%s: shape %v: a distance matrix has 2 dimensions", path, a.Shape)
	}
	rows, cols := a.Shape[0], a.Shape[1]
	sc, found, err := sidecar.Read(path)
	if err != nil {
		return nil, "", err
	}
	why := "as given"
	if found {
		why = "by its sidecar " + sidecar.Path(path)
		says := fmt.Sprintf("its sidecar %s says", sidecar.Path(path))
		switch {
		case sc.Rows != rows || sc.Cols != cols:
			return nil, "", fmt.Errorf("%s: %d×%d, but %s %d×%d: the sidecar is another matrix's", path, rows, cols, says, sc.Rows, sc.Cols)
		case sc.Values == sidecar.Features:
			return nil, "", fmt.Errorf("%s: %s it holds features (kenn embed), not distances", path, says)
		case sc.Values == sidecar.W2 && squared:
			return nil, "", fmt.Errorf("%s: %s it holds W2 (pixels), not W2²: read it without taking square roots", path, says)
		}
		squared = sc.Values == sidecar.W2Sq
	}
	v := a.Values
	if squared {
		for i, x := range v {
			if x >= 0 {
				v[i] = math.Sqrt(x)
			}
		}
	}
	read = "W2 (pixels), " + why
	if squared {
		read = "the square roots of W2² (pixels²), " + why
	}
	if d, err = NewDistances(path, rows, cols, v); err != nil {
		return nil, "", err
	}
	return d, read, nil
}
