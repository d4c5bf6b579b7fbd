package ot

import (
	"errors"
	"fmt"
	"math"
)

// ErrNotConverged is returned (wrapped) by iterative methods that reach
// their iteration cap before meeting their tolerance. They never return a
// value that did not converge.
var ErrNotConverged = errors.New("ot: not converged")

// SinkhornOptions configures Sinkhorn. Zero fields take the defaults.
type SinkhornOptions struct {
	// Epsilon is the entropic regularization in pixel² units (the units of
	// the cost); default 1. Smaller is closer to exact and slower.
	Epsilon float64
	// Tol is the target L1 violation of the first marginal; default 1e-6.
	Tol float64
	// MaxIter caps the iterations; default 10000. Reaching it is an error.
	MaxIter int
}

// Sinkhorn returns the transport cost ⟨C, P⟩ of the entropic optimal plan
// P between a and b (normalized to unit mass), computed with log-domain
// Sinkhorn iterations. The Gibbs kernel exp(−C/ε) of the squared Euclidean
// cost on a grid is separable, so each half-iteration is two 1-D log-sum-exp
// passes: O(H·W·(H+W)) work instead of O((H·W)²). The result approximates
// W2² from above as ε → 0 (it is the cost of a feasible plan, so it is
// never below the exact W2²).
func Sinkhorn(a, b Image, opt SinkhornOptions) (float64, error) {
	if err := checkPair(a, b); err != nil {
		return 0, err
	}
	eps := opt.Epsilon
	if eps == 0 {
		eps = 1
	}
	if !(eps > 0) || math.IsInf(eps, 0) {
		return 0, fmt.Errorf("ot: Sinkhorn epsilon %v must be positive", eps)
	}
	tol := opt.Tol
	if tol == 0 {
		tol = 1e-6
	}
	maxIter := opt.MaxIter
	if maxIter == 0 {
		maxIter = 10000
	}
	h, w := a.H, a.W
	n := h * w
	la, lb := logHist(a), logHist(b)
	// log kernels along rows and columns: −d²/ε
	kr, kc := logKernel(h, eps, false), logKernel(w, eps, false)
	f := make([]float64, n) // f/ε, the dual potentials scaled by 1/ε
	g := make([]float64, n)
	tmp := make([]float64, n)
	conv := make([]float64, n)
	var err1 float64
	for it := 1; it <= maxIter; it++ {
		// f = log a − LSE_j(g_j − C_ij/ε)
		logConv(g, conv, tmp, kr, kc, h, w)
		for i := range f {
			f[i] = la[i] - conv[i]
		}
		logConv(f, conv, tmp, kr, kc, h, w)
		for i := range g {
			g[i] = lb[i] - conv[i]
		}
		if it%10 == 0 || it == maxIter {
			// After the g update the second marginal is exact; measure the
			// first: Σ_j P_ij = exp(f_i + LSE_j(g_j − C_ij/ε)).
			logConv(g, conv, tmp, kr, kc, h, w)
			err1 = 0
			for i := range f {
				if la[i] == math.Inf(-1) {
					continue
				}
				err1 += math.Abs(math.Exp(f[i]+conv[i]) - math.Exp(la[i]))
			}
			if err1 <= tol {
				return sinkhornCost(f, g, h, w, eps, kr, kc, tmp, conv), nil
			}
			if math.IsNaN(err1) {
				return 0, fmt.Errorf("ot: Sinkhorn diverged (NaN) at iteration %d with epsilon %v", it, eps)
			}
		}
	}
	return 0, fmt.Errorf("%w: Sinkhorn with epsilon %v reached %d iterations with marginal error %.3g > tol %.3g; raise MaxIter or epsilon", ErrNotConverged, eps, maxIter, err1, tol)
}

func logHist(img Image) []float64 {
	s := img.Mass()
	out := make([]float64, len(img.Pix))
	for i, v := range img.Pix {
		out[i] = math.Log(v / s) // −Inf on zero pixels
	}
	return out
}

// logKernel returns the n×n matrix of −d²/ε, plus log d² if weighted.
func logKernel(n int, eps float64, weighted bool) []float64 {
	k := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			d2 := float64((i - j) * (i - j))
			k[i*n+j] = -d2 / eps
			if weighted {
				k[i*n+j] += math.Log(d2) // −Inf on the diagonal
			}
		}
	}
	return k
}

// logConv computes out(r,c) = LSE_{r',c'} [in(r',c') + kr(r,r') + kc(c,c')]
// in two separable passes; tmp is scratch of the same size.
func logConv(in, out, tmp, kr, kc []float64, h, w int) {
	// pass 1 along columns: tmp(r', c) = LSE_{c'} in(r',c') + kc(c,c')
	for r := 0; r < h; r++ {
		row := in[r*w : (r+1)*w]
		for c := 0; c < w; c++ {
			tmp[r*w+c] = lse(row, kc[c*w:(c+1)*w])
		}
	}
	// pass 2 along rows: out(r, c) = LSE_{r'} tmp(r',c) + kr(r,r')
	col := make([]float64, h)
	for c := 0; c < w; c++ {
		for r := 0; r < h; r++ {
			col[r] = tmp[r*w+c]
		}
		for r := 0; r < h; r++ {
			out[r*w+c] = lse(col, kr[r*h:(r+1)*h])
		}
	}
}

// lse returns log Σ exp(x_k + y_k), −Inf if every term is −Inf.
func lse(x, y []float64) float64 {
	m := math.Inf(-1)
	for k := range x {
		if v := x[k] + y[k]; v > m {
			m = v
		}
	}
	if math.IsInf(m, -1) {
		return m
	}
	var s float64
	for k := range x {
		s += math.Exp(x[k] + y[k] - m)
	}
	return m + math.Log(s)
}

// sinkhornCost returns Σ_ij P_ij C_ij with P_ij = exp(f_i + g_j − C_ij/ε),
// split into its row and column parts, each a separable log-convolution
// with one kernel weighted by d².
func sinkhornCost(f, g []float64, h, w int, eps float64, kr, kc, tmp, conv []float64) float64 {
	krw, kcw := logKernel(h, eps, true), logKernel(w, eps, true)
	var total float64
	for _, ks := range [][2][]float64{{krw, kc}, {kr, kcw}} {
		logConv(g, conv, tmp, ks[0], ks[1], h, w)
		for i := range f {
			if v := f[i] + conv[i]; !math.IsInf(v, -1) {
				total += math.Exp(v)
			}
		}
	}
	return total
}
