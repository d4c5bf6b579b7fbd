package main

import (
	"encoding/binary"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// svgTexts are the texts of an SVG figure (gonum's vgsvg writes each as a
// <text> element).
func svgTexts(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?s)<text[^>]*>([^<]*)</text>`).FindAllSubmatch(b, -1) {
		out[html.UnescapeString(string(m[1]))] = true
	}
	return out
}

// Every figure command labels what it draws: rows and columns of the
// image grids, class names in the Wassmap legend, r and relative error on
// pred-vs-exact, units on the axes (-o FIG.svg: the format follows the
// extension).
func TestFiguresAreLabelled(t *testing.T) {
	dir := t.TempDir()
	imgs, labels, ck := decoderFixture(t, dir)
	if _, stderr, err := kenn("init", "--model", "odekenn", "-o", filepath.Join(dir, "ode.ckpt")); err != nil {
		t.Fatal(stderr)
	}
	pairs := filepath.Join(dir, "p.txt")
	if _, stderr, err := kenn("pairs", "--images", mnist, "--n", "60", "-o", pairs); err != nil {
		t.Fatal(stderr)
	}
	fashion := fashionSubset(t, dir, 2)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"barycenter", []string{"barycenter", "--model", ck, "--images", imgs, "--labels", labels, "--compare", "2"},
			[]string{"DWE barycenters of blobs.npy, one column per class", "class 0", "class 2", "ψ(mean φ), all", "ψ(mean φ), first 2", "ot, ε = 1 px²", "mean, first 2"}},
		{"interpolate", []string{"interpolate", "--model", ck, "--images", imgs, "--from", "0", "--to", "8", "--points", "5"},
			[]string{"inputs", "decoded", "α = 0", "α = 0.25", "α = 1", "image 0", "image 8"}},
		{"pga", []string{"pga", "--model", ck, "--images", imgs, "--components", "2", "--sigmas", "-1,0,1"},
			[]string{"DWE principal geodesics of blobs.npy", "-1σ", "+0σ", "+1σ"}},
		{"plot pred", []string{"plot", "pred", "--model", ck, "--images", mnist, "--pairs", pairs, "--title", "untrained DWE"},
			[]string{"untrained DWE", "exact W2² (px²)", "predicted W2² (px²)", "median prediction", "exact = predicted"}},
		{"wassmap of Fashion-MNIST", []string{"wassmap", "--exact", "--images", fashion, "-o", filepath.Join(dir, "map.csv")},
			[]string{"Wassmap of the exact W2 of fashion-small-images-idx3-ubyte", "Wassmap 1 (px)", "Wassmap 2 (px)", "class", "T-shirt/top", "Ankle boot"}},
		{"plot weights", []string{"plot", "weights", "--model", filepath.Join(dir, "ode.ckpt")},
			[]string{"ODE-KENN: learned weight of each ODE time step in the distance", "time t_k", "weight w_k (no unit)"}},
		{"plot weights with contributions", []string{"plot", "weights", "--model", filepath.Join(dir, "ode.ckpt"), "--images", mnist, "--pairs", pairs},
			[]string{"ODE-KENN: learned weight of each ODE time step in the distance", "time t_k", "weight w_k (no unit)", "contribution (W2, px)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fig := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".svg")
			flag := "-o"
			if c.args[0] == "wassmap" {
				flag = "--plot"
			}
			if _, stderr, err := kenn(append(c.args, flag, fig)...); err != nil {
				t.Fatalf("kenn %s: %v\n%s", c.name, err, stderr)
			}
			got := svgTexts(t, fig)
			for _, w := range c.want {
				if !got[w] {
					var all []string
					for s := range got {
						all = append(all, s)
					}
					t.Errorf("%s lacks the text %q; it has %q", fig, w, all)
				}
			}
		})
	}
	t.Run("plot pred says r and the relative error", func(t *testing.T) {
		fig := filepath.Join(dir, "plot-pred.svg")
		for s := range svgTexts(t, fig) {
			if regexp.MustCompile(`^Pearson r = -?[0-9.]+, relative MSE = [0-9.e+-]+, 60 pairs$`).MatchString(s) {
				return
			}
		}
		t.Fatal("no line \"Pearson r = …, relative MSE = …, 60 pairs\"")
	})
}

// fashionSubset writes the first per images of every class of the
// committed Fashion-MNIST test subset (20 per class, grouped by class) as
// DIR/fashion-small-images-idx3-ubyte with its labels beside it, and
// returns its path.
func fashionSubset(t *testing.T, dir string, per int) string {
	t.Helper()
	im, err := os.ReadFile("../../testdata/fashion-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	lb, err := os.ReadFile("../../testdata/fashion-test-labels-idx1-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	const size = 28 * 28
	n := int(binary.BigEndian.Uint32(im[4:8]))
	var pix, lab []byte
	count := map[byte]int{}
	for i := 0; i < n; i++ {
		if c := lb[8+i]; count[c] < per {
			count[c]++
			pix = append(pix, im[16+i*size:16+(i+1)*size]...)
			lab = append(lab, c)
		}
	}
	if len(count) != 10 {
		t.Fatalf("the Fashion-MNIST subset has %d classes, want 10", len(count))
	}
	hi := append([]byte{}, im[:16]...)
	binary.BigEndian.PutUint32(hi[4:8], uint32(len(lab)))
	hl := append([]byte{}, lb[:8]...)
	binary.BigEndian.PutUint32(hl[4:8], uint32(len(lab)))
	p := filepath.Join(dir, "fashion-small-images-idx3-ubyte")
	if err := os.WriteFile(p, append(hi, pix...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fashion-small-labels-idx1-ubyte"), append(hl, lab...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
