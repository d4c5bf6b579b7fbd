package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// MaxPNGPixels bounds the pixels of one PNG (4096×4096): a PNG declaring
// more is refused from its header, before it is decoded.
const MaxPNGPixels = 1 << 24

// maxPNGBytes bounds the size of one PNG file.
const maxPNGBytes = 1 << 28

// ReadPNGDir reads every *.png file of dir, in name order, as one
// collection. Each must be grayscale (8- or 16-bit, PNG colour type 0) and
// all must have the same size. 16-bit images keep their 0–65535 scale.
// Each file is read once; its header is checked (size, at most
// MaxPNGPixels pixels, colour model) before it is decoded, and bytes after
// the PNG's end (IEND) are refused.
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
		raw, err := readPNGFile(path)
		if err != nil {
			return nil, err
		}
		h.Write([]byte(name))
		h.Write(raw)
		wantH, wantW := -1, -1
		if i > 0 {
			wantH, wantW = s.H, s.W
		}
		pix, ih, iw, err := decodeGrayPNG(path, raw, wantH, wantW)
		if err != nil {
			if i > 0 && errors.Is(err, errPNGSize) {
				return nil, fmt.Errorf("%w, but %s is %d×%d", err, names[0], s.H, s.W)
			}
			return nil, err
		}
		s.H, s.W = ih, iw
		s.Pix = append(s.Pix, pix...)
		s.N++
	}
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// pngMagic starts every PNG file.
var pngMagic = []byte("\x89PNG\r\n\x1a\n")

func readPNGFile(path string) ([]byte, error) {
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readPNGBytes(path, f, size)
}

// decodePNGImage reads one grayscale PNG from r (size bytes, -1 if not
// known) as a collection of one image; its SHA256 is that of the file's
// bytes, as for every file.
func decodePNGImage(path string, r io.Reader, size int64) (*Images, error) {
	raw, err := readPNGBytes(path, r, size)
	if err != nil {
		return nil, err
	}
	pix, h, w, err := decodeGrayPNG(path, raw, -1, -1)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	return &Images{N: 1, H: h, W: w, Pix: pix, Source: path, SHA256: hex.EncodeToString(sum[:])}, nil
}

// readPNGBytes reads a PNG file's bytes from r, refusing more than
// maxPNGBytes (from size, when known, before reading).
func readPNGBytes(path string, r io.Reader, size int64) ([]byte, error) {
	if size > maxPNGBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a PNG may have here", path, size, maxPNGBytes)
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxPNGBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > maxPNGBytes {
		return nil, fmt.Errorf("%s: more than the %d bytes a PNG may have here", path, maxPNGBytes)
	}
	return raw, nil
}

// errPNGSize marks a PNG whose size differs from the wanted one.
var errPNGSize = errors.New("image size differs")

type pngSizeError struct {
	path string
	h, w int
}

func (e *pngSizeError) Error() string   { return fmt.Sprintf("%s: image is %d×%d", e.path, e.h, e.w) }
func (e *pngSizeError) Is(t error) bool { return t == errPNGSize }

// decodeGrayPNG decodes one grayscale PNG held in raw, row-major. With
// wantH ≥ 0 its size must be wantH×wantW (checked from the header, before
// decoding).
func decodeGrayPNG(path string, raw []byte, wantH, wantW int) ([]float32, int, int, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPNGPixels {
		return nil, 0, 0, fmt.Errorf("%s: image is %d×%d, more than the %d pixels an image may have here", path, cfg.Height, cfg.Width, MaxPNGPixels)
	}
	if wantH >= 0 && (cfg.Height != wantH || cfg.Width != wantW) {
		return nil, 0, 0, &pngSizeError{path, cfg.Height, cfg.Width}
	}
	if m := cfg.ColorModel; m != color.GrayModel && m != color.Gray16Model {
		return nil, 0, 0, fmt.Errorf("%s: colour model %s is not grayscale; convert it to 8- or 16-bit grayscale first", path, modelName(m))
	}
	r := bytes.NewReader(raw)
	img, err := png.Decode(r)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if r.Len() > 0 {
		return nil, 0, 0, fmt.Errorf("%s: %d trailing bytes after the end of the PNG (IEND)", path, r.Len())
	}
	b := img.Bounds()
	hh, ww := b.Dy(), b.Dx()
	if hh != cfg.Height || ww != cfg.Width {
		return nil, 0, 0, fmt.Errorf("%s: decoded %d×%d, header says %d×%d", path, hh, ww, cfg.Height, cfg.Width)
	}
	pix := make([]float32, 0, hh*ww)
	switch im := img.(type) {
	case *image.Gray:
		for r := 0; r < hh; r++ {
			for c := 0; c < ww; c++ {
				pix = append(pix, float32(im.GrayAt(b.Min.X+c, b.Min.Y+r).Y))
			}
		}
	case *image.Gray16:
		for r := 0; r < hh; r++ {
			for c := 0; c < ww; c++ {
				pix = append(pix, float32(im.Gray16At(b.Min.X+c, b.Min.Y+r).Y))
			}
		}
	default:
		return nil, 0, 0, fmt.Errorf("%s: colour model %s is not grayscale; convert it to 8- or 16-bit grayscale first", path, modelName(img.ColorModel()))
	}
	return pix, hh, ww, nil
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
