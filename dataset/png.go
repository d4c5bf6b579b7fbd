package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// ReadPNGDir reads every *.png file of dir, in name order, as one
// collection. Each must be grayscale (8- or 16-bit, PNG colour type 0) and
// all must have the same size. 16-bit images keep their 0–65535 scale.
func ReadPNGDir(dir string) (*Images, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".png") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no .png files", dir)
	}
	sort.Strings(names)
	s := &Images{Source: dir}
	h := sha256.New()
	for i, name := range names {
		path := filepath.Join(dir, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		h.Write([]byte(name))
		h.Write(raw)
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		b := img.Bounds()
		if i == 0 {
			s.H, s.W = b.Dy(), b.Dx()
		} else if b.Dy() != s.H || b.Dx() != s.W {
			return nil, fmt.Errorf("%s: image is %d×%d, but %s is %d×%d", path, b.Dy(), b.Dx(), names[0], s.H, s.W)
		}
		switch im := img.(type) {
		case *image.Gray:
			for r := 0; r < s.H; r++ {
				for c := 0; c < s.W; c++ {
					s.Pix = append(s.Pix, float32(im.GrayAt(b.Min.X+c, b.Min.Y+r).Y))
				}
			}
		case *image.Gray16:
			for r := 0; r < s.H; r++ {
				for c := 0; c < s.W; c++ {
					s.Pix = append(s.Pix, float32(im.Gray16At(b.Min.X+c, b.Min.Y+r).Y))
				}
			}
		default:
			return nil, fmt.Errorf("%s: colour model %s is not grayscale; convert it to 8- or 16-bit grayscale first", path, modelName(img.ColorModel()))
		}
		s.N++
	}
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

func modelName(m color.Model) string {
	switch m {
	case color.RGBAModel, color.NRGBAModel:
		return "RGBA"
	case color.RGBA64Model, color.NRGBA64Model:
		return "RGBA64"
	case color.GrayModel:
		return "gray"
	case color.Gray16Model:
		return "gray16"
	}
	if _, ok := m.(color.Palette); ok {
		return "paletted"
	}
	return fmt.Sprintf("%T", m)
}

// WritePNG writes image i of s as an 8-bit grayscale PNG, atomically;
// pixels are clamped to 0..255.
func (s *Images) WritePNG(path string, i int) error {
	img := image.NewGray(image.Rect(0, 0, s.W, s.H))
	for k, v := range s.Row(i) {
		img.Pix[k] = uint8(min(max(v, 0), 255))
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error { return png.Encode(w, img) })
}
