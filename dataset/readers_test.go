package dataset

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pngWithSize is a valid 1×1 grayscale PNG whose IHDR is rewritten to
// declare w×h (with its CRC fixed): the header lies, the CRC does not.
func pngWithSize(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	// signature (8), IHDR length (4), "IHDR" (4), width, height at 16, 20
	binary.BigEndian.PutUint32(raw[16:], w)
	binary.BigEndian.PutUint32(raw[20:], h)
	binary.BigEndian.PutUint32(raw[29:], crc32.ChecksumIEEE(raw[12:29]))
	return raw
}

func TestPNGRefused(t *testing.T) {
	var one bytes.Buffer
	png.Encode(&one, image.NewGray(image.Rect(0, 0, 2, 2)))
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"2^32 pixels declared", "more than the 16777216 pixels", pngWithSize(t, 1<<16, 1<<16)},
		{"4097×4096", "more than the 16777216 pixels", pngWithSize(t, 4097, 4096)},
		{"trailing bytes", "7 trailing bytes after the end of the PNG (IEND)", append(append([]byte{}, one.Bytes()...), "garbage"...)},
		{"truncated", "unexpected EOF", one.Bytes()[:one.Len()-6]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "a.png")
			os.WriteFile(p, tc.data, 0o644)
			_, err := ReadPNGDir(dir)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s and saying %q", err, p, tc.want)
			}
			// the same PNG alone, a collection of one image
			if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load(%s): got %v, want an error saying %q", p, err, tc.want)
			}
		})
	}
	// the size is compared with the first image's from the header
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.png"), one.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "b.png"), pngWithSize(t, 3, 2), 0o644)
	if _, err := ReadPNGDir(dir); err == nil || !strings.Contains(err.Error(), "b.png: image is 2×3, but a.png is 2×2") {
		t.Fatalf("size mismatch: %v", err)
	}
}

// A UTF-8 byte-order mark, as some editors write, is skipped by the text
// readers.
func TestBOMSkipped(t *testing.T) {
	tab, err := ReadTable(write(t, "t.csv", []byte("\xef\xbb\xbfx,y\n1,2\n")))
	if err != nil || tab.Columns[0] != "x" || tab.Rows[0][1] != 2 {
		t.Fatalf("table: %+v %v", tab, err)
	}
	l, err := ReadLabels(write(t, "l.txt", []byte("\xef\xbb\xbf3\n1\n")))
	if err != nil || len(l) != 2 || l[0] != 3 {
		t.Fatalf("labels: %v %v", l, err)
	}
	js := []byte("\xef\xbb\xbf{\"data\":[" + strings.Repeat("0,", 783) + "1]}")
	s, err := Load(write(t, "d.json", js))
	if err != nil || s.N != 1 || s.Pix[783] != 255 {
		t.Fatalf("json: %v", err)
	}
}

// WriteTable quotes a column name holding a comma, so it reads back.
func TestTableNamesRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.csv")
	cols := []string{"a,b", `say "x"`, "c"}
	if err := WriteTable(p, cols, [][]float64{{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadTable(p)
	if err != nil || strings.Join(tab.Columns, "|") != strings.Join(cols, "|") {
		t.Fatalf("got %q, %v", tab.Columns, err)
	}
}

// CheckImage accepts every finite float32, up to math.MaxFloat32.
func TestCheckLargestFloat32(t *testing.T) {
	s := &Images{N: 1, H: 1, W: 2, Pix: []float32{math.MaxFloat32, 0}, Source: "x"}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	s.Pix[1] = float32(math.Inf(1))
	if err := s.Check(); err == nil || !strings.Contains(err.Error(), "pixel 1") {
		t.Fatalf("got %v", err)
	}
}

// ReadImagesAt's seek path takes only dimensions readIDX accepts; a
// header whose product wraps around is refused by Load, by name.
func TestReadImagesAtCraftedHeader(t *testing.T) {
	p := write(t, "x-images-idx3-ubyte", idxBytes(IDXImages, []uint32{1 << 31, 1 << 31, 4}, nil))
	if _, err := ReadImagesAt(p, []int{0}); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("got %v", err)
	}
}
