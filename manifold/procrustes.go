package manifold

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Procrustes compares two configurations of the same N points in K
// dimensions (their Coords), as scipy.spatial.procrustes does: both are
// centred and scaled to unit Frobenius norm, y is rotated (or reflected)
// and scaled onto x optimally, and the disparity is the remaining sum of
// squared differences, in [0, 1]: 0 for configurations equal up to a
// similarity transform.
func Procrustes(x, y *Embedding) (float64, error) {
	if err := sameShape(x, y); err != nil {
		return 0, err
	}
	return procrustes(x.Coords, y.Coords, x.N, x.K)
}

// Align rotates (or reflects) and translates y onto x, without scaling,
// and returns the aligned copy of y (its Coords only) and the
// root-mean-square distance between matching points after alignment, in
// the configurations' units.
func Align(x, y *Embedding) (*Embedding, float64, error) {
	if err := sameShape(x, y); err != nil {
		return nil, 0, err
	}
	c, rmse, err := align(x.Coords, y.Coords, x.N, x.K)
	if err != nil {
		return nil, 0, err
	}
	return &Embedding{N: x.N, K: x.K, Coords: c}, rmse, nil
}

func sameShape(x, y *Embedding) error {
	if x.N != y.N || x.K != y.K {
		return fmt.Errorf("manifold: configurations of %d points in %d dimensions and %d in %d", x.N, x.K, y.N, y.K)
	}
	return nil
}

// procrustes is Procrustes on n×k row-major coordinates.
func procrustes(x, y []float64, n, k int) (float64, error) {
	a, err := standardize(x, n, k, true)
	if err != nil {
		return 0, fmt.Errorf("first configuration: %w", err)
	}
	b, err := standardize(y, n, k, true)
	if err != nil {
		return 0, fmt.Errorf("second configuration: %w", err)
	}
	var m mat.Dense
	m.Mul(a.T(), b)
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDNone) {
		return 0, fmt.Errorf("manifold: SVD did not converge")
	}
	s := 0.0
	for _, v := range svd.Values(nil) {
		s += v
	}
	return math.Max(0, 1-s*s), nil
}

// align is Align on n×k row-major coordinates.
func align(x, y []float64, n, k int) ([]float64, float64, error) {
	a, err := standardize(x, n, k, false)
	if err != nil {
		return nil, 0, err
	}
	b, err := standardize(y, n, k, false)
	if err != nil {
		return nil, 0, err
	}
	var m mat.Dense
	m.Mul(b.T(), a) // k×k
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDFull) {
		return nil, 0, fmt.Errorf("manifold: SVD did not converge")
	}
	var u, v, r mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	r.Mul(&u, v.T())
	var out mat.Dense
	out.Mul(b, &r)
	mx := means(x, n, k)
	res := make([]float64, n*k)
	ss := 0.0
	for i := 0; i < n; i++ {
		for c := 0; c < k; c++ {
			res[i*k+c] = out.At(i, c) + mx[c]
			d := res[i*k+c] - x[i*k+c]
			ss += d * d
		}
	}
	return res, math.Sqrt(ss / float64(n)), nil
}

func means(x []float64, n, k int) []float64 {
	m := make([]float64, k)
	for i := 0; i < n; i++ {
		for c := 0; c < k; c++ {
			m[c] += x[i*k+c] / float64(n)
		}
	}
	return m
}

func standardize(x []float64, n, k int, unit bool) (*mat.Dense, error) {
	if len(x) != n*k {
		return nil, fmt.Errorf("%d values for %d points in %d dimensions", len(x), n, k)
	}
	m := means(x, n, k)
	out := mat.NewDense(n, k, nil)
	norm := 0.0
	for i := 0; i < n; i++ {
		for c := 0; c < k; c++ {
			v := x[i*k+c] - m[c]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("point %d, coordinate %d is %v", i, c, x[i*k+c])
			}
			out.Set(i, c, v)
			norm += v * v
		}
	}
	if norm == 0 {
		return nil, fmt.Errorf("all %d points coincide", n)
	}
	if unit {
		out.Scale(1/math.Sqrt(norm), out)
	}
	return out, nil
}
