package ot

import (
	"context"
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
	// Tol is the target L1 violation of the first marginal; default 1e-4.
	Tol float64
	// MaxIter caps the iterations of the final ε; default 10000. Reaching
	// it is an error.
	MaxIter int
}

// Sinkhorn returns the transport cost ⟨C, P⟩ of the entropic optimal plan
// P between a and b (normalized to unit mass), with log-domain Sinkhorn
// iterations on the supports.
//
// The Gibbs kernel exp(−C/ε) of the squared Euclidean cost on a grid is
// separable, so each half-iteration is two 1-D log-sum-exp passes, over
// the support rows of one image and the support columns of the other:
// O(|rows|·|cols|·row support + |support|·|rows|) work instead of
// O(|support|²). ε is reached by ε-scaling from a large value, keeping the
// dual potentials between stages. The result is the cost of a feasible
// plan, so it is never below the exact W2², and tends to it as ε → 0.
func Sinkhorn(a, b Image, opt SinkhornOptions) (float64, error) {
	return sinkhorn(context.Background(), a, b, opt)
}

// sinkhorn is Sinkhorn stopped by ctx, checked every 10 iterations.
func sinkhorn(ctx context.Context, a, b Image, opt SinkhornOptions) (float64, error) {
	if err := checkPair(a, b); err != nil {
		return 0, err
	}
	eps := opt.Epsilon
	if eps == 0 {
		eps = 1
	}
	if !(eps > 0) || math.IsInf(eps, 0) {
		return 0, fmt.Errorf("ot: Sinkhorn epsilon %v must be positive and finite", eps)
	}
	tol := opt.Tol
	if tol == 0 {
		tol = 1e-4
	}
	maxIter := opt.MaxIter
	if maxIter == 0 {
		maxIter = 10000
	}
	sa, sb := newSide(a), newSide(b)
	F := make([]float64, len(sa.pix)) // potentials in pixel² units, on supports
	G := make([]float64, len(sb.pix))
	w := &sinkhornWork{}

	// ε-scaling: stages ε_k = max(ε, ε0/4^k) with a loose tolerance
	// before the final stage.
	eps0 := float64(maxGridCost(a.H, a.W)) / 16
	var stages []float64
	for e := eps0; e > eps; e /= 4 {
		stages = append(stages, e)
	}
	stages = append(stages, eps)
	var err1 float64
	for s, e := range stages {
		final := s == len(stages)-1
		stol, cap := 1e-2, 1000
		if final {
			stol, cap = tol, maxIter
		}
		k := kernelTable(max(a.H, a.W), e)
		conv := false
		for it := 1; it <= cap; it++ {
			w.half(F, sa, G, sb, k, e) // F_i = ε log a_i − ε LSE_j (G_j − C_ij)/ε
			w.half(G, sb, F, sa, k, e)
			if it%10 == 0 || it == cap {
				if err := ctx.Err(); err != nil {
					return 0, fmt.Errorf("ot: Sinkhorn stopped at epsilon %v, iteration %d: %w", e, it, err)
				}
				err1 = w.marginalError(F, sa, G, sb, k, e)
				if math.IsNaN(err1) {
					return 0, fmt.Errorf("ot: Sinkhorn diverged (NaN) at epsilon %v", e)
				}
				if err1 <= stol {
					conv = true
					break
				}
			}
		}
		if !conv && final {
			return 0, fmt.Errorf("%w: Sinkhorn with epsilon %v reached %d iterations with marginal error %.3g > tol %.3g; raise MaxIter or epsilon", ErrNotConverged, eps, maxIter, err1, tol)
		}
	}
	// ⟨C, P⟩ with P_ij = exp((F_i + G_j − C_ij)/ε)
	var cost float64
	for i, p := range sa.pix {
		for j, q := range sb.pix {
			dr, dc := float64(p.r-q.r), float64(p.c-q.c)
			c := dr*dr + dc*dc
			cost += c * math.Exp((F[i]+G[j]-c)/eps)
		}
	}
	return cost, nil
}

// side is the support of one image, grouped for the separable passes.
type side struct {
	pix      []px      // support pixels, row-major order
	logm     []float64 // log of the normalized mass
	rows     []int     // distinct rows, increasing
	rowStart []int     // pix[rowStart[k]:rowStart[k+1]] lie in rows[k]
	rowOf    []int     // index into rows, per support pixel
	cols     []int     // distinct columns, increasing
	colOf    []int     // index into cols, per support pixel
}

