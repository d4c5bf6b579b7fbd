package latent

import (
	"math"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

// CompareClass with a decoder whose geometry is exact: features are a
// point's (row, column), decoded to a unit mass at that pixel. Two points
// 4 pixels apart: their W2 barycenter is the midpoint, which the decoded
// mean feature is, so the decoded barycenter is near the ot one, while
// the Euclidean mean (half a mass at each point) is 2² = 4 pixels² from
// it; the decoder reproduces every image, so the reconstruction error is 0.
func TestCompareClass(t *testing.T) {
	const H, W = 8, 8
	point := func(r, c int) []float32 {
		img := make([]float32, H*W)
		img[r*W+c] = 1
		return img
	}
	decode := func(f dataset.Features) ([]float32, error) {
		var out []float32
		for i := 0; i < f.N; i++ {
			row := f.Row(i)
			out = append(out, point(int(math.Round(float64(row[0]))), int(math.Round(float64(row[1]))))...)
		}
		return out, nil
	}
	img := func(r, c int) ot.Image {
		pix := make([]float64, H*W)
		pix[r*W+c] = 1
		return ot.Image{H: H, W: W, Pix: pix}
	}
	set := []ot.Image{img(2, 2), img(2, 6)}
	f := dataset.NewFeatures([]float32{9, 9, 2, 2, 2, 6}, 3, 2) // row 0 is not in the class
	c, err := CompareClass(set, f, []int{1, 2}, decode, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if want := point(2, 4); !equal32(c.Decoded, want) {
		t.Errorf("decoded barycenter is not the midpoint's image")
	}
	if c.ReconstructionW2Sq != 0 {
		t.Errorf("reconstruction W2² %g, want 0 (the decoder reproduces the images)", c.ReconstructionW2Sq)
	}
	if c.MeanW2Sq < 3 || c.MeanW2Sq > 4.5 {
		t.Errorf("Euclidean mean %g pixels² from the ot barycenter, want about 4", c.MeanW2Sq)
	}
	if c.DecodedW2Sq > 0.5 || !c.DecodedCloser() {
		t.Errorf("decoded barycenter %g pixels² from the ot barycenter (mean %g): want the decoded one closer, near 0", c.DecodedW2Sq, c.MeanW2Sq)
	}
	for _, tc := range []struct {
		name   string
		rows   []int
		decode Decoder
	}{
		{"rows and images differ in number", []int{1}, decode},
		{"decoder gives too few pixels", []int{1, 2}, func(f dataset.Features) ([]float32, error) { return make([]float32, H*W-1), nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := CompareClass(set, f, tc.rows, tc.decode, 0.5); err == nil {
				t.Error("no error")
			}
		})
	}
}

func equal32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
