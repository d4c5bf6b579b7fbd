package ot

import (
	"errors"
	"math"
	"testing"
)

func bump(r, c int) Image {
	img := Image{H: 28, W: 28, Pix: make([]float64, 28*28)}
	for y := -3; y <= 3; y++ {
		for x := -3; x <= 3; x++ {
			if v := 10 - y*y - x*x; v > 0 {
				img.Pix[(r+y)*28+c+x] = float64(v)
			}
		}
	}
	return img
}

func unit(img Image) Image {
	m := img.Mass()
	out := Image{H: img.H, W: img.W, Pix: make([]float64, len(img.Pix))}
	for i, v := range img.Pix {
		out.Pix[i] = v / m
	}
	return out
}

// The debiased barycenter of identical images is the image itself.
func TestBarycenterOfIdenticalImagesIsTheImage(t *testing.T) {
	a := bump(12, 15)
	b, err := Barycenter([]Image{a, a}, []float64{1, 2}, BarycenterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := unit(a)
	l1 := 0.0
	for i := range want.Pix {
		l1 += math.Abs(b.Pix[i] - want.Pix[i])
	}
	t.Logf("L1 from the image: %.2e", l1)
	if l1 > 2e-3 {
		t.Fatalf("barycenter of identical images is %.2e (L1) from the image", l1)
	}
}

// The W2 barycenter of translates is the translate by the weighted mean
// shift: the entropic barycenter is close to it in W2.
func TestBarycenterOfTranslates(t *testing.T) {
	cases := []struct {
		w    []float64
		r, c int // expected centre
	}{
		{[]float64{1, 1}, 14, 14},
		{[]float64{3, 1}, 11, 11},
	}
	for _, tc := range cases {
		b, err := Barycenter([]Image{bump(8, 8), bump(20, 20)}, tc.w, BarycenterOptions{Epsilon: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		w2sq, err := W2Sq(b, bump(tc.r, tc.c))
		if err != nil {
			t.Fatal(err)
		}
		// the two inputs are 2·12² = 288 px² apart
		if w2sq > 0.05 {
			t.Errorf("weights %v: barycenter is %.4f px² (W2²) from the bump at (%d, %d)", tc.w, w2sq, tc.r, tc.c)
		}
		t.Logf("weights %v: W2² to the expected translate %.2e px²", tc.w, w2sq)
	}
}

func TestBarycenterErrors(t *testing.T) {
	a := bump(10, 10)
	small := Image{H: 4, W: 4, Pix: make([]float64, 16)}
	small.Pix[3] = 1
	if _, err := Barycenter([]Image{a, small}, nil, BarycenterOptions{}); err == nil {
		t.Error("images of different sizes accepted")
	}
	if _, err := Barycenter([]Image{a, a}, []float64{1, -1}, BarycenterOptions{}); err == nil {
		t.Error("negative weight accepted")
	}
	if _, err := Barycenter([]Image{a, bump(18, 18)}, nil, BarycenterOptions{MaxIter: 3}); !errors.Is(err, ErrNotConverged) {
		t.Errorf("3 iterations: %v, want ErrNotConverged", err)
	}
}
