package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned
// byte) and the number of dimensions.
const (
	IDXImages uint32 = 0x00000803
	IDXLabels uint32 = 0x00000801
)

// readMaybeGzip returns the whole content of path, gunzipped if it starts
// with the gzip magic bytes.
func readMaybeGzip(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w (truncated file?)", path, err)
		}
		return out, nil
	}
	return raw, nil
}

// parseIDX checks the header of an IDX file of unsigned bytes with the
// wanted magic and returns its dimensions and payload.
func parseIDX(path string, data []byte, want uint32) ([]int, []byte, error) {
	if len(data) < 4 {
		return nil, nil, fmt.Errorf("%s: %d bytes is too short for an IDX header", path, len(data))
	}
	magic := binary.BigEndian.Uint32(data)
	if magic != want {
		kind := map[uint32]string{IDXImages: "an IDX image file (0x00000803)", IDXLabels: "an IDX label file (0x00000801)"}
		got, ok := kind[magic]
		if !ok {
			got = fmt.Sprintf("not an IDX file of unsigned bytes (magic 0x%08x)", magic)
		}
		return nil, nil, fmt.Errorf("%s: want %s, but the file is %s", path, kind[want], got)
	}
	nd := int(want & 0xff)
	if len(data) < 4+4*nd {
		return nil, nil, fmt.Errorf("%s: truncated IDX header: %d bytes, want %d", path, len(data), 4+4*nd)
	}
	dims := make([]int, nd)
	size := 1
	for k := range dims {
		d := binary.BigEndian.Uint32(data[4+4*k:])
		if d == 0 || d > 1<<28 {
			return nil, nil, fmt.Errorf("%s: IDX dimension %d is %d", path, k, d)
		}
		dims[k] = int(d)
		size *= int(d)
	}
	payload := data[4+4*nd:]
	if len(payload) < size {
		return nil, nil, fmt.Errorf("%s: truncated IDX file: header promises %v = %d bytes of data, file has %d", path, dims, size, len(payload))
	}
	if len(payload) > size {
		return nil, nil, fmt.Errorf("%s: IDX file has %d bytes of data, header promises %v = %d", path, len(payload), dims, size)
	}
	return dims, payload, nil
}

// ReadIDXImages reads an IDX image file (magic 0x00000803), gzipped or not.
func ReadIDXImages(path string) (*Images, error) {
	data, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	dims, payload, err := parseIDX(path, data, IDXImages)
	if err != nil {
		return nil, err
	}
	s := &Images{N: dims[0], H: dims[1], W: dims[2], Pix: make([]float32, len(payload)), Source: path}
	for i, b := range payload {
		s.Pix[i] = float32(b)
	}
	if s.SHA256, err = FileSHA256(path); err != nil {
		return nil, err
	}
	return s, nil
}

// ReadIDXLabels reads an IDX label file (magic 0x00000801), gzipped or not.
func ReadIDXLabels(path string) ([]int, error) {
	data, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	dims, payload, err := parseIDX(path, data, IDXLabels)
	if err != nil {
		return nil, err
	}
	labels := make([]int, dims[0])
	for i, b := range payload {
		labels[i] = int(b)
	}
	return labels, nil
}

// ReadLabels reads one integer label per image: an IDX label file
// (gzipped or not), or text with one integer per line (a first line that
// is not a number is taken as a header; blank lines are errors).
func ReadLabels(path string) ([]int, error) {
	data, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	if len(data) >= 4 && binary.BigEndian.Uint32(data) == IDXLabels {
		return ReadIDXLabels(path)
	}
	var out []int
	for k, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		v, err := strconv.Atoi(line)
		if err != nil {
			if k == 0 && line != "" {
				continue // header
			}
			return nil, fmt.Errorf("%s:%d: label %q is not an integer", path, k+1, line)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labels", path)
	}
	return out, nil
}

// WriteIDXImages writes s as an uncompressed IDX image file, atomically.
// Pixels must be integers in 0..255.
func WriteIDXImages(path string, s *Images) error {
	for i, v := range s.Pix {
		if v != float32(uint8(v)) || v < 0 || v > 255 {
			return fmt.Errorf("%s: image %d pixel %d is %v, IDX needs integers 0..255", path, i/s.Size(), i%s.Size(), v)
		}
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		hdr := []uint32{IDXImages, uint32(s.N), uint32(s.H), uint32(s.W)}
		if err := binary.Write(bw, binary.BigEndian, hdr); err != nil {
			return err
		}
		buf := make([]byte, len(s.Pix))
		for i, v := range s.Pix {
			buf[i] = uint8(v)
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// WriteIDXLabels writes labels (0..255) as an IDX label file, atomically.
func WriteIDXLabels(path string, labels []int) error {
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := binary.Write(bw, binary.BigEndian, []uint32{IDXLabels, uint32(len(labels))}); err != nil {
			return err
		}
		for i, l := range labels {
			if l < 0 || l > 255 {
				return fmt.Errorf("%s: label %d is %d, IDX needs 0..255", path, i, l)
			}
			bw.WriteByte(uint8(l))
		}
		return bw.Flush()
	})
}
