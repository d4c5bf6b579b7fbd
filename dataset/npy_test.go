package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// npyFile builds a .npy file as numpy's format 1.0 writer does: the dict,
// space padding to a multiple of 64 bytes, a newline, then data.
func npyFile(descr, shape string, data []byte) []byte {
	return npyDict("{'descr': '"+descr+"', 'fortran_order': False, 'shape': "+shape+", }", data)
}

// npyDict builds a format 1.0 .npy file around any header dict.
func npyDict(dict string, data []byte) []byte {
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	dict += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	b.WriteString(dict)
	b.Write(data)
	return b.Bytes()
}

func f64Bytes(v ...float64) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v)
	return b.Bytes()
}

func f32Bytes(v ...float32) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v)
	return b.Bytes()
}

func TestNPYReads(t *testing.T) {
	f64 := []float64{0, 1, 0.1, 255, 1e-30, 3e38, 0.5, 7}
	wantF64 := make([]float32, len(f64))
	for i, x := range f64 {
		wantF64[i] = float32(x) // round to nearest: what the doc promises
	}
	cases := []struct {
		name  string
		data  []byte
		n, hw int
		want  []float32
	}{
		{"u1 (N,H,W)", npyFile("|u1", "(2, 2, 2)", []byte{0, 1, 2, 3, 4, 5, 6, 255}), 2, 2, []float32{0, 1, 2, 3, 4, 5, 6, 255}},
		{"f4 (N,D)", npyFile("<f4", "(2, 4)", f32Bytes(0, 1.5, 2, 3, 1e-40, 5, 6, 7)), 2, 2, []float32{0, 1.5, 2, 3, 1e-40, 5, 6, 7}},
		{"f8 rounded to float32", npyFile("<f8", "(2, 2, 2)", f64Bytes(f64...)), 2, 2, wantF64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, "x.npy", tc.data)
			s, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if s.N != tc.n || s.H != tc.hw || s.W != tc.hw || len(s.Pix) != len(tc.want) {
				t.Fatalf("got %d×%d×%d, %d values", s.N, s.H, s.W, len(s.Pix))
			}
			for i := range tc.want {
				if math.Float32bits(s.Pix[i]) != math.Float32bits(tc.want[i]) {
					t.Fatalf("value %d: %v, want %v", i, s.Pix[i], tc.want[i])
				}
			}
			sum, err := FileSHA256(p)
			if err != nil || s.SHA256 != sum {
				t.Fatalf("sha256 %s, the file's is %s (%v)", s.SHA256, sum, err)
			}
		})
	}
}

