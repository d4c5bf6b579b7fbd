package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeZeroMatrix writes a float64 (n, n) matrix of zeros.
func writeZeroMatrix(t *testing.T, path string, n int) {
	t.Helper()
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (" + strconv.Itoa(n) + ", " + strconv.Itoa(n) + "), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	b.WriteByte(byte(len(hdr)))
	b.WriteByte(byte(len(hdr) >> 8))
	b.WriteString(hdr)
	b.Write(make([]byte, 8*n*n))
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// kenn wassmap on an all-zero matrix is an error naming the matrix, not
// NaN coordinates and shares with exit 0.
func TestWassmapRefusesAllZero(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "zero.npy")
	writeZeroMatrix(t, d, 4)
	coords := filepath.Join(dir, "c.csv")
	out, stderr, err := kenn("wassmap", "--distances", d, "-o", coords)
	want := "zero.npy: degenerate distance matrix, nothing to embed: all 4×4 distances are zero"
	if code := exitCode(t, err); code != 1 || !strings.Contains(stderr, want) || strings.Contains(out, "NaN") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, stderr, want)
	}
	if _, err := os.Stat(coords); err == nil {
		t.Error("coordinates written for a degenerate matrix")
	}
}
