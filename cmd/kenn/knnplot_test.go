package main

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
)

// knn --plot draws the first --plot-rows queries with their neighbours,
// rows and columns labelled, and under every neighbour the distance the
// CSV gives it, in the CSV column's unit.
func TestKNNPlot(t *testing.T) {
	dir := t.TempDir()
	model := "../../pretrained/odekenn-ensemble.onnx"
	index := "../../testdata/mnist-test-images-idx3-ubyte"
	all, err := dataset.Load(index)
	if err != nil {
		t.Fatal(err)
	}
	queries := filepath.Join(dir, "q")
	if err := all.Subset([]int{5, 17, 42, 99, 300, 301}).WriteIDX(queries); err != nil {
		t.Fatal(err)
	}
	queries += "-images-idx3-ubyte"
	cases := []struct {
		name   string
		extra  []string
		column string
		unit   string // the caption's prefix
	}{
		{"model W2", nil, "w2", "W2 = "},
		{"squared", []string{"--squared"}, "w2sq", "W2² = "},
		{"rerank", []string{"--rerank", "6"}, "exact_w2", "exact W2 = "},
	}
	const k, rows = 3, 4
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			csv, fig := filepath.Join(dir, c.column+".csv"), filepath.Join(dir, c.column+".svg")
			args := append([]string{"knn", "--model", model, "--images", index, "--queries", queries, "-k", strconv.Itoa(k),
				"--plot-rows", strconv.Itoa(rows), "-o", csv, "--plot", fig}, c.extra...)
			if _, stderr, err := kenn(args...); err != nil {
				t.Fatalf("kenn %s: %v\n%s", strings.Join(args, " "), err, stderr)
			}
			raw, err := os.ReadFile(csv)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
			if lines[0] != "query,rank,index,"+c.column || len(lines) != 1+6*k {
				t.Fatalf("%s: header %q, %d lines", csv, lines[0], len(lines))
			}
			want := map[string]bool{}
			for _, l := range lines[1:] {
				f := strings.Split(l, ",")
				if q, _ := strconv.Atoi(f[0]); q >= rows {
					continue
				}
				d, err := strconv.ParseFloat(f[3], 32)
				if err != nil {
					t.Fatalf("%s: %q: %v", csv, l, err)
				}
				want[fmt.Sprintf("%s%.4g %s", c.unit, float64(float32(d)), map[bool]string{false: "px", true: "px²"}[strings.HasSuffix(c.column, "sq")])] = true
			}
			got := svgTexts(t, fig)
			labels := []string{"query", "query 0", "query 3"}
			for r := 1; r <= k; r++ {
				labels = append(labels, fmt.Sprintf("neighbour %d", r))
			}
			for _, w := range labels {
				if !got[w] {
					t.Errorf("%s lacks the label %q", fig, w)
				}
			}
			for _, no := range []string{"query 4", fmt.Sprintf("neighbour %d", k+1)} {
				if got[no] {
					t.Errorf("%s has %q: more than --plot-rows %d queries or -k %d neighbours", fig, no, rows, k)
				}
			}
			for w := range want {
				if !got[w] {
					t.Errorf("%s lacks the caption %q of the CSV", fig, w)
				}
			}
			for s := range got {
				if strings.HasPrefix(s, c.unit) && !want[s] {
					t.Errorf("%s has the caption %q, a distance the CSV's first %d queries do not have", fig, s, rows)
				}
			}
			if len(want) < 2 {
				t.Fatalf("only %d distinct captions expected: the check is too weak", len(want))
			}
		})
	}
	// --zoom scales every image cell and nothing else: from zoom 1 to 4
	// the PNG grows by 3 screen pixels per image pixel of the drawn
	// queries' rows.
	t.Run("zoom", func(t *testing.T) {
		size := func(zoom int) (int, int) {
			fig := filepath.Join(dir, fmt.Sprintf("zoom%d.png", zoom))
			args := []string{"knn", "--model", model, "--images", index, "--queries", queries, "-k", "2",
				"--plot-rows", "2", "-o", filepath.Join(dir, "zoom.csv"), "--plot", fig, "--zoom", strconv.Itoa(zoom)}
			if _, stderr, err := kenn(args...); err != nil {
				t.Fatalf("kenn %s: %v\n%s", strings.Join(args, " "), err, stderr)
			}
			f, err := os.Open(fig)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cfg, err := png.DecodeConfig(f)
			if err != nil {
				t.Fatalf("%s: %v", fig, err)
			}
			return cfg.Width, cfg.Height
		}
		w1, h1 := size(1)
		w4, h4 := size(4)
		// the height grows by exactly the two rows of cells; the width
		// may be the title's, so it must only hold the k+1 cells
		if dh := h4 - h1; dh != 2*28*3 || w4 < 3*28*4 {
			t.Errorf("zoom 1 → 4: %d×%d → %d×%d pixels, want the height %d more and a width of at least %d", w1, h1, w4, h4, 2*28*3, 3*28*4)
		}
		if _, stderr, err := kenn("knn", "--model", model, "--images", index, "--queries", queries, "--plot", filepath.Join(dir, "z.png"), "--zoom", "0"); err == nil || !strings.Contains(stderr, "--zoom") {
			t.Errorf("--zoom 0: err %v, stderr %q", err, stderr)
		}
	})
	t.Run("plot path is an input", func(t *testing.T) {
		_, stderr, err := kenn("knn", "--model", model, "--images", index, "--queries", queries, "--plot", queries)
		if err == nil || !strings.Contains(stderr, "--plot") {
			t.Fatalf("--plot over the queries: err %v, stderr %q", err, stderr)
		}
	})
}