// The reproduced bugs of issue 12 and their kin: each is an error naming
// the file and saying what is wrong.
func TestNPYRefused(t *testing.T) {
	good := npyFile("<f4", "(2, 2, 2)", f32Bytes(1, 2, 3, 4, 5, 6, 7, 8))
	raw1k := make([]byte, 1024)
	big2 := npyFile("<f4", "(2, 2, 2)", nil)
	v2 := append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0x7f)
	noNL := []byte("\x93NUMPY\x01\x00\x08\x00{}      ")
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"truncated 95%", "truncated .npy", good[:len(good)-2]},
		{"header only", "truncated .npy", big2},
		{"trailing", "trailing bytes", append(append([]byte{}, good...), 0)},
		{"1e8 images, 1 KB", "truncated .npy: shape (100000000, 28, 28) of <f4 is 313600000000 bytes", npyFile("<f4", "(100000000, 28, 28)", raw1k)},
		{"2^62 images", "overflows", npyFile("<f4", "(4611686018427387904, 28, 28)", raw1k)},
		{"2^64 images", "too large", npyFile("<f4", "(18446744073709551616, 28, 28)", raw1k)},
		{"negative", "negative dimension", npyFile("<f4", "(-1, 28, 28)", raw1k)},
		{"zero", "dimension 0 is zero", npyFile("<f4", "(0, 28, 28)", nil)},
		{"leading zero", "leading zero", npyFile("|u1", "(01, 1, 1)", []byte{1})},
		{"1-D", "want (N, H, W)", npyFile("|u1", "(4,)", []byte{1, 2, 3, 4})},
		{"scalar", "a scalar", npyFile("|u1", "()", []byte{1})},
		{"not square", "not square", npyFile("|u1", "(1, 3)", []byte{1, 2, 3})},
		{"one 4×4 image as 2-D", "shape (4, 4) is ambiguous: one 4×4 image, or 4 flattened 2×2 images", npyFile("|u1", "(4, 4)", make([]byte, 16))},
		{"f8 above float32", "image 0, pixel 2 (row 1, col 0) is 1e+39: above the largest float32", npyFile("<f8", "(1, 2, 2)", f64Bytes(1, 0, 1e39, 0))},
		{"f8 below normal float32", "image 1, pixel 3 (row 1, col 1) is 1e-50: below the smallest normal float32", npyFile("<f8", "(2, 2, 2)", f64Bytes(1, 0, 0, 0, 1, 0, 0, 1e-50))},
		{"f8 NaN", "is NaN: pixels must be finite and non-negative", npyFile("<f8", "(1, 2, 2)", f64Bytes(1, math.NaN(), 0, 0))},
		{"f8 negative", "is -1: pixels must be finite", npyFile("<f8", "(1, 2, 2)", f64Bytes(1, -1, 0, 0))},
		{"f4 Inf", "is +Inf: pixels must be finite", npyFile("<f4", "(1, 2, 2)", f32Bytes(1, float32(math.Inf(1)), 0, 0))},
		{"f4 negative", "pixel 3 (row 1, col 1) is -2", npyFile("<f4", "(1, 2, 2)", f32Bytes(1, 0, 0, -2))},
		{"big-endian", "dtype >f4 not supported", npyFile(">f4", "(1, 1, 1)", f32Bytes(1))},
		{"int64", "dtype <i8 not supported", npyFile("<i8", "(1, 1, 1)", make([]byte, 8))},
		{"fortran", "Fortran-ordered", bytes.Replace(npyFile("|u1", "(1, 1, 1)", []byte{1}), []byte("False"), []byte("True "), 1)},
		{"unknown key", `unknown key "fortran_orderx"`, npyDict("{'descr': '|u1', 'fortran_orderx': False, 'shape': (1, 1, 1), }", []byte{1})},
		{"True/False", "fortran_order must be True or False", npyDict("{'descr': '|u1', 'fortran_order': 0, 'shape': (1, 1, 1), }", []byte{1})},
		{"unterminated", "want ',' or '}'", npyDict("{'descr': '|u1, 'fortran_order': False, 'shape': (1, 1, 1), }", []byte{1})},
		{"tab", "want a quoted string", npyDict("{\t'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1), }", []byte{1})},
		{"no newline", "does not end with a newline", noNL},
		{"version 2 huge header", "more than the 65536", v2},
		{"version 4", "version 4.0 not supported", []byte("\x93NUMPY\x04\x00\x00\x00")},
		{"short", "truncated .npy header", []byte("\x93NUMPY")},
		{"repeated key", `key "shape" repeated`, npyDict("{'descr': '|u1', 'shape': (1, 1, 1), 'fortran_order': False, 'shape': (1,)}", []byte{1})},
		{"missing key", `no "fortran_order" key`, npyDict("{'descr': '|u1', 'shape': (1, 1, 1)}", []byte{1})},
		{"garbage after dict", "unexpected bytes after the dict", npyDict("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 1)}x", []byte{1})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, "x.npy", tc.data)
			s, err := Load(p)
			if err == nil {
				t.Fatalf("accepted: %d×%d×%d", s.N, s.H, s.W)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want an error naming %s and saying %q", err, p, tc.want)
			}
		})
	}
}

