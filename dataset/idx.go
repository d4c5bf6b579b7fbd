package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
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

// openInput opens path for one sequential read and returns its size, or
// -1 when it is not a regular file (a pipe or device, whose size is not
// known beforehand).
func openInput(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("%s is a directory, want a file", path)
	}
	if !st.Mode().IsRegular() {
		return f, -1, nil
	}
	return f, st.Size(), nil
}

// idxStream is an IDX file being read once: raw counts and hashes the
// file's bytes; src yields its content, gunzipped if the file starts with
// the gzip magic bytes (then size is -1: the content's size is not known
// before it is read).
type idxStream struct {
	path string
	src  io.Reader
	size int64
	zr   *gzip.Reader
	sha  hash.Hash
}

func newIDXStream(path string, r io.Reader, size int64) (*idxStream, error) {
	st := &idxStream{path: path, size: size, sha: sha256.New()}
	br := bufio.NewReader(io.TeeReader(r, st.sha))
	st.src = br
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		st.zr, st.src, st.size = zr, zr, -1
	}
	return st, nil
}

// what names the content in errors.
func (st *idxStream) what() string {
	if st.zr != nil {
		return "gunzipped IDX content"
	}
	return "IDX file"
}

// readErr describes a read error of the content at byte offset off.
func (st *idxStream) readErr(err error, off int64, part string) error {
	if st.zr != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: gzip: %w", st.path, err)
	}
	return fmt.Errorf("%s: truncated %s: it ends after %d bytes, inside the %s", st.path, st.what(), off, part)
}

// maxIDXBytes bounds the data an IDX header may declare (1 TiB).
const maxIDXBytes = 1 << 40

// readIDX reads an IDX file of unsigned bytes with the wanted magic from
// st and returns its dimensions and payload. The header's size is checked
// against the file's size before the payload is allocated; the payload of
// a gzipped file or a pipe is read in chunks, so memory follows the bytes
// actually there. Truncation and trailing bytes are refused; the gzip
// checksum is verified.
func readIDX(st *idxStream, want uint32) ([]int, []byte, error) {
	path := st.path
	var m [4]byte
	if k, err := io.ReadFull(st.src, m[:]); err != nil {
		if st.zr != nil && k == 0 && errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("%s: gzip holds no IDX content", path)
		}
		if st.zr == nil && k < 4 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			return nil, nil, fmt.Errorf("%s: %d bytes is too short for an IDX header", path, k)
		}
		return nil, nil, st.readErr(err, int64(k), "header")
	}
	magic := binary.BigEndian.Uint32(m[:])
	if magic != want {
		kind := map[uint32]string{IDXImages: "an IDX image file (0x00000803)", IDXLabels: "an IDX label file (0x00000801)"}
		got, ok := kind[magic]
		if !ok {
			got = fmt.Sprintf("not an IDX file of unsigned bytes (magic 0x%08x)", magic)
		}
		return nil, nil, fmt.Errorf("%s: want %s, but the file is %s", path, kind[want], got)
	}
	nd := int(want & 0xff)
	raw := make([]byte, 4*nd)
	if k, err := io.ReadFull(st.src, raw); err != nil {
		if st.zr == nil {
			return nil, nil, fmt.Errorf("%s: truncated IDX header: %d bytes, want %d", path, 4+k, 4+4*nd)
		}
		return nil, nil, st.readErr(err, int64(4+k), "header")
	}
	dims := make([]int, nd)
	size := int64(1)
	for k := range dims {
		d := binary.BigEndian.Uint32(raw[4*k:])
		if d == 0 || d > 1<<28 {
			return nil, nil, fmt.Errorf("%s: IDX dimension %d is %d", path, k, d)
		}
		dims[k] = int(d)
		if size > maxIDXBytes/int64(d) {
			return nil, nil, fmt.Errorf("%s: IDX dimensions %v declare more than %d bytes of data", path, dims[:k+1], int64(maxIDXBytes))
		}
		size *= int64(d)
	}
	hlen := int64(4 + 4*nd)
	if st.size >= 0 {
		switch have := st.size - hlen; {
		case have < size:
			return nil, nil, fmt.Errorf("%s: truncated IDX file: header promises %v = %d bytes of data, file has %d", path, dims, size, have)
		case have > size:
			return nil, nil, fmt.Errorf("%s: IDX file has %d bytes of data, header promises %v = %d", path, have, dims, size)
		}
	}
	const chunk = 1 << 20
	payload := make([]byte, 0, min(size, chunk))
	if st.size >= 0 { // the file's size was checked: allocate it at once
		payload = make([]byte, 0, size)
	}
	for int64(len(payload)) < size {
		n := len(payload)
		k := int(min(size-int64(n), chunk))
		if cap(payload) < n+k {
			payload = append(payload, make([]byte, k)...)
		}
		payload = payload[:n+k]
		got, err := io.ReadFull(st.src, payload[n:])
		if err != nil {
			if st.zr != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
				return nil, nil, fmt.Errorf("%s: gzip: %w", path, err)
			}
			return nil, nil, fmt.Errorf("%s: truncated %s: header promises %v = %d bytes of data, it has %d", path, st.what(), dims, size, n+got)
		}
	}
	// Nothing may follow; reading to the end also verifies the gzip checksum.
	var one [1]byte
	if k, err := io.ReadFull(st.src, one[:]); k != 0 {
		// (not counted: a gzip bomb would be decompressed to the end)
		return nil, nil, fmt.Errorf("%s: %s has more than the %d bytes of data its header promises (%v): trailing bytes", path, st.what(), size, dims)
	} else if !errors.Is(err, io.EOF) {
		if st.zr != nil {
			return nil, nil, fmt.Errorf("%s: gzip: %w (truncated or corrupt file?)", path, err)
		}
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return dims, payload, nil
}

