package manifold

import (
	"fmt"
	"math"
)

// Distances is an n×n matrix of distances, row-major.
type Distances struct {
	Name string // where the matrix comes from, for errors
	N    int
	D    []float64 // N*N values, D[i*N+j] = d(i, j)
}

// SymmetryTolerance is the largest |d(i,j) − d(j,i)| accepted by Check, as
// a fraction of the largest entry: float32 model outputs computed in Gram
// form differ in the last bits between the two triangles.
const SymmetryTolerance = 1e-5

// NewDistances checks a rows×cols matrix (row-major) and returns it as
// Distances with the two triangles averaged. name is used in errors.
func NewDistances(name string, rows, cols int, v []float64) (*Distances, error) {
	if rows != cols {
		return nil, fmt.Errorf("%s: distance matrix is %d×%d, not square", name, rows, cols)
	}
	if len(v) != rows*cols {
		return nil, fmt.Errorf("%s: %d values for a %d×%d matrix", name, len(v), rows, cols)
	}
	if rows < 2 {
		return nil, fmt.Errorf("%s: %d point(s): need at least 2", name, rows)
	}
	n := rows
	largest := 0.0
	for k, x := range v {
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			return nil, fmt.Errorf("%s: entry (%d, %d) is %v", name, k/n, k%n, x)
		case x < 0:
			return nil, fmt.Errorf("%s: entry (%d, %d) is negative (%g)", name, k/n, k%n, x)
		}
		largest = math.Max(largest, x)
	}
	tol := SymmetryTolerance * largest
	d := &Distances{Name: name, N: n, D: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		if x := v[i*n+i]; x > tol {
			return nil, fmt.Errorf("%s: diagonal entry (%d, %d) is %g, not 0", name, i, i, x)
		}
		for j := i + 1; j < n; j++ {
			a, b := v[i*n+j], v[j*n+i]
			if math.Abs(a-b) > tol {
				return nil, fmt.Errorf("%s: not symmetric: entry (%d, %d) is %g but (%d, %d) is %g", name, i, j, a, j, i, b)
			}
			m := (a + b) / 2
			d.D[i*n+j], d.D[j*n+i] = m, m
		}
	}
	return d, nil
}

// At returns d(i, j).
func (d *Distances) At(i, j int) float64 { return d.D[i*d.N+j] }
