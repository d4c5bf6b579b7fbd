package manifold

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Embedding is the result of classical MDS.
type Embedding struct {
	N, K   int
	Coords []float64 // N×K, row-major, pixel units
	// Eigen are the K leading eigenvalues of the double-centred matrix
	// B = −½·J·D²·J, largest first; Coords column c is √Eigen[c] times
	// its eigenvector. Dimensions whose eigenvalue is not positive are
	// returned as zero columns.
	Eigen []float64
	// Trace is the sum of all of B's eigenvalues (Σ of its diagonal), so
	// Eigen[c]/Trace is the share of the squared distances a dimension
	// explains when B is positive semi-definite.
	Trace float64
}

// ErrDegenerate is a distance matrix MDS cannot embed.
var ErrDegenerate = errors.New("degenerate distance matrix, nothing to embed")

// denseLimit is the largest n decomposed in full; above it the leading
// eigenvectors come from subspace iteration, O(n²·k) per iteration.
const denseLimit = 1200

// MDS is classical multidimensional scaling of d into k dimensions:
// B = −½·J·(d∘d)·J with J = I − 11ᵀ/n, and the coordinates are the k
// leading eigenvectors of B scaled by the square roots of their
// eigenvalues. For d = W2 this is Wassmap. A degenerate matrix (every
// distance zero, or no positive eigenvalue: nothing to embed) is refused
// with ErrDegenerate.
func MDS(ctx context.Context, d *Distances, k int) (*Embedding, error) {
	return mds(ctx, d, k, d.N <= denseLimit)
}

func mds(ctx context.Context, d *Distances, k int, dense bool) (*Embedding, error) {
	if k < 1 {
		panic("manifold: MDS needs k ≥ 1")
	}
	n := d.N
	if k >= n {
		return nil, fmt.Errorf("manifold: %d dimensions from %d points: need k < n", k, n)
	}
	name := d.Name
	if name == "" {
		name = "distance matrix"
	}
	if !slices.ContainsFunc(d.D, func(v float64) bool { return v != 0 }) {
		return nil, fmt.Errorf("manifold: %s: %w: all %d×%d distances are zero (the points coincide)", name, ErrDegenerate, n, n)
	}
	B := doubleCentre(d)
	trace := 0.0
	for i := 0; i < n; i++ {
		trace += B.At(i, i)
	}
	if !(trace > 0) || math.IsInf(trace, 0) {
		return nil, fmt.Errorf("manifold: %s: %w: the double-centred squared distances have trace %g (distances too small or too large to square in float64)", name, ErrDegenerate, trace)
	}
	var vals []float64
	var vecs *mat.Dense
	var err error
	if dense {
		vals, vecs, err = leadingDense(B, k)
	} else {
		vals, vecs, err = leadingSubspace(ctx, B, k)
	}
	if err != nil {
		return nil, err
	}
	if !(vals[0] > 0) {
		return nil, fmt.Errorf("manifold: %s: %w: the double-centred squared distances have no positive eigenvalue (largest %g)", name, ErrDegenerate, vals[0])
	}
	e := &Embedding{N: n, K: k, Coords: make([]float64, n*k), Eigen: vals, Trace: trace}
	for c := 0; c < k; c++ {
		if vals[c] <= 0 {
			continue
		}
		s := math.Sqrt(vals[c])
		for i := 0; i < n; i++ {
			e.Coords[i*k+c] = s * vecs.At(i, c)
		}
	}
	return e, nil
}

func doubleCentre(d *Distances) *mat.SymDense {
	n := d.N
	sq := make([]float64, n*n)
	row := make([]float64, n)
	total := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			v := d.D[i*n+j]
			sq[i*n+j] = v * v
			row[i] += v * v
		}
		total += row[i]
	}
	for i := range row {
		row[i] /= float64(n)
	}
	total /= float64(n * n)
	B := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			B.SetSym(i, j, -0.5*(sq[i*n+j]-row[i]-row[j]+total))
		}
	}
	return B
}

func leadingDense(B *mat.SymDense, k int) ([]float64, *mat.Dense, error) {
	var es mat.EigenSym
	if !es.Factorize(B, true) {
		return nil, nil, fmt.Errorf("manifold: eigendecomposition did not converge")
	}
	vals := es.Values(nil) // ascending
	var all mat.Dense
	es.VectorsTo(&all)
	n := len(vals)
	out := mat.NewDense(n, k, nil)
	lead := make([]float64, k)
	for c := 0; c < k; c++ {
		lead[c] = vals[n-1-c]
		for i := 0; i < n; i++ {
			out.Set(i, c, all.At(i, n-1-c))
		}
	}
	return lead, out, nil
}

// leadingSubspace finds the k algebraically largest eigenpairs of B by
// subspace iteration with Rayleigh–Ritz on k+8 vectors, until the leading
// values move by less than 1e-10 relative. Iteration ranks by magnitude;
// the 8 spare vectors absorb negative eigenvalues larger in magnitude than
// the k-th positive one (W2 matrices are nearly Euclidean: such values are
// few and small).
func leadingSubspace(ctx context.Context, B *mat.SymDense, k int) ([]float64, *mat.Dense, error) {
	n, _ := B.Dims()
	p := min(k+8, n)
	rng := rand.New(rand.NewPCG(1, 2))
	Q := mat.NewDense(n, p, nil)
	for i := 0; i < n; i++ {
		for c := 0; c < p; c++ {
			Q.Set(i, c, rng.NormFloat64())
		}
	}
	orth := func(m *mat.Dense) *mat.Dense {
		var qr mat.QR
		qr.Factorize(m)
		var q mat.Dense
		qr.QTo(&q)
		return mat.DenseCopyOf(q.Slice(0, n, 0, p))
	}
	Q = orth(Q)
	var prev []float64
	var Y mat.Dense
	for it := 0; it < 500; it++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		Y.Mul(B, Q)
		Q = orth(&Y)
		// Rayleigh–Ritz on B
		var BQ, T mat.Dense
		BQ.Mul(B, Q)
		T.Mul(Q.T(), &BQ)
		Ts := mat.NewSymDense(p, nil)
		for i := 0; i < p; i++ {
			for j := i; j < p; j++ {
				Ts.SetSym(i, j, (T.At(i, j)+T.At(j, i))/2)
			}
		}
		var es mat.EigenSym
		if !es.Factorize(Ts, true) {
			return nil, nil, fmt.Errorf("manifold: Rayleigh–Ritz eigendecomposition did not converge")
		}
		vals := es.Values(nil)
		var V mat.Dense
		es.VectorsTo(&V)
		order := make([]int, p)
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
		var U mat.Dense
		U.Mul(Q, &V)
		lead := make([]float64, k)
		out := mat.NewDense(n, k, nil)
		for c := 0; c < k; c++ {
			lead[c] = vals[order[c]]
			for i := 0; i < n; i++ {
				out.Set(i, c, U.At(i, order[c]))
			}
		}
		if prev != nil {
			done := true
			for c := range lead {
				if math.Abs(lead[c]-prev[c]) > 1e-10*math.Abs(lead[0]) {
					done = false
				}
			}
			if done {
				return lead, out, nil
			}
		}
		prev = lead
	}
	return nil, nil, fmt.Errorf("manifold: subspace iteration did not converge in 500 iterations")
}