// A pipe is read once: Load on a FIFO gives what it gives on the file.
func TestLoadFromPipe(t *testing.T) {
	idx, err := os.ReadFile("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"npy", npyFile("|u1", "(3, 2, 2)", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})},
		{"idx", idx},
		{"json", []byte(`{"data":[` + strings.Repeat("0.5,", 783) + `1]}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := write(t, "x", tc.data)
			want, err := Load(file)
			if err != nil {
				t.Fatal(err)
			}
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
			go func() {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err == nil {
					w.Write(tc.data)
					w.Close()
				}
			}()
			got, err := Load(fifo)
			if err != nil {
				t.Fatal(err)
			}
			if got.N != want.N || got.H != want.H || got.SHA256 != want.SHA256 || !equalPix(got.Pix, want.Pix) {
				t.Fatalf("pipe: %d×%d sha %s, file: %d×%d sha %s", got.N, got.H, got.SHA256, want.N, want.H, want.SHA256)
			}
		})
	}
}

func equalPix(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// Format 2.0 (a 4-byte header length) reads as 1.0 does.
func TestNPYVersion2(t *testing.T) {
	dict := "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), }"
	for (12+len(dict)+1)%64 != 0 {
		dict += " "
	}
	dict += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x02\x00")
	binary.Write(&b, binary.LittleEndian, uint32(len(dict)))
	b.WriteString(dict)
	b.Write([]byte{9, 8, 7, 6})
	s, err := Load(write(t, "v2.npy", b.Bytes()))
	if err != nil || s.N != 1 || s.H != 2 || !equalPix(s.Pix, []float32{9, 8, 7, 6}) {
		t.Fatalf("got %+v, %v", s, err)
	}
}

// IDX headers whose sizes overflow, and gzip whose content outgrows its
// header, are refused without allocating what they claim.
func TestIDXSizes(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(idxBytes(IDXImages, []uint32{1, 2, 2}, make([]byte, 4)))
	zw.Write(make([]byte, 64<<20)) // 64 MB of zeros: 64 KB compressed
	zw.Close()
	var short bytes.Buffer
	zw = gzip.NewWriter(&short)
	zw.Write(idxBytes(IDXImages, []uint32{1 << 20, 1 << 10, 1 << 10}, make([]byte, 100)))
	zw.Close()
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"2^84 bytes", "declare more than", idxBytes(IDXImages, []uint32{1 << 28, 1 << 28, 1 << 28}, nil)},
		{"2^36 bytes, 10 present", "truncated IDX file: header promises [256 256 1048576] = 68719476736 bytes of data, file has 10", idxBytes(IDXImages, []uint32{256, 256, 1 << 20}, make([]byte, 10))},
		{"dimension above 2^28", "IDX dimension 1 is", idxBytes(IDXImages, []uint32{1, 1<<28 + 1, 1}, nil)},
		{"gzip bomb", "trailing bytes", bomb.Bytes()},
		{"gzip 2^40 declared, 100 present", "truncated gunzipped IDX content", short.Bytes()},
		{"gzip garbage after", "gzip", gzipOf(idxBytes(IDXImages, []uint32{1, 1, 1}, []byte{5}), []byte("junk"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, "x-images-idx3-ubyte", tc.data)
			_, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s and saying %q", err, p, tc.want)
			}
		})
	}
}

func gzipOf(data, after []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return append(b.Bytes(), after...)
}

// ReadNPYArray reads any shape and any values, with the same size checks.
func TestReadNPYArray(t *testing.T) {
	a, err := ReadNPYArray(write(t, "m.npy", npyFile("<f8", "(2, 3)", f64Bytes(0, 1, math.NaN(), -2, 1e300, 5))))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Shape) != 2 || a.Shape[0] != 2 || a.Shape[1] != 3 || len(a.Values) != 6 || a.Values[4] != 1e300 || !math.IsNaN(a.Values[2]) {
		t.Fatalf("got %+v", a)
	}
	f4, err := ReadNPYArray(write(t, "f.npy", npyFile("<f4", "(3,)", f32Bytes(0.1, 2, 3))))
	if err != nil || f4.Values[0] != float64(float32(0.1)) {
		t.Fatalf("float32: %+v %v", f4, err)
	}
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"truncated", "truncated .npy", npyFile("<f8", "(2, 3)", f64Bytes(1, 2, 3))},
		{"trailing", "trailing bytes", npyFile("<f4", "(1, 1)", f32Bytes(1, 2))},
		{"huge", "truncated .npy: shape (1000000000, 1000000000)", npyFile("<f4", "(1000000000, 1000000000)", nil)},
	} {
		p := write(t, "x.npy", tc.data)
		if _, err := ReadNPYArray(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
