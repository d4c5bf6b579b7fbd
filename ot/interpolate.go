package ot

import (
	"fmt"
	"math"
)

// Interpolant is one image of a displacement interpolation: McCann's
// interpolant μ_t of an optimal plan, splatted onto the pixel grid.
type Interpolant struct {
	T     float64
	Image Image // unit mass, on the plan's H×W grid
	// SplatW2Sq (pixel²) is the cost of the bilinear splat's own coupling
	// between the exact interpolant (point masses off the grid) and Image:
	// an upper bound on their W2². It is 0 where every moved point lands
	// on a pixel (t = 0 and t = 1 always), and at most 1/2 px², the
	// worst case of a point at the centre of a pixel square. By the
	// triangle inequality, |W2(μ_0, Image) − t·W2(μ_0, μ_1)| ≤ √SplatW2Sq.
	SplatW2Sq float64
}

// DisplacementInterpolation returns McCann's displacement interpolant
// between the two marginals of an optimal plan p (Solver.Plan), for each
// t in ts (each in [0, 1]): every plan entry's mass moves to the point
// (1−t)·from + t·to of the plane, and is splatted bilinearly onto the
// four pixels around it, which conserves the mass and the mean.
//
// For the exact (unsplatted) interpolant ν_t, W2(μ_0, ν_t) = t·W2(μ_0, μ_1)
// and W2(ν_t, μ_1) = (1−t)·W2(μ_0, μ_1): ν_t is on the W2 geodesic. The
// splat moves it by at most √SplatW2Sq pixels in W2 (see Interpolant). At
// t = 0 and t = 1 the images are the plan's marginals (the normalized
// input images), up to float64 rounding of the plan's masses.
func DisplacementInterpolation(p *Plan, ts []float64) ([]Interpolant, error) {
	if p == nil || p.H <= 0 || p.W <= 0 {
		return nil, fmt.Errorf("ot: displacement interpolation of an empty plan")
	}
	for k, t := range ts {
		if !(t >= 0 && t <= 1) {
			return nil, fmt.Errorf("ot: interpolation time %d is %v, want 0 ≤ t ≤ 1", k, t)
		}
	}
	H, W, n := p.H, p.W, p.H*p.W
	total := 0.0
	for k, e := range p.Entries {
		if e.From < 0 || e.From >= n || e.To < 0 || e.To >= n {
			return nil, fmt.Errorf("ot: plan entry %d moves pixel %d to %d on a %d×%d grid", k, e.From, e.To, H, W)
		}
		if !(e.Mass >= 0) || math.IsInf(e.Mass, 0) {
			return nil, fmt.Errorf("ot: plan entry %d has mass %v", k, e.Mass)
		}
		total += e.Mass
	}
	if total == 0 {
		return nil, fmt.Errorf("ot: displacement interpolation of a plan without mass")
	}
	out := make([]Interpolant, len(ts))
	for k, t := range ts {
		pix := make([]float64, n)
		splat := 0.0
		for _, e := range p.Entries {
			m := e.Mass / total
			r := (1-t)*float64(e.From/W) + t*float64(e.To/W)
			c := (1-t)*float64(e.From%W) + t*float64(e.To%W)
			r0, fr := cell(r, H)
			c0, fc := cell(c, W)
			splat += m * (fr*(1-fr) + fc*(1-fc))
			pix[r0*W+c0] += m * (1 - fr) * (1 - fc)
			if fc > 0 {
				pix[r0*W+c0+1] += m * (1 - fr) * fc
			}
			if fr > 0 {
				pix[(r0+1)*W+c0] += m * fr * (1 - fc)
				if fc > 0 {
					pix[(r0+1)*W+c0+1] += m * fr * fc
				}
			}
		}
		out[k] = Interpolant{T: t, Image: Image{H: H, W: W, Pix: pix}, SplatW2Sq: splat}
	}
	return out, nil
}

// cell splits a coordinate x in [0, size−1] into its grid cell i and the
// fraction f in [0, 1) towards i+1 (f = 0 on a grid line, so i+1 is used
// only when it exists).
func cell(x float64, size int) (int, float64) {
	i := int(math.Floor(x))
	if i < 0 {
		i = 0
	}
	if i > size-1 {
		i = size - 1
	}
	f := x - float64(i)
	if f < 1e-12 || i == size-1 {
		f = 0 // on the pixel itself (rounding of (1−t)·a + t·a included)
	}
	if f > 1-1e-12 {
		i, f = i+1, 0
	}
	return i, f
}

// DisplacementPoints is McCann's interpolant of p at t before any
// splatting: the point ((1−t)·r_from + t·r_to, (1−t)·c_from + t·c_to)
// (row, column, pixels) of every plan entry, with its mass normalized to
// sum 1. W2 from the plan's first marginal to it is exactly t·W2 (and
// (1−t)·W2 to the second); EmpiricalW2Sq with Mixed{Cont: 2} compares it
// with an image's pixels (ImagePoints) off the grid.
func DisplacementPoints(p *Plan, t float64) (points [][]float64, masses []float64, err error) {
	if p == nil || p.H <= 0 || p.W <= 0 || len(p.Entries) == 0 {
		return nil, nil, fmt.Errorf("ot: displacement points of an empty plan")
	}
	if !(t >= 0 && t <= 1) {
		return nil, nil, fmt.Errorf("ot: interpolation time %v, want 0 ≤ t ≤ 1", t)
	}
	n, total := p.H*p.W, 0.0
	for k, e := range p.Entries {
		if e.From < 0 || e.From >= n || e.To < 0 || e.To >= n {
			return nil, nil, fmt.Errorf("ot: plan entry %d moves pixel %d to %d on a %d×%d grid", k, e.From, e.To, p.H, p.W)
		}
		if !(e.Mass >= 0) || math.IsInf(e.Mass, 0) {
			return nil, nil, fmt.Errorf("ot: plan entry %d has mass %v", k, e.Mass)
		}
		total += e.Mass
	}
	if total == 0 {
		return nil, nil, fmt.Errorf("ot: displacement points of a plan without mass")
	}
	W := p.W
	for _, e := range p.Entries {
		points = append(points, []float64{
			(1-t)*float64(e.From/W) + t*float64(e.To/W),
			(1-t)*float64(e.From%W) + t*float64(e.To%W),
		})
		masses = append(masses, e.Mass/total)
	}
	return points, masses, nil
}

// ImagePoints is img as a weighted point set for EmpiricalW2Sq: the
// (row, column) of every positive pixel, with its share of the mass.
func ImagePoints(img Image) (points [][]float64, masses []float64, err error) {
	if err := img.Validate(); err != nil {
		return nil, nil, err
	}
	m := img.Mass()
	for i, v := range img.Pix {
		if v > 0 {
			points = append(points, []float64{float64(i / img.W), float64(i % img.W)})
			masses = append(masses, v/m)
		}
	}
	return points, masses, nil
}