type px struct{ r, c int }

func newSide(img Image) *side {
	s := &side{}
	total := img.Mass()
	colIdx := make([]int, img.W)
	for i := range colIdx {
		colIdx[i] = -1
	}
	for r := 0; r < img.H; r++ {
		start := len(s.pix)
		for c := 0; c < img.W; c++ {
			if v := img.Pix[r*img.W+c]; v > 0 {
				s.pix = append(s.pix, px{r, c})
				s.logm = append(s.logm, math.Log(v/total))
				colIdx[c] = 0
			}
		}
		if len(s.pix) > start {
			s.rows = append(s.rows, r)
			s.rowStart = append(s.rowStart, start)
			for range s.pix[start:] {
				s.rowOf = append(s.rowOf, len(s.rows)-1)
			}
		}
	}
	s.rowStart = append(s.rowStart, len(s.pix))
	for c, v := range colIdx {
		if v == 0 {
			colIdx[c] = len(s.cols)
			s.cols = append(s.cols, c)
		}
	}
	for _, p := range s.pix {
		s.colOf = append(s.colOf, colIdx[p.c])
	}
	return s
}

// kernelTable returns d²/ε for d = 0..n-1.
func kernelTable(n int, eps float64) []float64 {
	k := make([]float64, n)
	for d := range k {
		k[d] = float64(d*d) / eps
	}
	return k
}

type sinkhornWork struct {
	tmp  []float64
	buf  []float64
	vals []float64
}

// lseInto computes, for every pixel i of x, L_i = LSE_j [(Y_j − C_ij)/ε]
// over the support of y, into out.
func (w *sinkhornWork) lseInto(out []float64, x *side, Y []float64, y *side, k []float64, eps float64) {
	nR, nC := len(y.rows), len(x.cols)
	if cap(w.tmp) < nR*nC {
		w.tmp = make([]float64, nR*nC)
	}
	tmp := w.tmp[:nR*nC]
	// pass 1: tmp[ry][cx] = LSE over y's pixels in row ry of Y_j/ε − (cx − c_j)²/ε
	for ry := 0; ry < nR; ry++ {
		lo, hi := y.rowStart[ry], y.rowStart[ry+1]
		for l, cx := range x.cols {
			m := math.Inf(-1)
			vals := w.vals[:0]
			for j := lo; j < hi; j++ {
				v := Y[j]/eps - k[abs(cx-y.pix[j].c)]
				vals = append(vals, v)
				m = math.Max(m, v)
			}
			var s float64
			for _, v := range vals {
				s += math.Exp(v - m)
			}
			w.vals = vals
			tmp[ry*nC+l] = m + math.Log(s)
		}
	}
	// pass 2: L_i = LSE over ry of tmp[ry][col(i)] − (r_i − ry)²/ε
	if cap(w.buf) < nR {
		w.buf = make([]float64, nR)
	}
	buf := w.buf[:nR]
	for i, p := range x.pix {
		l := x.colOf[i]
		m := math.Inf(-1)
		for ry, r := range y.rows {
			v := tmp[ry*nC+l] - k[abs(p.r-r)]
			buf[ry] = v
			m = math.Max(m, v)
		}
		var s float64
		for _, v := range buf {
			s += math.Exp(v - m)
		}
		out[i] = m + math.Log(s)
	}
}

// half updates X so that the plan has x's marginal: X_i = ε(log x_i − L_i).
func (w *sinkhornWork) half(X []float64, x *side, Y []float64, y *side, k []float64, eps float64) {
	w.lseInto(X, x, Y, y, k, eps)
	for i := range X {
		X[i] = eps * (x.logm[i] - X[i])
	}
}

// marginalError is Σ_i |Σ_j P_ij − a_i|, after an update of G (so the
// second marginal is exact).
func (w *sinkhornWork) marginalError(F []float64, a *side, G []float64, b *side, k []float64, eps float64) float64 {
	L := make([]float64, len(F))
	w.lseInto(L, a, G, b, k, eps)
	var e float64
	for i := range F {
		e += math.Abs(math.Exp(F[i]/eps+L[i]) - math.Exp(a.logm[i]))
	}
	return e
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
