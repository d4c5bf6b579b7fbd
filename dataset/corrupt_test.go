package dataset

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The corruption suite: a valid file of each format, made here with the
// package's writer where it has one, is cut at every byte offset and has
// each of its bits flipped in turn. What is guaranteed, and asserted:
//
// (Every bit of files up to 200 bytes and of headers is flipped; beyond,
// one bit of each byte in turn.)
//
//   - every cut is refused with an error naming the file, in every format
//     (IDX and .npy: the size the header declares; gzip: the length and CRC
//     in its trailer; PNG: the IEND chunk), except a text file (JSON, CSV)
//     cut where what is dropped is a final newline or, for CSV, whole
//     lines or the end of the last cell: CSV has no count or checksum;
//   - every flip anywhere in a PNG (a CRC per chunk) is refused; a flip in
//     an IDX or .npy header or anywhere in a gzipped file is refused unless
//     what is read is identical to the original: a few bits carry no
//     meaning (gzip's FTEXT flag, MTIME, XFL and OS bytes and the padding
//     bits after the last deflate block; '|u1' and '<u1', both uint8, differ
//     in one bit), and the result then is the same images;
//   - raw IDX, .npy, JSON and CSV carry no checksum, so a flip in their data
//     may yield another valid file: it is accepted only with the same shape
//     and at most the one value the flipped byte encodes changed (JSON keys
//     match case-insensitively and "4e-3" equals "4E-3": some flips change
//     nothing).
//
// No case may panic or be accepted otherwise.

type corruptCase struct {
	name string
	file string // the file name (a PNG goes in a folder of its own)
	good []byte
	read func(path string) (*Images, error)
	// header is the number of leading bytes where every flip must be
	// refused; flipsAlwaysFail: every flip anywhere must be refused.
	header          int
	flipsAlwaysFail bool
	// okCut reports a cut that may succeed (a text format); okFlip checks
	// an accepted flip of byte i against the original (nil: refused).
	okCut  func(n int) bool
	okFlip func(i int, orig, got *Images) error
}

