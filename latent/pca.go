package latent

import (
	"fmt"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

// PixelPCA is Euclidean principal component analysis of images in pixel
// space, each image normalized to mass 1 first: the linear baseline that
// principal geodesics in a Wasserstein embedding are compared with
// (kenn pga --pca). The Geodesics' Mean and Components are images of
// len H·W (row-major); Sigma is in units of unit-mass pixel values. A
// Walk along a component is a linear combination of images and may have
// negative pixels: ClipToMass makes such a row displayable as a measure.
func PixelPCA(imgs []ot.Image, k int) (*Geodesics, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("latent: PCA of no images")
	}
	H, W := imgs[0].H, imgs[0].W
	data := make([]float32, 0, len(imgs)*H*W)
	for i, img := range imgs {
		if err := img.Validate(); err != nil {
			return nil, fmt.Errorf("latent: PCA image %d: %w", i, err)
		}
		if img.H != H || img.W != W {
			return nil, fmt.Errorf("latent: PCA image %d is %dx%d, image 0 %dx%d", i, img.H, img.W, H, W)
		}
		m := img.Mass()
		for _, v := range img.Pix {
			data = append(data, float32(v/m))
		}
	}
	return PrincipalGeodesics(dataset.NewFeatures(data, len(imgs), H*W), k)
}

// ClipToMass returns row with its negative values set to 0, rescaled to
// mass 1 (all zeros when nothing positive is left): how a pixel-space
// PCA walk is drawn as an image.
func ClipToMass(row []float32) []float32 {
	out := make([]float32, len(row))
	s := 0.0
	for i, v := range row {
		if v > 0 {
			out[i] = v
			s += float64(v)
		}
	}
	if s > 0 {
		for i := range out {
			out[i] = float32(float64(out[i]) / s)
		}
	}
	return out
}
