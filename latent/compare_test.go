package latent

import (
	"fmt"
	"math"
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

func point(h, w, r, c int) ot.Image {
	img := ot.Image{H: h, W: w, Pix: make([]float64, h*w)}
	img.Pix[r*w+c] = 2 // mass 2: normalised away
	return img
}

func pointRow(h, w, r, c int) []float32 {
	row := make([]float32, h*w)
	row[r*w+c] = 1
	return row
}

// A reconstruction equal to the image costs 0; one shifted by (1, 2)
// pixels costs 1² + 2² = 5 pixels².
func TestReconstructionW2Sq(t *testing.T) {
	set := []ot.Image{point(6, 6, 2, 2), point(6, 6, 3, 1)}
	got, err := ReconstructionW2Sq(set, [][]float32{pointRow(6, 6, 2, 2), pointRow(6, 6, 4, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 0 || got[1] != 5 {
		t.Fatalf("reconstruction W2² %v, want [0 5] px²", got)
	}
	for _, c := range []struct {
		name    string
		decoded [][]float32
	}{
		{"count", [][]float32{pointRow(6, 6, 2, 2)}},
		{"size", [][]float32{pointRow(6, 6, 2, 2), make([]float32, 10)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ReconstructionW2Sq(set, c.decoded); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// Between point masses d = 4 pixels apart the exact interpolant at α is
// the point α·d along, the pixel mix puts 1−α and α on the ends: W2²
// from the mix to the exact interpolant is α(1−α)·d² pixels², and a
// decoded path equal to the exact one is at 0.
func TestCompareInterpolation(t *testing.T) {
	a, b := point(4, 8, 2, 1), point(4, 8, 2, 5)
	alphas := []float64{0, 0.25, 0.5, 1}
	decoded := [][]float32{pointRow(4, 8, 2, 1), pointRow(4, 8, 2, 2), pointRow(4, 8, 2, 3), pointRow(4, 8, 2, 5)}
	c, err := CompareInterpolation(a, b, alphas, decoded)
	if err != nil {
		t.Fatal(err)
	}
	if c.W2Sq != 16 {
		t.Fatalf("W2² %v, want 16 px²", c.W2Sq)
	}
	for k, al := range alphas {
		t.Run(fmt.Sprintf("α=%g", al), func(t *testing.T) {
			if c.DecodedW2Sq[k] > 1e-12 || c.SplatW2Sq[k] != 0 {
				t.Errorf("decoded = exact: W2² %v, splat %v; want 0, 0", c.DecodedW2Sq[k], c.SplatW2Sq[k])
			}
			if want := al * (1 - al) * 16; math.Abs(c.MixW2Sq[k]-want) > 1e-9 {
				t.Errorf("pixel mix: W2² %v, want α(1−α)·16 = %v px²", c.MixW2Sq[k], want)
			}
		})
	}
	if _, err := CompareInterpolation(a, b, alphas, decoded[:2]); err == nil {
		t.Error("2 decoded images for 4 α accepted")
	}
}