func TestCorruption(t *testing.T) {
	dir := t.TempDir()
	base, err := Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	small := base.Subset([]int{3, 4})
	// 28×28 is large for every-bit flipping: keep a 6×5 crop of each image
	crop := &Images{N: 2, H: 6, W: 5}
	for i := 0; i < 2; i++ {
		for r := 10; r < 16; r++ {
			crop.Pix = append(crop.Pix, small.Pix[i*784+r*28+12:i*784+r*28+17]...)
		}
	}
	crop.Labels = small.Labels
	if err := crop.WriteIDX(filepath.Join(dir, "c")); err != nil {
		t.Fatal(err)
	}
	idx, _ := os.ReadFile(filepath.Join(dir, "c-images-idx3-ubyte"))
	lab, _ := os.ReadFile(filepath.Join(dir, "c-labels-idx1-ubyte"))
	u8 := make([]byte, len(crop.Pix))
	f64 := make([]float64, len(crop.Pix))
	for i, v := range crop.Pix {
		u8[i], f64[i] = uint8(v), float64(v)/7
	}
	var pngb bytes.Buffer
	g := image.NewGray(image.Rect(0, 0, 5, 6))
	copy(g.Pix, u8[:30])
	if err := png.Encode(&pngb, g); err != nil {
		t.Fatal(err)
	}
	json := []byte(`{"data":[` + strings.TrimSuffix(strings.Repeat("0,", 783), ",") + `,0.5]}` + "\n")

	oneValue := func(i int, orig, got *Images) error {
		if got.N != orig.N || got.H != orig.H || got.W != orig.W {
			return fmt.Errorf("shape %d×%d×%d", got.N, got.H, got.W)
		}
		if d := diffCount(orig.Pix, got.Pix); d > 1 || d < 0 {
			return fmt.Errorf("%d values differ, want at most 1", d)
		}
		return nil
	}
	same := func(i int, orig, got *Images) error {
		if got.N != orig.N || got.H != orig.H || got.W != orig.W || !equalPix(orig.Pix, got.Pix) {
			return fmt.Errorf("accepted with other content")
		}
		return nil
	}
	cases := []corruptCase{
		{name: "idx", file: "x-images-idx3-ubyte", good: idx, read: ReadIDXImages, header: 16,
			okFlip: oneValue},
		{name: "idx.gz", file: "x-images-idx3-ubyte.gz", good: gzipOf(idx, nil), read: ReadIDXImages,
			okFlip: same},
		{name: "npy u1", file: "x.npy", good: npyFile("|u1", "(2, 6, 5)", u8), read: Load, header: 128,
			okFlip: oneValue},
		{name: "npy f8", file: "x.npy", good: npyFile("<f8", "(2, 6, 5)", f64Bytes(f64...)), read: Load, header: 128,
			okFlip: oneValue},
		{name: "png", file: "x.png", good: pngb.Bytes(), read: func(p string) (*Images, error) { return ReadPNGDir(filepath.Dir(p)) },
			flipsAlwaysFail: true},
		{name: "json", file: "x.json", good: json, read: Load, header: 0,
			okCut:  func(n int) bool { return n == len(json)-1 },
			okFlip: oneValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			folder := filepath.Join(t.TempDir(), "in")
			os.Mkdir(folder, 0o755)
			p := filepath.Join(folder, tc.file)
			put := func(b []byte) {
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			put(tc.good)
			orig, err := tc.read(p)
			if err != nil {
				t.Fatalf("the valid file: %v", err)
			}
			named := func(err error) bool { return strings.Contains(err.Error(), p) || strings.Contains(err.Error(), folder) }
			for _, n := range cutOffsets(len(tc.good)) {
				put(tc.good[:n])
				got, err := tc.read(p)
				switch {
				case err == nil && (tc.okCut == nil || !tc.okCut(n)):
					t.Fatalf("cut at %d of %d bytes: accepted %d×%d×%d", n, len(tc.good), got.N, got.H, got.W)
				case err == nil && !equalPix(got.Pix, orig.Pix):
					t.Fatalf("cut at %d: accepted with other content", n)
				case err != nil && !named(err):
					t.Fatalf("cut at %d: %q does not name the file", n, err)
				}
			}
			put(append(append([]byte{}, tc.good...), '\n'))
			if _, err := tc.read(p); err == nil && tc.okCut == nil {
				t.Fatal("a trailing byte accepted")
			}
			buf := make([]byte, len(tc.good))
			accepted := 0
			flips := 0
			for i := range tc.good {
				all := tc.header
				if len(tc.good) <= 200 {
					all = len(tc.good)
				}
				for _, bit := range flipBits(i, all) {
					flips++
					copy(buf, tc.good)
					buf[i] ^= 1 << bit
					put(buf)
					got, err := tc.read(p)
					if err != nil {
						if !named(err) {
							t.Fatalf("byte %d bit %d: %q does not name the file", i, bit, err)
						}
						continue
					}
					accepted++
					if tc.flipsAlwaysFail || tc.okFlip == nil {
						t.Fatalf("byte %d bit %d: accepted %d×%d×%d", i, bit, got.N, got.H, got.W)
					}
					check := tc.okFlip
					if i < tc.header {
						check = same
					}
					if err := check(i, orig, got); err != nil {
						t.Fatalf("byte %d bit %d: %v", i, bit, err)
					}
				}
			}
			t.Logf("%d bytes: %d cuts and %d flips, %d flips accepted as documented", len(tc.good), len(cutOffsets(len(tc.good))), flips, accepted)
		})
	}
	t.Run("labels", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "l-idx1-ubyte")
		for n := 0; n < len(lab); n++ {
			os.WriteFile(p, lab[:n], 0o644)
			if _, err := ReadIDXLabels(p); err == nil || !strings.Contains(err.Error(), p) {
				t.Fatalf("cut at %d: %v", n, err)
			}
		}
		for i := 0; i < 8*8; i++ { // every bit of the header
			b := append([]byte{}, lab...)
			b[i/8] ^= 1 << (i % 8)
			os.WriteFile(p, b, 0o644)
			if _, err := ReadIDXLabels(p); err == nil || !strings.Contains(err.Error(), p) {
				t.Fatalf("flip of bit %d of the header: %v", i, err)
			}
		}
	})
}

