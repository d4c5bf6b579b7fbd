package main

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The figure is a real PNG with the lines drawn (several colours), and a
// malformed table is an error naming the file and line.
func TestFigure(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,k,truth,model\n")
	for i := 0; i <= 20; i++ {
		x := -2 + 0.2*float64(i)
		p := (x + 2) / 4
		fmt.Fprintf(&b, "%g,0,%g,%g\n%g,1,%g,%g\n", x, 1-p, 1-p*0.9, x, p, p*0.9)
	}
	table, out := filepath.Join(dir, "t.csv"), filepath.Join(dir, "f.png")
	os.WriteFile(table, []byte(b.String()), 0o644)
	if err := run(table, "test", out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colours := map[uint32]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			colours[cr>>8<<16|cg>>8<<8|cb>>8] = true
		}
	}
	if r.Dx() < 400 || len(colours) < 4 {
		t.Errorf("figure %v with %d colours", r, len(colours))
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("x,k,truth\n0,0,0.5\n0,1,oops\n"), 0o644)
	if err := run(bad, "", out); err == nil || !strings.Contains(err.Error(), "line 3 column 3") {
		t.Errorf("malformed table: %v", err)
	}
}
