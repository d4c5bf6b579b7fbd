package ot

import (
	"fmt"
	"math"
)

// Image is a non-negative histogram on an H×W pixel grid, stored row-major:
// pixel (r, c) is Pix[r*W+c] and sits at the point (r, c) of the plane, in
// pixel units. Images need not be normalized: every method in this package
// divides by the total mass in float64 first, so two images are compared as
// probability measures. Zero pixels carry no mass.
type Image struct {
	H, W int
	Pix  []float64
}

// NewImage wraps pix (row-major, len h*w) as an Image. It panics if the
// length does not match, which is a programming error.
func NewImage(h, w int, pix []float64) Image {
	if h <= 0 || w <= 0 || len(pix) != h*w {
		panic(fmt.Sprintf("ot: NewImage(%d, %d) with %d pixels", h, w, len(pix)))
	}
	return Image{H: h, W: w, Pix: pix}
}

// Validate reports the first problem that makes img unusable as a
// histogram: a shape that does not match its pixels, a negative, NaN or
// infinite pixel (named by index, row and column), or zero total mass.
func (img Image) Validate() error {
	if img.H <= 0 || img.W <= 0 {
		return fmt.Errorf("ot: image has shape %d×%d", img.H, img.W)
	}
	if len(img.Pix) != img.H*img.W {
		return fmt.Errorf("ot: image of shape %d×%d has %d pixels, want %d", img.H, img.W, len(img.Pix), img.H*img.W)
	}
	var sum float64
	for i, v := range img.Pix {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("ot: pixel %d (row %d, col %d) is %v; pixels must be finite and non-negative", i, i/img.W, i%img.W, v)
		}
		sum += v
	}
	if sum == 0 {
		return fmt.Errorf("ot: image is all zero; a histogram needs positive mass")
	}
	if math.IsInf(sum, 0) {
		return fmt.Errorf("ot: image mass overflows float64")
	}
	return nil
}

// Mass is the sum of the pixels.
func (img Image) Mass() float64 {
	var s float64
	for _, v := range img.Pix {
		s += v
	}
	return s
}

// Support is the number of pixels with positive mass.
func (img Image) Support() int {
	n := 0
	for _, v := range img.Pix {
		if v > 0 {
			n++
		}
	}
	return n
}

func checkPair(a, b Image) error {
	if err := a.Validate(); err != nil {
		return fmt.Errorf("first image: %w", err)
	}
	if err := b.Validate(); err != nil {
		return fmt.Errorf("second image: %w", err)
	}
	if a.H != b.H || a.W != b.W {
		return fmt.Errorf("ot: images have different sizes: %d×%d and %d×%d", a.H, a.W, b.H, b.W)
	}
	return nil
}

// maxGridCost is the largest squared distance between two pixels.
func maxGridCost(h, w int) int64 {
	return int64(h-1)*int64(h-1) + int64(w-1)*int64(w-1)
}
