package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strconv"
	"strings"
)

// NPY header limits: numpy itself writes headers of a few hundred bytes;
// anything longer is refused before it is read.
const maxNPYHeader = 1 << 16

// npyHeader is the parsed header of a .npy file.
type npyHeader struct {
	Descr   string // dtype, e.g. "<f4"
	Fortran bool
	Shape   []int
	Offset  int64 // bytes before the data: magic, version, length, dict
}

// ReadNPY reads a NumPy array of shape (N, H, W), or (N, D) with D a
// perfect square (N flattened square images), of dtype float32, float64
// or uint8, C order. A square (D, D) array is refused as ambiguous: it is
// most likely one D×D image, which a 2-D array cannot say. The file is
// read once (a pipe works): its header is parsed strictly, the size it
// declares is checked against the file's size before anything is
// allocated, and truncated files, trailing bytes, zero, negative or
// overflowing dimensions are refused, naming the file. Pixels are held as
// float32: a float64 value that float32 cannot hold (|x| above
// math.MaxFloat32, or nonzero |x| below the smallest normal float32,
// 2^-126) is refused naming its index rather than turned into Inf or 0;
// other float64 values are rounded to the nearest float32 (relative error
// below 6e-8). NaN, infinite and negative pixels are refused.
func ReadNPY(path string) (*Images, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := int64(-1) // unknown for a pipe or device
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	return decodeNPY(path, f, size)
}

// decodeNPY reads a .npy file of the given size (-1: unknown) from r.
func decodeNPY(path string, r io.Reader, size int64) (*Images, error) {
	h := sha256.New()
	r = io.TeeReader(r, h)
	hdr, err := readNPYHeader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
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
			return nil, fmt.Errorf("%s: shape %s: rows of %d pixels are not square images; save as (N, H, W)", path, shapeString(hdr.Shape), hdr.Shape[1])
		}
		if hdr.Shape[0] == hdr.Shape[1] {
			return nil, fmt.Errorf("%s: shape %s is ambiguous: one %d×%d image, or %d flattened %d×%d images; save one image as (1, H, W) and a set as (N, H, W)", path, shapeString(hdr.Shape), hdr.Shape[0], hdr.Shape[1], hdr.Shape[0], side, side)
		}
		s.N, s.H, s.W = hdr.Shape[0], side, side
	default:
		return nil, fmt.Errorf("%s: shape %s, want (N, H, W) or (N, H*W)", path, shapeString(hdr.Shape))
	}
	item, err := npyItem(path, hdr)
	if err != nil {
		return nil, err
	}
	if n, _, ok := npyDataSize(hdr.Shape, item); ok { // else readNPYData refuses it
		s.Pix = make([]float32, 0, min(n, 1<<20))
	}
	err = readNPYData(path, r, size, hdr, item, func(b []byte, first int) error { return s.appendNPY(b, item, first) })
	if err != nil {
		return nil, err
	}
	s.SHA256 = hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// npyItem is the byte size of the dtypes kenn reads (little-endian
// float32, float64, uint8).
func npyItem(path string, hdr *npyHeader) (int, error) {
	switch hdr.Descr {
	case "<f4", "|f4":
		return 4, nil
	case "<f8", "|f8":
		return 8, nil
	case "|u1", "<u1":
		return 1, nil
	}
	return 0, fmt.Errorf("%s: dtype %s not supported (want float32, float64 or uint8, little-endian)", path, hdr.Descr)
}

// readNPYData reads the data after hdr: it checks the declared size
// against the file's (size ≥ 0) before anything is read, then passes the
// data to fn in chunks of whole values (first: the index of the chunk's
// first value), and refuses truncation and trailing bytes.
func readNPYData(path string, r io.Reader, size int64, hdr *npyHeader, item int, fn func(b []byte, first int) error) error {
	_, nbytes, ok := npyDataSize(hdr.Shape, item)
	if !ok {
		return fmt.Errorf("%s: shape %s of %s is too large (its size overflows)", path, shapeString(hdr.Shape), hdr.Descr)
	}
	if size >= 0 {
		switch have := size - hdr.Offset; {
		case have < nbytes:
			return fmt.Errorf("%s: truncated .npy: shape %s of %s is %d bytes of data, the file has %d", path, shapeString(hdr.Shape), hdr.Descr, nbytes, have)
		case have > nbytes:
			return fmt.Errorf("%s: %d trailing bytes after the data of shape %s of %s (%d bytes)", path, have-nbytes, shapeString(hdr.Shape), hdr.Descr, nbytes)
		}
	}
	// Read in chunks: memory grows with the bytes actually there, not with
	// what the header claims (the size of a pipe is not known beforehand).
	const chunk = 1 << 20 // a multiple of every item size
	buf := make([]byte, max(min(chunk, nbytes), 1))
	for done := int64(0); done < nbytes; {
		want := min(int64(len(buf)), nbytes-done)
		got, err := io.ReadFull(r, buf[:want])
		if err != nil {
			return fmt.Errorf("%s: truncated .npy: shape %s of %s is %d bytes of data, the file has %d", path, shapeString(hdr.Shape), hdr.Descr, nbytes, done+int64(got))
		}
		if err := fn(buf[:got], int(done)/item); err != nil {
			return err
		}
		done += int64(got)
	}
	if k, _ := io.ReadFull(r, buf[:1]); k != 0 {
		return fmt.Errorf("%s: trailing bytes after the data of shape %s of %s (%d bytes)", path, shapeString(hdr.Shape), hdr.Descr, nbytes)
	}
	return nil
}

