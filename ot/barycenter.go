package ot

import (
	"fmt"
	"math"
)

// BarycenterOptions configures Barycenter. Zero fields take the defaults.
type BarycenterOptions struct {
	// Epsilon is the entropic regularization in pixel² units; default 1.
	Epsilon float64
	// Tol: iterations stop when the barycenter changes by less than Tol
	// in L1 (of unit mass) between iterations; default 1e-6. Mass on
	// pixels outside the barycenter's support decays like 1/iterations:
	// at the default, expect about 1e-3 of the mass (L1) from the limit.
	Tol float64
	// MaxIter caps the iterations; default 5000. Reaching it is an error
	// wrapping ErrNotConverged.
	MaxIter int
}

// Barycenter returns the debiased entropic W2 barycenter of imgs with the
// given weights (nil: uniform; normalized to sum 1), on the images' own
// pixel grid (fixed support), as a unit-mass image.
//
// It is entropic, not exact: it minimizes Σ_k w_k·S_ε(b, a_k), where S_ε is
// the Sinkhorn divergence of Janati, Cuturi and Gramfort (2020, "Debiased
// Sinkhorn barycenters"), with the squared Euclidean cost in pixel² units.
// Debiasing removes the blur of plain entropic barycenters: the barycenter
// of identical images is the image itself, and as ε → 0 the result tends
// to an exact W2 barycenter. The iterations are theirs, in the log domain;
// the Gibbs kernel exp(−C/ε) on a grid is separable, so each kernel
// application is two 1-D log-sum-exp passes, O(H·W·(H+W)).
func Barycenter(imgs []Image, weights []float64, opt BarycenterOptions) (Image, error) {
	if len(imgs) == 0 {
		return Image{}, fmt.Errorf("ot: barycenter of no images")
	}
	H, W := imgs[0].H, imgs[0].W
	for k, img := range imgs {
		if err := img.Validate(); err != nil {
			return Image{}, fmt.Errorf("ot: barycenter image %d: %w", k, err)
		}
		if img.H != H || img.W != W {
			return Image{}, fmt.Errorf("ot: barycenter image %d is %d×%d, image 0 is %d×%d", k, img.H, img.W, H, W)
		}
	}
	w := make([]float64, len(imgs))
	if weights == nil {
		for k := range w {
			w[k] = 1 / float64(len(w))
		}
	} else {
		if len(weights) != len(imgs) {
			return Image{}, fmt.Errorf("ot: %d weights for %d images", len(weights), len(imgs))
		}
		sum := 0.0
		for k, x := range weights {
			if !(x >= 0) || math.IsInf(x, 0) {
				return Image{}, fmt.Errorf("ot: barycenter weight %d is %v, must be non-negative and finite", k, x)
			}
			sum += x
		}
		if sum == 0 {
			return Image{}, fmt.Errorf("ot: barycenter weights sum to 0")
		}
		for k, x := range weights {
			w[k] = x / sum
		}
	}
	eps, tol, maxIter := opt.Epsilon, opt.Tol, opt.MaxIter
	if eps == 0 {
		eps = 1
	}
	if !(eps > 0) || math.IsInf(eps, 0) {
		return Image{}, fmt.Errorf("ot: barycenter epsilon %v must be positive and finite", eps)
	}
	if tol == 0 {
		tol = 1e-6
	}
	if maxIter == 0 {
		maxIter = 5000
	}
	n := H * W
	K := newGridKernel(H, W, eps)
	logA := make([][]float64, len(imgs))
	logV := make([][]float64, len(imgs))
	logKtu := make([][]float64, len(imgs))
	for k, img := range imgs {
		m := img.Mass()
		logA[k] = make([]float64, n)
		for i, x := range img.Pix {
			logA[k][i] = math.Log(x / m) // −Inf on zero pixels
		}
		logV[k] = make([]float64, n)
		logKtu[k] = make([]float64, n)
	}
	logB := make([]float64, n)
	logC := make([]float64, n)
	bar, prev := make([]float64, n), make([]float64, n)
	tmp, logU := make([]float64, n), make([]float64, n)
	for it := 1; it <= maxIter; it++ {
		for i := range logB {
			logB[i] = logC[i]
		}
		for k := range imgs {
			K.apply(tmp, logV[k])
			for i := range logU {
				logU[i] = logA[k][i] - tmp[i]
			}
			K.apply(logKtu[k], logU)
			for i := range logB {
				logB[i] += w[k] * logKtu[k][i]
			}
		}
		for k := range imgs {
			for i := range logV[k] {
				logV[k][i] = logB[i] - logKtu[k][i]
			}
		}
		K.apply(tmp, logC) // the debiasing potential: c·Kc = b at the fixed point
		for i := range logC {
			logC[i] = (logC[i] + logB[i] - tmp[i]) / 2
		}
		change, mass := 0.0, 0.0
		for i, l := range logB {
			bar[i] = math.Exp(l)
			mass += bar[i]
		}
		for i := range bar {
			bar[i] /= mass
			change += math.Abs(bar[i] - prev[i])
		}
		if math.IsNaN(change) {
			return Image{}, fmt.Errorf("ot: barycenter iterations diverged at iteration %d (ε = %g px² too small for this grid?)", it, eps)
		}
		if change < tol && it > 1 {
			return Image{H: H, W: W, Pix: append([]float64(nil), bar...)}, nil
		}
		bar, prev = prev, bar
	}
	return Image{}, fmt.Errorf("%w: barycenter changed by more than %g after %d iterations (ε = %g px²)", ErrNotConverged, tol, maxIter, eps)
}

// gridKernel applies the log-domain Gibbs kernel of the squared Euclidean
// cost on an H×W grid: out(r,c) = LSE_{r',c'} in(r',c') − ((r−r')² +
// (c−c')²)/ε, as a pass along rows then along columns.
type gridKernel struct {
	H, W   int
	rowTab []float64 // (c−c')²/ε for |c−c'| < W
	colTab []float64 // (r−r')²/ε for |r−r'| < H
	mid    []float64
}

func newGridKernel(h, w int, eps float64) *gridKernel {
	g := &gridKernel{H: h, W: w, rowTab: make([]float64, w), colTab: make([]float64, h), mid: make([]float64, h*w)}
	for d := range g.rowTab {
		g.rowTab[d] = float64(d*d) / eps
	}
	for d := range g.colTab {
		g.colTab[d] = float64(d*d) / eps
	}
	return g
}

func (g *gridKernel) apply(out, in []float64) {
	H, W := g.H, g.W
	for r := 0; r < H; r++ {
		row := in[r*W : (r+1)*W]
		for c := 0; c < W; c++ {
			m := math.Inf(-1)
			for c2, x := range row {
				m = math.Max(m, x-g.rowTab[abs(c-c2)])
			}
			if !math.IsInf(m, -1) {
				s := 0.0
				for c2, x := range row {
					s += math.Exp(x - g.rowTab[abs(c-c2)] - m)
				}
				m += math.Log(s)
			}
			g.mid[r*W+c] = m
		}
	}
	for c := 0; c < W; c++ {
		for r := 0; r < H; r++ {
			m := math.Inf(-1)
			for r2 := 0; r2 < H; r2++ {
				m = math.Max(m, g.mid[r2*W+c]-g.colTab[abs(r-r2)])
			}
			if !math.IsInf(m, -1) {
				s := 0.0
				for r2 := 0; r2 < H; r2++ {
					s += math.Exp(g.mid[r2*W+c] - g.colTab[abs(r-r2)] - m)
				}
				m += math.Log(s)
			}
			out[r*W+c] = m
		}
	}
}
