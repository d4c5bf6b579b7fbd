package latent

import (
	"fmt"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

// Decoder maps feature rows [N, F] to N images of H×W pixels, row-major
// and concatenated (runtime.Model.Decode).
type Decoder func(f dataset.Features) ([]float32, error)

// ClassComparison is CompareClass's result for one set of images: the
// decoded barycenter against the exact geometry, and the decoder's own
// error on the same images. W2² in pixel² between unit-mass images.
type ClassComparison struct {
	BarycenterComparison
	Decoded []float32 // ψ(mean φ), H×W row-major
	// ReconstructionW2Sq is the mean over the images of W2²(ψ(φ(x)), x).
	ReconstructionW2Sq float64
}

// DecodedCloser reports whether the decoded barycenter is closer in W2²
// to the OT barycenter than the Euclidean mean is.
func (c ClassComparison) DecodedCloser() bool { return c.DecodedW2Sq < c.MeanW2Sq }

// CompareClass decodes the barycenter of the feature rows rows of f (the
// embeddings of set, in order) and compares it with CompareBarycenter at
// the entropic regularization epsilon (pixel²); it also measures the
// decoder's reconstruction of each image of set.
func CompareClass(set []ot.Image, f dataset.Features, rows []int, decode Decoder, epsilon float64) (ClassComparison, error) {
	if len(rows) != len(set) {
		return ClassComparison{}, fmt.Errorf("latent: %d feature rows for %d images", len(rows), len(set))
	}
	if len(set) == 0 {
		return ClassComparison{}, fmt.Errorf("latent: compare a barycenter of no images")
	}
	b, err := Barycenter(f, rows, nil)
	if err != nil {
		return ClassComparison{}, err
	}
	own := make([][]float32, len(rows))
	for k, i := range rows {
		own[k] = f.Row(i)
	}
	hw := set[0].H * set[0].W
	dec, err := decode(dataset.NewFeatures(b, 1, f.F))
	if err != nil {
		return ClassComparison{}, fmt.Errorf("latent: decode: %w", err)
	}
	if len(dec) != hw {
		return ClassComparison{}, fmt.Errorf("latent: the decoder gave %d values for one image of %d pixels", len(dec), hw)
	}
	c := ClassComparison{Decoded: dec}
	if c.BarycenterComparison, err = CompareBarycenter(set, c.Decoded, epsilon); err != nil {
		return ClassComparison{}, err
	}
	all, err := decode(dataset.NewFeatures(Flatten(own), len(own), f.F))
	if err != nil {
		return ClassComparison{}, fmt.Errorf("latent: decode: %w", err)
	}
	if len(all) != len(own)*hw {
		return ClassComparison{}, fmt.Errorf("latent: the decoder gave %d values for %d images of %d pixels", len(all), len(own), hw)
	}
	recon := make([][]float32, len(own))
	for k := range recon {
		recon[k] = all[k*hw : (k+1)*hw]
	}
	rw, err := ReconstructionW2Sq(set, recon)
	if err != nil {
		return ClassComparison{}, err
	}
	for _, v := range rw {
		c.ReconstructionW2Sq += v / float64(len(rw))
	}
	return c, nil
}
