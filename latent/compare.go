package latent

import (
	"fmt"

	"github.com/kenn-ot/kenn/ot"
)

// BarycenterComparison is how close a barycenter decoded from the
// embedding comes to the exact geometry: the ot engine's debiased
// entropic W2 barycenter of the same images, beside their Euclidean mean
// as the naive baseline (kenn barycenter --compare).
type BarycenterComparison struct {
	OT   ot.Image // the ot engine's barycenter (ot.Barycenter)
	Mean ot.Image // the mean of the images, each normalised to mass 1
	// W2² (pixels²) to OT from the decoded barycenter and from Mean
	DecodedW2Sq, MeanW2Sq float64
}

// CompareBarycenter compares decoded, a barycenter of set decoded to an
// image of set's size (row-major pixels, as runtime.Decode gives), with
// ot.Barycenter of set at the entropic regularization epsilon (pixels²)
// and with the mean of set.
func CompareBarycenter(set []ot.Image, decoded []float32, epsilon float64) (BarycenterComparison, error) {
	if len(set) == 0 {
		return BarycenterComparison{}, fmt.Errorf("latent: compare a barycenter of no images")
	}
	H, W := set[0].H, set[0].W
	if len(decoded) != H*W {
		return BarycenterComparison{}, fmt.Errorf("latent: decoded barycenter of %d pixels, the images have %dx%d", len(decoded), H, W)
	}
	mean := ot.Image{H: H, W: W, Pix: make([]float64, H*W)}
	for k, img := range set {
		if img.H != H || img.W != W || len(img.Pix) != H*W {
			return BarycenterComparison{}, fmt.Errorf("latent: image %d is %dx%d, image 0 %dx%d", k, img.H, img.W, H, W)
		}
		mass := img.Mass()
		for p, v := range img.Pix {
			mean.Pix[p] += v / mass / float64(len(set))
		}
	}
	b, err := ot.Barycenter(set, nil, ot.BarycenterOptions{Epsilon: epsilon})
	if err != nil {
		return BarycenterComparison{}, fmt.Errorf("latent: %w", err)
	}
	dec := ot.Image{H: H, W: W, Pix: make([]float64, H*W)}
	for p, v := range decoded {
		dec.Pix[p] = float64(v)
	}
	c := BarycenterComparison{OT: b, Mean: mean}
	if c.DecodedW2Sq, err = ot.W2Sq(dec, b); err != nil {
		return BarycenterComparison{}, fmt.Errorf("latent: decoded barycenter: %w", err)
	}
	if c.MeanW2Sq, err = ot.W2Sq(mean, b); err != nil {
		return BarycenterComparison{}, fmt.Errorf("latent: mean: %w", err)
	}
	return c, nil
}

// ReconstructionW2Sq is the decoder's own error on set: for each image,
// exact W2² (pixels²) between decoded[i] (ψ(φ(set[i])), row-major pixels
// of set's size, as runtime.Decode gives) and the image, both as unit-mass
// measures: how far the decoder alone moves what it decodes, beside a
// decoded barycenter's distance to the ot barycenter.
func ReconstructionW2Sq(set []ot.Image, decoded [][]float32) ([]float64, error) {
	if len(decoded) != len(set) {
		return nil, fmt.Errorf("latent: %d reconstructions of %d images", len(decoded), len(set))
	}
	sol := ot.NewSolver()
	out := make([]float64, len(set))
	for i, img := range set {
		d, err := asImage(decoded[i], img.H, img.W)
		if err != nil {
			return nil, fmt.Errorf("latent: reconstruction %d: %w", i, err)
		}
		if out[i], err = sol.W2Sq(d, img); err != nil {
			return nil, fmt.Errorf("latent: reconstruction %d: %w", i, err)
		}
	}
	return out, nil
}

// asImage wraps a decoded row of h·w pixels as an ot.Image.
func asImage(row []float32, h, w int) (ot.Image, error) {
	if len(row) != h*w {
		return ot.Image{}, fmt.Errorf("%d pixels, the images have %dx%d", len(row), h, w)
	}
	img := ot.Image{H: h, W: w, Pix: make([]float64, h*w)}
	for p, v := range row {
		img.Pix[p] = float64(v)
	}
	return img, nil
}

