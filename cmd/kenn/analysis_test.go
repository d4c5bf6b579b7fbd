package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func writeMatrixNPY(t *testing.T, path string, rows, cols int, v []float64) {
	t.Helper()
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (" + strconv.Itoa(rows) + ", " + strconv.Itoa(cols) + "), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(hdr)))
	b.WriteString(hdr)
	binary.Write(&b, binary.LittleEndian, v)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// shiftedBlobs writes 9 images: one blob translated over a 3×3 grid of
// shifts (step 3 px), and returns the shifts.
// decoderFixture writes into dir the nine shifted blobs (shiftedBlobs),
// their labels (three classes of three) and an untrained dwe checkpoint,
// the inputs of the decoder commands' tests.
func decoderFixture(t *testing.T, dir string) (imgs, labels, ck string) {
	t.Helper()
	imgs = filepath.Join(dir, "blobs.npy")
	shiftedBlobs(t, imgs)
	labels = filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(labels, []byte("0\n0\n0\n1\n1\n1\n2\n2\n2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ck = filepath.Join(dir, "dwe.ckpt")
	if _, stderr, err := kenn("init", "--model", "dwe", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	return imgs, labels, ck
}

func shiftedBlobs(t *testing.T, path string) [][2]float64 {
	var data []byte
	var shifts [][2]float64
	for dy := -3; dy <= 3; dy += 3 {
		for dx := -3; dx <= 3; dx += 3 {
			img := make([]byte, 28*28)
			for y := -2; y <= 2; y++ {
				for x := -2; x <= 2; x++ {
					img[(14+dy+y)*28+14+dx+x] = byte(200 - 20*(x*x+y*y))
				}
			}
			data = append(data, img...)
			shifts = append(shifts, [2]float64{float64(dy), float64(dx)})
		}
	}
	writeNPY(t, path, 9, 28, 28, data)
	return shifts
}

func readCoords(t *testing.T, path string) (header string, rows [][]float64) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for _, l := range lines[1:] {
		var row []float64
		for _, f := range strings.Split(l, ",") {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("%s: %q", path, l)
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return lines[0], rows
}

func isPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// kenn wassmap --exact on translates recovers the shift grid: the
// distances between recovered points are the distances between shifts.
func TestWassmapExactRecoversShifts(t *testing.T) {
	dir := t.TempDir()
	imgs := filepath.Join(dir, "blobs.npy")
	shifts := shiftedBlobs(t, imgs)
	labels := filepath.Join(dir, "labels.txt")
	os.WriteFile(labels, []byte("0\n0\n0\n1\n1\n1\n2\n2\n2\n"), 0o644)
	coords, plot := filepath.Join(dir, "c.csv"), filepath.Join(dir, "map.png")
	out, stderr, err := kenn("wassmap", "--exact", "--images", imgs, "--labels", labels, "-o", coords, "--plot", plot)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if !strings.Contains(out, "explained           1.0000") {
		t.Errorf("translations should explain all the variance in 2 dimensions:\n%s", out)
	}
	header, rows := readCoords(t, coords)
	if header != "index,x1,x2,label" || len(rows) != 9 {
		t.Fatalf("coords: header %q, %d rows", header, len(rows))
	}
	for i := range rows {
		if rows[i][0] != float64(i) || rows[i][3] != float64(i/3) {
			t.Fatalf("row %d: %v", i, rows[i])
		}
		for j := range rows {
			got := math.Hypot(rows[i][1]-rows[j][1], rows[i][2]-rows[j][2])
			want := math.Hypot(shifts[i][0]-shifts[j][0], shifts[i][1]-shifts[j][1])
			if math.Abs(got-want) > 1e-6 {
				t.Fatalf("points %d, %d are %.9f px apart, their shifts %.9f", i, j, got, want)
			}
		}
	}
	isPNG(t, plot)

	// the same from a kenn pairs file of all pairs
	all := filepath.Join(dir, "all.txt")
	if _, stderr, err := kenn("pairs", "--images", imgs, "--all", "-o", all); err != nil {
		t.Fatal(stderr)
	}
	coords2 := filepath.Join(dir, "c2.csv")
	if _, stderr, err := kenn("wassmap", "--pairs", all, "--images", imgs, "--labels", labels, "-o", coords2); err != nil {
		t.Fatal(stderr)
	}
	if a, b := must(os.ReadFile(coords)), must(os.ReadFile(coords2)); !bytes.Equal(a, b) {
		t.Errorf("--pairs and --exact give different coordinates:\n%s\n%s", a, b)
	}
	some := filepath.Join(dir, "some.txt")
	kenn("pairs", "--images", imgs, "--n", "5", "-o", some)
	if _, stderr, err := kenn("wassmap", "--pairs", some, "--images", imgs, "-o", coords2); err == nil || !strings.Contains(stderr, "a matrix needs all pairs") {
		t.Errorf("a pairs file lacking pairs: %v %s", err, stderr)
	}

	// the same through a model, compared with the exact map
	ck := filepath.Join(dir, "m.ckpt")
	if _, stderr, err := kenn("init", "--model", "deepkenn", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	out, stderr, err = kenn("wassmap", "--model", ck, "--images", imgs, "-o", coords, "--compare-exact")
	if err != nil || !strings.Contains(out, "procrustes_vs_exact ") {
		t.Fatalf("%v: %s%s", err, out, stderr)
	}
}

func TestWassmapBadInput(t *testing.T) {
	dir := t.TempDir()
	good := []float64{0, 1, 2, 1, 0, 1.5, 2, 1.5, 0}
	asym := []float64{0, 1, 2, 1, 0, 1.5, 2, 1.7, 0}
	nan := []float64{0, 1, 2, 1, 0, math.NaN(), 2, math.NaN(), 0}
	cases := []struct {
		name       string
		rows, cols int
		v          []float64
		extra      []string
		want       string
	}{
		{"nonsquare", 2, 3, make([]float64, 6), nil, "not square"},
		{"asymmetric", 3, 3, asym, nil, "not symmetric: entry (1, 2)"},
		{"nan", 3, 3, nan, nil, "entry (1, 2) is NaN"},
		{"labels", 3, 3, good, []string{"--labels", "LABELS"}, "2 labels"},
	}
	labels := filepath.Join(dir, "l.txt")
	os.WriteFile(labels, []byte("1\n2\n"), 0o644)
	for _, c := range cases {
		p := filepath.Join(dir, c.name+".npy")
		writeMatrixNPY(t, p, c.rows, c.cols, c.v)
		args := []string{"wassmap", "--distances", p, "-o", filepath.Join(dir, "c.csv")}
		for _, e := range c.extra {
			args = append(args, strings.Replace(e, "LABELS", labels, 1))
		}
		_, stderr, err := kenn(args...)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: %v %q, want an error with %q", c.name, err, stderr, c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "c.csv")); err == nil {
			t.Fatalf("%s: output written despite the error", c.name)
		}
	}
}

// The decoder commands run end to end on an (untrained) dwe: grids of
// decoded barycenters, interpolations and geodesics, and the comparison
// with the ot engine's barycenter; models without a decoder are refused.
func TestDecoderCommands(t *testing.T) {
	dir := t.TempDir()
	imgs, labels, ck := decoderFixture(t, dir)
	grid := filepath.Join(dir, "g.png")
	out, stderr, err := kenn("barycenter", "--model", ck, "--images", imgs, "--labels", labels, "--compare", "2", "-o", grid)
	if err != nil || !strings.Contains(out, "class,images,w2sq_decoded_vs_ot") || strings.Count(out, "\n2,2,") != 1 {
		t.Fatalf("barycenter: %v\n%s%s", err, out, stderr)
	}
	isPNG(t, grid)
	if _, stderr, err := kenn("interpolate", "--model", ck, "--images", imgs, "--from", "0", "--to", "8", "-o", grid); err != nil {
		t.Fatal(stderr)
	}
	isPNG(t, grid)
	if _, stderr, err := kenn("pga", "--model", ck, "--images", imgs, "--components", "2", "-o", grid); err != nil {
		t.Fatal(stderr)
	}
	isPNG(t, grid)
	naive := filepath.Join(dir, "naive.ckpt")
	kenn("init", "--model", "naive", "-o", naive)
	if _, stderr, err := kenn("interpolate", "--model", naive, "--images", imgs, "-o", grid); err == nil || !strings.Contains(stderr, "no decoder") {
		t.Fatalf("a model without decoder: %v %s", err, stderr)
	}
	if _, stderr, err := kenn("interpolate", "--model", ck, "--images", imgs, "--to", "9", "-o", grid); err == nil || !strings.Contains(stderr, "index 9") {
		t.Fatalf("index out of range: %v %s", err, stderr)
	}
}

func TestPlotCommands(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "o.ckpt")
	if _, stderr, err := kenn("init", "--model", "odekenn", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	fig := filepath.Join(dir, "w.png")
	out, stderr, err := kenn("plot", "weights", "--model", ck, "-o", fig)
	if err != nil || len(strings.Split(strings.TrimSpace(out), "\n")) != 9 {
		t.Fatalf("plot weights: %v\n%s%s", err, out, stderr)
	}
	isPNG(t, fig)
	pairs := filepath.Join(dir, "p.txt")
	if _, stderr, err := kenn("pairs", "--images", mnist, "--n", "60", "-o", pairs); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kenn("plot", "pred", "--model", ck, "--images", mnist, "--pairs", pairs, "-o", fig); err != nil {
		t.Fatal(stderr)
	}
	isPNG(t, fig)
	// with pairs: a header, each time's weight and contribution (W2, px),
	// the largest over the smallest
	out, stderr, err = kenn("plot", "weights", "--model", ck, "--images", mnist, "--pairs", pairs, "-o", fig)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 11 || !strings.Contains(lines[0], "over 60 pairs") || !strings.HasPrefix(lines[10], "largest contribution") {
		t.Fatalf("plot weights --pairs: %v\n%s%s", err, out, stderr)
	}
	for _, l := range lines[1:10] {
		var name string
		var w, c float64
		if _, err := fmt.Sscan(l, &name, &w, &c); err != nil || !(w > 0) || !(c > 0) {
			t.Errorf("line %q: want a time, a positive weight and a positive contribution (%v)", l, err)
		}
	}
	isPNG(t, fig)
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
