package latent

import (
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/ot"
)

// CompareBarycenter on images whose answer is known: the barycenter of
// two copies of one image is that image, so its mean (normalised to mass
// 1) is it exactly, a decoded barycenter equal to it is as far from the
// ot barycenter as the mean is, and one shifted by 2 pixels is about
// 2² = 4 pixels² farther; bad input is an error naming what is wrong.
func TestCompareBarycenter(t *testing.T) {
	const H, W = 8, 8
	img := ot.Image{H: H, W: W, Pix: make([]float64, H*W)}
	img.Pix[3*W+2], img.Pix[4*W+3] = 1, 3 // mass 4: normalised 0.25, 0.75
	norm := make([]float32, H*W)
	norm[3*W+2], norm[4*W+3] = 0.25, 0.75
	shifted := make([]float32, H*W)
	shifted[3*W+4], shifted[4*W+5] = 0.25, 0.75
	set := []ot.Image{img, img}

	c, err := CompareBarycenter(set, norm, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for p, v := range c.Mean.Pix {
		if v != float64(norm[p]) {
			t.Fatalf("mean pixel %d = %g, want %g", p, v, norm[p])
		}
	}
	if c.DecodedW2Sq != c.MeanW2Sq {
		t.Errorf("a decoded barycenter equal to the mean: W2² %g, the mean's %g", c.DecodedW2Sq, c.MeanW2Sq)
	}
	if c.MeanW2Sq > 0.5 {
		t.Errorf("the mean of two copies is %g pixels² from the ot barycenter, want near 0", c.MeanW2Sq)
	}
	s, err := CompareBarycenter(set, shifted, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if d := s.DecodedW2Sq - s.MeanW2Sq; d < 3 || d > 5 {
		t.Errorf("shifted by 2 pixels: W2² %g against the mean's %g, want about 4 more", s.DecodedW2Sq, s.MeanW2Sq)
	}

	small := ot.Image{H: 4, W: 4, Pix: make([]float64, 16)}
	small.Pix[5] = 1
	for _, b := range []struct {
		name    string
		set     []ot.Image
		decoded []float32
		want    string
	}{
		{"no images", nil, norm, "no images"},
		{"decoded size", set, norm[:10], "decoded barycenter of 10 pixels"},
		{"image sizes", []ot.Image{img, small}, norm, "image 1 is 4x4"},
	} {
		t.Run(b.name, func(t *testing.T) {
			if _, err := CompareBarycenter(b.set, b.decoded, 0.5); err == nil || !strings.Contains(err.Error(), b.want) {
				t.Errorf("%v, want an error with %q", err, b.want)
			}
		})
	}
}