// InterpolationComparison sets a decoded interpolation beside the exact
// displacement interpolation of the same two images (kenn interpolate
// --exact): for each α, McCann's interpolant of the exact optimal plan
// and the pixel mix (1−α)·a + α·b of the unit-mass images, with W2²
// (pixels²) from the decoded image and from the mix to the interpolant
// itself, its point masses off the grid (ot.DisplacementPoints, compared
// by ot.EmpiricalW2Sq: exact up to its 2⁻³⁰ rounding, no splat error).
// Exact holds the interpolants splatted onto the grid for display.
type InterpolationComparison struct {
	Alphas []float64
	Exact  []ot.Image // McCann's interpolants, unit mass
	Mix    []ot.Image // (1−α)·a/|a| + α·b/|b|
	// W2² (pixels²) to McCann's interpolant at Alphas[k] (off the grid)
	// from the decoded image and from Mix[k]
	DecodedW2Sq, MixW2Sq []float64
	// SplatW2Sq[k] bounds W2² between Exact[k] and the interpolant it
	// draws (ot.Interpolant.SplatW2Sq)
	SplatW2Sq []float64
	W2Sq      float64 // exact W2² between a and b
}

// CompareInterpolation compares decoded[k], the decoded interpolation at
// alphas[k] (each in [0, 1]), with the exact displacement interpolation
// between a and b.
func CompareInterpolation(a, b ot.Image, alphas []float64, decoded [][]float32) (InterpolationComparison, error) {
	if len(decoded) != len(alphas) {
		return InterpolationComparison{}, fmt.Errorf("latent: %d decoded images for %d α", len(decoded), len(alphas))
	}
	sol := ot.NewSolver()
	p, err := sol.Plan(a, b)
	if err != nil {
		return InterpolationComparison{}, fmt.Errorf("latent: plan: %w", err)
	}
	ex, err := ot.DisplacementInterpolation(p, alphas)
	if err != nil {
		return InterpolationComparison{}, fmt.Errorf("latent: %w", err)
	}
	c := InterpolationComparison{Alphas: alphas, W2Sq: p.W2Sq}
	ma, mb := a.Mass(), b.Mass()
	for k, al := range alphas {
		d, err := asImage(decoded[k], a.H, a.W)
		if err != nil {
			return InterpolationComparison{}, fmt.Errorf("latent: decoded image %d: %w", k, err)
		}
		mix := ot.Image{H: a.H, W: a.W, Pix: make([]float64, len(a.Pix))}
		for i := range mix.Pix {
			mix.Pix[i] = (1-al)*a.Pix[i]/ma + al*b.Pix[i]/mb
		}
		pts, w, err := ot.DisplacementPoints(p, al)
		if err != nil {
			return InterpolationComparison{}, fmt.Errorf("latent: %w", err)
		}
		dd, err := offGrid(d, pts, w)
		if err != nil {
			return InterpolationComparison{}, fmt.Errorf("latent: decoded image %d: %w", k, err)
		}
		dm, err := offGrid(mix, pts, w)
		if err != nil {
			return InterpolationComparison{}, fmt.Errorf("latent: pixel mix %d: %w", k, err)
		}
		c.Exact = append(c.Exact, ex[k].Image)
		c.Mix = append(c.Mix, mix)
		c.DecodedW2Sq = append(c.DecodedW2Sq, dd)
		c.MixW2Sq = append(c.MixW2Sq, dm)
		c.SplatW2Sq = append(c.SplatW2Sq, ex[k].SplatW2Sq)
	}
	return c, nil
}

// offGrid is W2² (pixels²) between img and the weighted points pts.
func offGrid(img ot.Image, pts [][]float64, w []float64) (float64, error) {
	ip, iw, err := ot.ImagePoints(img)
	if err != nil {
		return 0, err
	}
	return ot.EmpiricalW2Sq(ot.Mixed{Cont: 2}, ip, pts, iw, w)
}