// NPYArray is a .npy array of any shape read as float64 values.
type NPYArray struct {
	Shape  []int     // C order
	Values []float64 // row-major; float32 and uint8 values converted exactly
	Dtype  string    // as in the header, e.g. "<f4"
}

// ReadNPYArray reads a .npy array of dtype float32, float64 or uint8
// (little-endian, C order) with the checks of ReadNPY (the strict header,
// the size before allocating, no truncation or trailing bytes, one read),
// but any shape and any values: NaN, infinities and negative values are
// the caller's to judge.
func ReadNPYArray(path string) (*NPYArray, error) {
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeNPYArray(path, f, size)
}

func decodeNPYArray(path string, r io.Reader, size int64) (*NPYArray, error) {
	hdr, err := readNPYHeader(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if hdr.Fortran {
		return nil, fmt.Errorf("%s: Fortran-ordered arrays are not supported; save with np.ascontiguousarray", path)
	}
	item, err := npyItem(path, hdr)
	if err != nil {
		return nil, err
	}
	a := &NPYArray{Shape: hdr.Shape, Dtype: hdr.Descr}
	err = readNPYData(path, r, size, hdr, item, func(b []byte, _ int) error {
		for k := 0; k < len(b)/item; k++ {
			switch item {
			case 1:
				a.Values = append(a.Values, float64(b[k]))
			case 4:
				a.Values = append(a.Values, float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))))
			case 8:
				a.Values = append(a.Values, math.Float64frombits(binary.LittleEndian.Uint64(b[8*k:])))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// appendNPY converts little-endian values of item bytes each, the first
// of index first, into s.Pix, refusing what a pixel cannot be.
func (s *Images) appendNPY(b []byte, item, first int) error {
	bad := func(k int, v float64, why string) error {
		i := first + k
		return fmt.Errorf("%s: image %d, pixel %d (row %d, col %d) is %v: %s", s.Source, i/s.Size(), i%s.Size(), i%s.Size()/s.W, i%s.W, v, why)
	}
	switch item {
	case 1:
		for _, x := range b {
			s.Pix = append(s.Pix, float32(x))
		}
	case 4:
		for k := 0; k < len(b)/4; k++ {
			x := math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))
			if x != x || x < 0 || math.IsInf(float64(x), 0) {
				return bad(k, float64(x), "pixels must be finite and non-negative")
			}
			s.Pix = append(s.Pix, x)
		}
	case 8:
		for k := 0; k < len(b)/8; k++ {
			x := math.Float64frombits(binary.LittleEndian.Uint64(b[8*k:]))
			switch {
			case x != x || x < 0 || math.IsInf(x, 0):
				return bad(k, x, "pixels must be finite and non-negative")
			case x > math.MaxFloat32:
				return bad(k, x, "above the largest float32 (3.4e38); kenn holds pixels as float32: rescale the images")
			case x != 0 && x < 0x1p-126:
				return bad(k, x, "below the smallest normal float32 (1.2e-38), which would lose its precision or become 0; kenn holds pixels as float32: rescale the images")
			}
			s.Pix = append(s.Pix, float32(x))
		}
	}
	return nil
}

// npyDataSize returns the number of values and of data bytes of shape, or
// false if either overflows.
func npyDataSize(shape []int, item int) (n int, nbytes int64, ok bool) {
	p := uint64(1)
	for _, d := range shape {
		hi, lo := bits.Mul64(p, uint64(d))
		if hi != 0 {
			return 0, 0, false
		}
		p = lo
	}
	hi, lo := bits.Mul64(p, uint64(item))
	if hi != 0 || lo > math.MaxInt64/2 || p > math.MaxInt/2 {
		return 0, 0, false
	}
	return int(p), int64(lo), true
}

func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

var npyMagic = []byte("\x93NUMPY")

// readNPYHeader reads and parses the preamble and header dict of a .npy
// file (format versions 1.0, 2.0 and 3.0). The dict must be what numpy
// writes: exactly the keys 'descr' (a string), 'fortran_order' (True or
// False) and 'shape' (a tuple of positive integers), spaces as the only
// blanks, then space padding and a newline.
func readNPYHeader(r io.Reader) (*npyHeader, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil {
		return nil, errors.New("truncated .npy header")
	}
	if !bytes.Equal(pre[:6], npyMagic) {
		return nil, errors.New("not a .npy file (no \\x93NUMPY magic)")
	}
	major, minor := pre[6], pre[7]
	var hlen int64
	off := int64(10)
	switch {
	case major == 1 && minor == 0:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, errors.New("truncated .npy header")
		}
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
	case (major == 2 || major == 3) && minor == 0:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, errors.New("truncated .npy header")
		}
		hlen = int64(binary.LittleEndian.Uint32(l[:]))
		off = 12
	default:
		return nil, fmt.Errorf(".npy format version %d.%d not supported (want 1.0, 2.0 or 3.0)", major, minor)
	}
	if hlen > maxNPYHeader {
		return nil, fmt.Errorf(".npy header of %d bytes, more than the %d this reader accepts", hlen, maxNPYHeader)
	}
	dict := make([]byte, hlen)
	if _, err := io.ReadFull(r, dict); err != nil {
		return nil, fmt.Errorf("truncated .npy header: it declares %d bytes", hlen)
	}
	hdr, err := parseNPYDict(dict)
	if err != nil {
		return nil, fmt.Errorf(".npy header: %w", err)
	}
	hdr.Offset = off + hlen
	return hdr, nil
}