// ReadIDXImages reads an IDX image file (magic 0x00000803), gzipped or
// not, in one pass (a pipe works); see readIDX for what is refused.
func ReadIDXImages(path string) (*Images, error) {
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeIDXImages(path, f, size)
}

func decodeIDXImages(path string, r io.Reader, size int64) (*Images, error) {
	st, err := newIDXStream(path, r, size)
	if err != nil {
		return nil, err
	}
	dims, payload, err := readIDX(st, IDXImages)
	if err != nil {
		return nil, err
	}
	s := &Images{N: dims[0], H: dims[1], W: dims[2], Pix: make([]float32, len(payload)), Source: path}
	for i, b := range payload {
		s.Pix[i] = float32(b)
	}
	s.SHA256 = hex.EncodeToString(st.sha.Sum(nil))
	return s, nil
}

// ReadIDXLabels reads an IDX label file (magic 0x00000801), gzipped or not.
func ReadIDXLabels(path string) ([]int, error) {
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := newIDXStream(path, f, size)
	if err != nil {
		return nil, err
	}
	return decodeIDXLabels(st)
}

func decodeIDXLabels(st *idxStream) ([]int, error) {
	dims, payload, err := readIDX(st, IDXLabels)
	if err != nil {
		return nil, err
	}
	labels := make([]int, dims[0])
	for i, b := range payload {
		labels[i] = int(b)
	}
	return labels, nil
}

// maxLabelText bounds a text label file (its gunzipped content).
const maxLabelText = 1 << 30

// ReadLabels reads one integer label per image: an IDX label file
// (gzipped or not), or text with one integer per line (a first line that
// is not a number is taken as a header; blank lines are errors; a UTF-8
// byte-order mark is skipped). The file is read once.
func ReadLabels(path string) ([]int, error) {
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := newIDXStream(path, f, size)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(st.src)
	st.src = br
	if m, _ := br.Peek(4); len(m) == 4 && binary.BigEndian.Uint32(m) == IDXLabels {
		return decodeIDXLabels(st)
	}
	data, err := io.ReadAll(io.LimitReader(br, maxLabelText+1))
	if err != nil {
		if st.zr != nil {
			return nil, fmt.Errorf("%s: gzip: %w (truncated file?)", path, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxLabelText {
		return nil, fmt.Errorf("%s: more than %d bytes of label text", path, maxLabelText)
	}
	return parseLabelText(path, data)
}

func parseLabelText(path string, data []byte) ([]int, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
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
