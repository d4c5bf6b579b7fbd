package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// csvAfter returns the rows of the CSV whose header line is header in out.
func csvAfter(t *testing.T, out, header string) [][]string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for k, l := range lines {
		if l != header {
			continue
		}
		var rows [][]string
		for _, r := range lines[k+1:] {
			if r == "" || !strings.ContainsAny(r[:1], "0123456789-") {
				break
			}
			rows = append(rows, strings.Split(r, ","))
		}
		return rows
	}
	t.Fatalf("no line %q in\n%s", header, out)
	return nil
}

// The geometry comparisons of the decoder commands, end to end on an
// untrained dwe: barycenter --compare reports the reconstruction error
// and which of decoded and mean is closer to the ot barycenter;
// interpolate --exact prints W2² of each intermediate to McCann's
// interpolant (0 for the pixel mix at the ends, which are the images);
// pga --class --pca draws one labelled block per class with PCA rows.
func TestGeometryComparisons(t *testing.T) {
	dir := t.TempDir()
	imgs, labels, ck := decoderFixture(t, dir)
	fig := filepath.Join(dir, "g.svg")
	t.Run("barycenter --compare", func(t *testing.T) {
		out, stderr, err := kenn("barycenter", "--model", ck, "--images", imgs, "--labels", labels, "--compare", "2", "--epsilon", "1", "-o", fig)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		rows := csvAfter(t, out, "class,images,w2sq_decoded_vs_ot,w2sq_euclidean_mean_vs_ot,closer_to_ot,w2sq_reconstruction_mean")
		if len(rows) != 3 {
			t.Fatalf("%d rows, want 3 classes:\n%s", len(rows), out)
		}
		wins := 0
		for _, r := range rows {
			dec, _ := strconv.ParseFloat(r[2], 64)
			mean, _ := strconv.ParseFloat(r[3], 64)
			rec, err := strconv.ParseFloat(r[5], 64)
			if err != nil || rec <= 0 {
				t.Errorf("class %s: reconstruction W2² %q, want > 0 for an untrained decoder", r[0], r[5])
			}
			if want := map[bool]string{true: "decoded", false: "mean"}[dec < mean]; r[4] != want {
				t.Errorf("class %s: decoded %v, mean %v px², says %q is closer", r[0], dec, mean, r[4])
			}
			if r[4] == "decoded" {
				wins++
			}
		}
		if !strings.Contains(out, "ε = 1 px²") || !strings.Contains(out, "decoded closer to the ot barycenter than the Euclidean mean in "+strconv.Itoa(wins)+" of 3 classes") {
			t.Errorf("no units or summary line:\n%s", out)
		}
		if !svgTexts(t, fig)["ot, ε = 1 px²"] {
			t.Error("the figure lacks the row label of the ot barycenter")
		}
	})
	t.Run("interpolate --exact", func(t *testing.T) {
		out, stderr, err := kenn("interpolate", "--model", ck, "--images", imgs, "--from", "0", "--to", "8", "--points", "5", "--exact", "-o", fig)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		rows := csvAfter(t, out, "alpha,w2sq_dwe_vs_exact,w2sq_pixel_mix_vs_exact,splat_w2sq_bound")
		if len(rows) != 5 || rows[0][0] != "0" || rows[2][0] != "0.5" || rows[4][0] != "1" {
			t.Fatalf("rows %v, want α = 0, 0.25, 0.5, 0.75, 1", rows)
		}
		for _, k := range []int{0, 4} {
			if v, _ := strconv.ParseFloat(rows[k][2], 64); v > 1e-3 {
				t.Errorf("α = %s: the pixel mix is the image, W2² %v to the exact end, want 0", rows[k][0], v)
			}
		}
		// blobs 0 and 8 are 6 px apart in both coordinates: at α = 0.5 the
		// interpolant lands on pixels, no splat
		if rows[2][3] != "0.0000" {
			t.Errorf("α = 0.5: splat bound %s, want 0", rows[2][3])
		}
		if !strings.Contains(out, "exact W2² 72.0000 px²") {
			t.Errorf("want exact W2² 6² + 6² = 72 px² between blobs 0 and 8:\n%s", out)
		}
		got := svgTexts(t, fig)
		for _, w := range []string{"decoded", "exact (McCann)", "pixel mix", "α = 0.5"} {
			if !got[w] {
				t.Errorf("the figure lacks %q", w)
			}
		}
	})
	t.Run("pga --class all --pca", func(t *testing.T) {
		out, stderr, err := kenn("pga", "--model", ck, "--images", imgs, "--labels", labels, "--class", "all", "--pca", "--components", "2", "--sigmas", "-1,0,1", "-o", fig)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if n := strings.Count(out, "pixel PCA component"); n != 6 {
			t.Errorf("%d pixel PCA lines, want 3 classes × 2 components:\n%s", n, out)
		}
		got := svgTexts(t, fig)
		for _, w := range []string{"-1σ", "+0σ", "+1σ"} {
			if !got[w] {
				t.Errorf("the figure lacks %q", w)
			}
		}
		for _, w := range []string{"class 0: PGA 1 (", "class 0: PCA 1 (", "class 1: PGA 2 (", "class 2: PCA 2 ("} {
			n := 0
			for s := range got {
				if strings.HasPrefix(s, w) && strings.HasSuffix(s, "%)") {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d row labels %q…%%), want 1", n, w)
			}
		}
	})
	t.Run("pga --class refusals", func(t *testing.T) {
		for _, c := range []struct {
			name string
			args []string
			want string
		}{
			{"unknown class", []string{"--labels", labels, "--class", "7"}, "no image"},
			{"not a list", []string{"--labels", labels, "--class", "x"}, "--class"},
			{"no labels", []string{"--class", "all"}, "labels"},
			{"labels without class", []string{"--labels", labels}, "only for --class"},
		} {
			t.Run(c.name, func(t *testing.T) {
				args := append([]string{"pga", "--model", ck, "--images", imgs, "--components", "1", "-o", filepath.Join(dir, "r.png")}, c.args...)
				if _, stderr, err := kenn(args...); err == nil || !strings.Contains(stderr, c.want) {
					t.Fatalf("%v %s, want an error with %q", err, stderr, c.want)
				}
			})
		}
	})
}