// parseNPYDict parses "{'descr': '<f4', 'fortran_order': False, 'shape':
// (3, 28, 28), }" followed by spaces and "\n".
func parseNPYDict(b []byte) (*npyHeader, error) {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, errors.New("does not end with a newline")
	}
	p := &npyParser{b: b[:len(b)-1]}
	hdr := &npyHeader{}
	seen := map[string]bool{}
	p.space()
	if !p.eat('{') {
		return nil, p.fail("want '{'")
	}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, p.fail(fmt.Sprintf("key %q repeated", key))
		}
		seen[key] = true
		p.space()
		if !p.eat(':') {
			return nil, p.fail("want ':'")
		}
		p.space()
		switch key {
		case "descr":
			if hdr.Descr, err = p.str(); err != nil {
				return nil, err
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				hdr.Fortran = true
			case p.word("False"):
			default:
				return nil, p.fail("fortran_order must be True or False")
			}
		case "shape":
			if hdr.Shape, err = p.tuple(); err != nil {
				return nil, err
			}
		default:
			return nil, p.fail(fmt.Sprintf("unknown key %q", key))
		}
		p.space()
		if p.eat('}') {
			break
		}
		if !p.eat(',') {
			return nil, p.fail("want ',' or '}'")
		}
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.fail("unexpected bytes after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return nil, fmt.Errorf("no %q key", k)
		}
	}
	return hdr, nil
}

type npyParser struct {
	b []byte
	i int
}

func (p *npyParser) fail(why string) error { return fmt.Errorf("byte %d of the dict: %s", p.i, why) }

func (p *npyParser) space() {
	for p.i < len(p.b) && p.b[p.i] == ' ' {
		p.i++
	}
}

func (p *npyParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *npyParser) word(w string) bool {
	if bytes.HasPrefix(p.b[p.i:], []byte(w)) {
		p.i += len(w)
		return true
	}
	return false
}

// str parses a quoted string without escapes.
func (p *npyParser) str() (string, error) {
	if p.i >= len(p.b) || (p.b[p.i] != '\'' && p.b[p.i] != '"') {
		return "", p.fail("want a quoted string")
	}
	q := p.b[p.i]
	end := bytes.IndexByte(p.b[p.i+1:], q)
	if end < 0 {
		return "", p.fail("unterminated string")
	}
	s := p.b[p.i+1 : p.i+1+end]
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return "", p.fail("unexpected character in a string")
		}
	}
	p.i += end + 2
	return string(s), nil
}

// tuple parses "(d0, d1, …)" of positive decimal integers without leading
// zeros; "(d,)" for one dimension.
func (p *npyParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, p.fail("shape: want '('")
	}
	var out []int
	for {
		p.space()
		if p.eat(')') {
			break
		}
		start := p.i
		if p.eat('-') {
			return nil, p.fail("shape: negative dimension")
		}
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
		digits := string(p.b[start:p.i])
		if digits == "" {
			return nil, p.fail("shape: want a dimension")
		}
		if digits[0] == '0' {
			return nil, p.fail(fmt.Sprintf("shape: dimension %s is zero or has a leading zero", digits))
		}
		d, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return nil, p.fail(fmt.Sprintf("shape: dimension %s is too large", digits))
		}
		out = append(out, int(d))
		p.space()
		if p.eat(')') {
			break
		}
		if !p.eat(',') {
			return nil, p.fail("shape: want ',' or ')'")
		}
	}
	if len(out) == 0 {
		return nil, p.fail("shape: a scalar, want (N, H, W) or (N, H*W)")
	}
	return out, nil
}
