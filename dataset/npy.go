package dataset

import (
	"bufio"
	"fmt"
	"math"
	"os"

	"github.com/sbinet/npyio"
)

// ReadNPY reads a NumPy array of shape (N, H, W), or (N, D) with D a
// perfect square, of dtype float32, float64 or uint8, C order.
func ReadNPY(path string) (*Images, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := npyio.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	hdr := r.Header.Descr
	if hdr.Fortran {
		return nil, fmt.Errorf("%s: Fortran-ordered arrays are not supported; save with np.ascontiguousarray", path)
	}
	s := &Images{Source: path}
	switch len(hdr.Shape) {
	case 3:
		s.N, s.H, s.W = hdr.Shape[0], hdr.Shape[1], hdr.Shape[2]
	case 2:
		side := int(math.Round(math.Sqrt(float64(hdr.Shape[1]))))
		if side*side != hdr.Shape[1] {
			return nil, fmt.Errorf("%s: shape %v: rows of %d pixels are not square images; save as (N, H, W)", path, hdr.Shape, hdr.Shape[1])
		}
		s.N, s.H, s.W = hdr.Shape[0], side, side
	default:
		return nil, fmt.Errorf("%s: shape %v, want (N, H, W) or (N, H*W)", path, hdr.Shape)
	}
	n := s.N * s.H * s.W
	switch hdr.Type {
	case "<f4", "|f4":
		s.Pix = make([]float32, n)
		err = r.Read(&s.Pix)
	case "<f8", "|f8":
		var v []float64
		v = make([]float64, n)
		if err = r.Read(&v); err == nil {
			s.Pix = make([]float32, n)
			for i, x := range v {
				s.Pix[i] = float32(x)
			}
		}
	case "|u1", "<u1":
		v := make([]uint8, n)
		if err = r.Read(&v); err == nil {
			s.Pix = make([]float32, n)
			for i, x := range v {
				s.Pix[i] = float32(x)
			}
		}
	default:
		return nil, fmt.Errorf("%s: dtype %s not supported (want float32, float64 or uint8)", path, hdr.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(s.Pix) != n {
		return nil, fmt.Errorf("%s: truncated: %d of %d values", path, len(s.Pix), n)
	}
	if s.SHA256, err = FileSHA256(path); err != nil {
		return nil, err
	}
	return s, nil
}
