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
