package dataset

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// ReadImagesAt returns the images idx of the collection at path, in that
// order (Subset semantics: image k of the result is image idx[k]). For an
// uncompressed IDX file only those images are read (16 header bytes, then
// one seek per image), so a worker handling a few images of a large file
// reads a few kilobytes; other formats are loaded whole. Source and
// SHA256 are left empty: the caller checked the whole file.
func ReadImagesAt(path string, idx []int) (*Images, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hdr [16]byte
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// A pipe is not read here at all: Load reads it once.
	if st.Mode().IsRegular() && readFull(f, hdr[:]) && binary.BigEndian.Uint32(hdr[:]) == IDXImages {
		n := int(binary.BigEndian.Uint32(hdr[4:]))
		h, w := int(binary.BigEndian.Uint32(hdr[8:])), int(binary.BigEndian.Uint32(hdr[12:]))
		// Dimensions as readIDX accepts them (so the product cannot
		// overflow); anything else goes to Load, which says what is wrong.
		ok := n > 0 && h > 0 && w > 0 && n <= 1<<28 && h <= 1<<28 && w <= 1<<28 &&
			int64(h)*int64(w) <= maxIDXBytes/int64(n)
		if ok && st.Size() == 16+int64(n)*int64(h)*int64(w) {
			s := &Images{N: len(idx), H: h, W: w, Pix: make([]float32, len(idx)*h*w)}
			buf := make([]byte, h*w)
			for k, i := range idx {
				if i < 0 || i >= n {
					return nil, fmt.Errorf("%s: image %d: the file has %d images", path, i, n)
				}
				if _, err := f.ReadAt(buf, 16+int64(i)*int64(h*w)); err != nil {
					return nil, fmt.Errorf("%s: image %d: %w", path, i, err)
				}
				for p, b := range buf {
					s.Pix[k*h*w+p] = float32(b)
				}
			}
			return s, nil
		}
	}
	all, err := Load(path)
	if err != nil {
		return nil, err
	}
	for _, i := range idx {
		if i < 0 || i >= all.N {
			return nil, fmt.Errorf("%s: image %d: the file has %d images", path, i, all.N)
		}
	}
	s := all.Subset(idx)
	s.Source, s.SHA256 = "", ""
	return s, nil
}

func readFull(r io.Reader, b []byte) bool {
	_, err := io.ReadFull(r, b)
	return err == nil
}