// CSV tables carry no count or checksum: a cut or a flip may give another
// valid table, but only one that differs locally: a prefix of the rows
// whose last row may lose the end of its last cell, or at most one cell or
// one column name changed.
func TestTableCorruption(t *testing.T) {
	good := []byte("x,y,label\n1.5,2,0\n-3,4e-3,1\n7,8,2\n")
	p := filepath.Join(t.TempDir(), "t.csv")
	os.WriteFile(p, good, 0o644)
	orig, err := ReadTable(p)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(good); n++ {
		os.WriteFile(p, good[:n], 0o644)
		got, err := ReadTable(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("cut at %d: %q does not name the file", n, err)
			}
			continue
		}
		if !slicesEqual(got.Columns, orig.Columns) || len(got.Rows) > len(orig.Rows) {
			t.Fatalf("cut at %d: columns %v, %d rows", n, got.Columns, len(got.Rows))
		}
		last := len(got.Rows) - 1
		for i, r := range got.Rows {
			for k, v := range r {
				if v != orig.Rows[i][k] && (i != last || k != len(r)-1) {
					t.Fatalf("cut at %d: row %d cell %d is %v, want %v (only the last cell may be cut)", n, i, k, v, orig.Rows[i][k])
				}
			}
		}
	}
	buf := make([]byte, len(good))
	for i := range good {
		for bit := 0; bit < 8; bit++ {
			copy(buf, good)
			buf[i] ^= 1 << bit
			os.WriteFile(p, buf, 0o644)
			got, err := ReadTable(p)
			if err != nil {
				if !strings.Contains(err.Error(), p) {
					t.Fatalf("byte %d bit %d: %q does not name the file", i, bit, err)
				}
				continue
			}
			if len(got.Rows) != len(orig.Rows) || len(got.Columns) != len(orig.Columns) {
				t.Fatalf("byte %d bit %d: accepted %d×%d", i, bit, len(got.Rows), len(got.Columns))
			}
			d := 0
			for k := range got.Columns {
				if got.Columns[k] != orig.Columns[k] {
					d++
				}
			}
			for r := range got.Rows {
				d += diffCount64(got.Rows[r], orig.Rows[r])
			}
			if d > 1 {
				t.Fatalf("byte %d bit %d: %d cells or names differ, want at most 1", i, bit, d)
			}
		}
	}
}

// cutOffsets is every offset of a file up to 700 bytes; for a larger one,
// the first and last 64 and 50 spread between.
func cutOffsets(size int) []int {
	var out []int
	for n := 0; n < size; n++ {
		if size <= 700 || n < 64 || n >= size-64 || n%((size-128)/50+1) == 0 {
			out = append(out, n)
		}
	}
	return out
}

// flipBits is every bit of the first all bytes (the headers) and one
// bit, in turn, of each later byte.
func flipBits(i, all int) []int {
	if i < all {
		return []int{0, 1, 2, 3, 4, 5, 6, 7}
	}
	return []int{i % 8}
}

func diffCount(a, b []float32) int {
	if len(a) != len(b) {
		return -1
	}
	d := 0
	for i := range a {
		if a[i] != b[i] {
			d++
		}
	}
	return d
}

func diffCount64(a, b []float64) int {
	d := 0
	for i := range a {
		if a[i] != b[i] {
			d++
		}
	}
	return d
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }
