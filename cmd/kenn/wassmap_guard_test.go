package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/internal/sidecar"
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

// kenn wassmap reads a .npy as its sidecar says: the W2² matrix kenn
// pairwise --squared writes gives the same map as its W2 matrix, without
// --squared, and says it took the roots; --squared on a W2 matrix is
// refused.
func TestWassmapFollowsTheSidecar(t *testing.T) {
	dir := t.TempDir()
	pos := []float64{0, 1, 3, 6, 10}
	n := len(pos)
	w2, w2sq := make([]float64, n*n), make([]float64, n*n)
	for i := range pos {
		for j := range pos {
			d := math.Abs(pos[i] - pos[j])
			w2[i*n+j], w2sq[i*n+j] = d, d*d
		}
	}
	write := func(name, values string, v []float64) string {
		p := filepath.Join(dir, name)
		writeMatrixNPY(t, p, n, n, v)
		if err := sidecar.Write(p, sidecar.Sidecar{Values: values, Rows: n, Cols: n, Images: []string{"x"}, Kenn: "test"}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	coords := func(d string, extra ...string) (string, string) {
		c := filepath.Join(dir, filepath.Base(d)+".csv")
		out, stderr, err := kenn(append([]string{"wassmap", "--distances", d, "-o", c}, extra...)...)
		if err != nil {
			t.Fatalf("wassmap %s: %v\n%s", d, err, stderr)
		}
		b, _ := os.ReadFile(c)
		return string(b), out
	}
	plain, _ := coords(write("w2.npy", sidecar.W2, w2))
	rooted, out := coords(write("w2sq.npy", sidecar.W2Sq, w2sq))
	if plain != rooted {
		t.Errorf("the W2² matrix's map differs from the W2 matrix's:\n%s\n%s", rooted, plain)
	}
	if !strings.Contains(out, "the square roots of W2² (pixels²), by its sidecar") {
		t.Errorf("wassmap does not say it took the roots:\n%s", out)
	}
	_, stderr, err := kenn("wassmap", "--distances", filepath.Join(dir, "w2.npy"), "--squared", "-o", filepath.Join(dir, "c.csv"))
	if code := exitCode(t, err); code != 1 || !strings.Contains(stderr, "holds W2 (pixels), not W2²") {
		t.Errorf("--squared on a W2 matrix: exit %d, %q", code, stderr)
	}
}
