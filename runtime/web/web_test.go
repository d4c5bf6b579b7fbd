package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/browsertest"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
	"github.com/kenn-ot/kenn/runtime/web"
)

const root = "../.."

// digits writes the first n MNIST test digits (with labels) as an IDX pair
// and returns the images file.
func digits(t *testing.T, n int) string {
	t.Helper()
	s, err := dataset.Load(filepath.Join(root, "testdata/mnist-test-images-idx3-ubyte"))
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	prefix := filepath.Join(t.TempDir(), "digits")
	if err := s.Subset(idx).WriteIDX(prefix); err != nil {
		t.Fatal(err)
	}
	return prefix + "-images-idx3-ubyte"
}

func ortWeb(t *testing.T) string {
	d := filepath.Join(root, ".cache/web/node_modules/onnxruntime-web")
	if _, err := os.Stat(filepath.Join(d, "dist", web.OrtFiles[0])); err != nil {
		t.Fatalf("onnxruntime-web is not installed: run `make web-deps` (make test does): %v", err)
	}
	return d
}

// A site holds the page, the model's two files (the verified bytes), the
// images, the three onnxruntime-web files and nothing else; a second
// build replaces it; outputs that would destroy something are refused.
func TestBuildSite(t *testing.T) {
	model := filepath.Join(root, "pretrained/odekenn-ensemble.onnx")
	imgs := digits(t, 20)
	out := filepath.Join(t.TempDir(), "site")
	site, err := web.Build(web.Options{Model: model, Images: imgs, OrtWeb: ortWeb(t), Out: out})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"images.f32", "index.html", "kenn-web.js", "odekenn-ensemble.onnx", "odekenn-ensemble.pairwise.onnx",
		"ort/ort-wasm-simd-threaded.mjs", "ort/ort-wasm-simd-threaded.wasm", "ort/ort.wasm.min.mjs", "site.json"}
	if strings.Join(site.Files, " ") != strings.Join(want, " ") {
		t.Fatalf("site files %v, want %v", site.Files, want)
	}
	for _, f := range []string{"odekenn-ensemble.onnx", "odekenn-ensemble.pairwise.onnx"} {
		a, _ := os.ReadFile(filepath.Join(root, "pretrained", f))
		b, _ := os.ReadFile(filepath.Join(out, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s in the site differs from the model's file", f)
		}
	}
	var m map[string]any
	raw, _ := os.ReadFile(filepath.Join(out, "site.json"))
	if err := json.Unmarshal(raw, &m); err != nil || m["units"] != "W2 (pixels)" || m["n"] != 20.0 || m["kind"] != "ensemble" {
		t.Fatalf("site.json: %v %s", err, raw)
	}
	if st, _ := os.Stat(filepath.Join(out, "images.f32")); st.Size() != 20*28*28*4 {
		t.Fatalf("images.f32 has %d bytes", st.Size())
	}
	// MNIST digits through the MNIST ensemble are screened as in its
	// domain; Fashion-MNIST images are not.
	if r := site.Screening; r == nil || r.Images != 20 || r.Off() {
		t.Errorf("MNIST site: screening %+v", r)
	}
	fashion, err := web.Build(web.Options{Model: model, Images: filepath.Join(root, "testdata/fashion-test-images-idx3-ubyte"), OrtWeb: ortWeb(t), Out: filepath.Join(t.TempDir(), "fashion")})
	if err != nil {
		t.Fatal(err)
	}
	if r := fashion.Screening; r == nil || !r.Off() {
		t.Errorf("Fashion-MNIST site: screening %+v", r)
	}
	// again: the old site is replaced, nothing left beside it
	if _, err := web.Build(web.Options{Model: model, Images: imgs, OrtWeb: ortWeb(t), Out: out, K: 3}); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 1 {
		t.Fatalf("beside the site: %v", ents)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644)
	inside := filepath.Join(t.TempDir(), "withinput")
	os.Mkdir(inside, 0o755)
	copied := filepath.Join(inside, "digits-images-idx3-ubyte")
	b, _ := os.ReadFile(imgs)
	os.WriteFile(copied, b, 0o644)
	cases := []struct{ name, out, images, want string }{
		{"a folder kenn web did not write", other, imgs, "did not write"},
		{"a file", imgs + "x", imgs, "a file"},
		{"the folder of an input", inside, copied, "holds the input"},
		{"no parent", filepath.Join(t.TempDir(), "no", "site"), imgs, "does not exist"},
	}
	os.WriteFile(imgs+"x", nil, 0o644)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := web.Build(web.Options{Model: model, Images: tc.images, OrtWeb: ortWeb(t), Out: tc.out})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(other, "notes.txt")); string(b) != "mine" {
		t.Fatal("a refused folder was changed")
	}
	if _, err := web.Build(web.Options{Model: model, Images: imgs, OrtWeb: t.TempDir(), Out: filepath.Join(t.TempDir(), "s")}); err == nil || !strings.Contains(err.Error(), "make web-deps") {
		t.Fatalf("no onnxruntime-web: %v", err)
	}
}

type shown struct {
	Ready      bool      `json:"ready"`
	Error      string    `json:"error"`
	Query      any       `json:"query"`
	QueryImage []float32 `json:"queryImage"`
	Units      string    `json:"units"`
	Neighbours []struct {
		Index    int     `json:"index"`
		Distance float64 `json:"distance"`
		Text     string  `json:"text"`
	} `json:"neighbours"`
}

// In Debian's headless Chromium, a digit drawn with the mouse on the
// site's pad is searched: the page shows the k nearest images and the
// distances that runtime's KNN (the call kenn knn makes) gives for the
// drawn image, within 1e-5 of the largest, in the model's units; the
// screenshot is not blank. (cmd/kenn's TestWebMatchesKNN picks an image
// and compares with kenn knn's output.)
func TestDrawingInChromium(t *testing.T) {
	model := filepath.Join(root, "pretrained/odekenn-ensemble.onnx")
	imgs := digits(t, 100)
	out := filepath.Join(t.TempDir(), "site")
	const k = 6
	if _, err := web.Build(web.Options{Model: model, Images: imgs, OrtWeb: ortWeb(t), Out: out, K: k}); err != nil {
		t.Fatal(err)
	}
	url := browsertest.Serve(t, http.FileServer(http.Dir(out)))
	shot := filepath.Join(t.TempDir(), "site.png")
	// a ring, like a zero, in fractions of the pad
	var ring []string
	for i := 0; i <= 24; i++ {
		a := 2 * math.Pi * float64(i) / 24
		ring = append(ring, fmt.Sprintf("%.3f,%.3f", 0.5+0.22*math.Cos(a), 0.5+0.3*math.Sin(a)))
	}
	result := `({ready: window.kenn.ready, error: window.kenn.error, query: window.kenn.query, queryImage: window.kenn.queryImage,
	  units: document.getElementById('units').textContent,
	  neighbours: [...document.querySelectorAll('#results li')].map(li => ({index: Number(li.dataset.index), distance: Number(li.dataset.distance), text: li.textContent}))})`
	stdout, stderr := browsertest.Run(t, 4*time.Minute, url,
		"--wait", "window.kenn && (window.kenn.ready || window.kenn.error)", "--drag", "#pad", "--path", strings.Join(ring, " "),
		"--click", "#search-drawing", "--wait-after", "window.kenn.searches > 0", "--screenshot", shot, "--result", result, "--timeout", "200000")
	var got shown
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if got.Error != "" || !got.Ready || got.Query != "drawing" || len(got.QueryImage) != 28*28 {
		t.Fatalf("page: error %q, ready %v, query %v, %d query pixels\n%s", got.Error, got.Ready, got.Query, len(got.QueryImage), stderr)
	}
	ink := 0
	for _, v := range got.QueryImage {
		if v > 0 {
			ink++
		}
	}
	if ink < 30 {
		t.Fatalf("the drawing has %d inked pixels: the stroke did not reach the pad", ink)
	}
	if got.Units != "(W2 (pixels))" {
		t.Errorf("units shown %q", got.Units)
	}
	// the same search in Go
	rt, err := runtime.Open(runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	m, err := rt.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	set, err := dataset.Load(imgs)
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.Embed(context.Background(), set, tiling.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := m.Embed(context.Background(), &dataset.Images{N: 1, H: 28, W: 28, Pix: got.QueryImage}, tiling.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nbs, err := m.KNN(context.Background(), f, q, k, tiling.TileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, got, nbs[0], k)
	browsertest.CheckScreenshot(t, shot)
}

// compare checks the neighbours shown against want: the same distances
// within 1e-5 of the k-th, the same images except between near-ties,
// and the text "#index (label L): distance W2 (pixels)".
func compare(t *testing.T, got shown, want []runtime.Neighbor, k int) {
	t.Helper()
	if len(got.Neighbours) != k || len(want) != k {
		t.Fatalf("%d neighbours shown, %d computed, want %d", len(got.Neighbours), len(want), k)
	}
	scale := float64(want[k-1].Distance)
	for r, nb := range got.Neighbours {
		w := want[r]
		if d := math.Abs(nb.Distance - float64(w.Distance)); d > 1e-5*scale {
			t.Errorf("rank %d: the browser shows %g, Go %g", r+1, nb.Distance, w.Distance)
		}
		if nb.Index != w.Index && math.Abs(float64(w.Distance)-float64(distanceOf(want, nb.Index))) > 1e-5*scale {
			t.Errorf("rank %d: the browser shows image %d, Go %d (not a tie)", r+1, nb.Index, w.Index)
		}
		text := fmt.Sprintf("#%d (label ", nb.Index)
		if !strings.Contains(nb.Text, text) || !strings.HasSuffix(nb.Text, " W2 (pixels)") {
			t.Errorf("rank %d shows %q", r+1, nb.Text)
		}
	}
	t.Logf("shown: %+v", got.Neighbours)
}

func distanceOf(nbs []runtime.Neighbor, i int) float32 {
	for _, n := range nbs {
		if n.Index == i {
			return n.Distance
		}
	}
	return float32(math.Inf(1))
}

// A dwe model predicts W2²: the site says pixels², and refuses images of
// another size than the model's.
func TestDWESite(t *testing.T) {
	c, err := models.NewCheckpoint(models.DWE(28, 28), 3)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "dwe.onnx")
	if _, err := export.WriteFiles(c, model); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "site")
	site, err := web.Build(web.Options{Model: export.DecoderPath(model), Images: digits(t, 5), OrtWeb: ortWeb(t), Out: out})
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Units, Target, Model string }
	raw, _ := os.ReadFile(filepath.Join(out, "site.json"))
	if err := json.Unmarshal(raw, &m); err != nil || m.Units != "W2² (pixels²)" || m.Target != models.TargetW2Sq || m.Model != "dwe.onnx" || site.Units != m.Units {
		t.Fatalf("site.json %s (%v)", raw, err)
	}
	if _, err := os.Stat(filepath.Join(out, "dwe.decoder.onnx")); err == nil {
		t.Error("the decoder was copied: the page needs only the embedding and pairwise files")
	}
	small := filepath.Join(t.TempDir(), "small")
	if err := (&dataset.Images{N: 1, H: 8, W: 8, Pix: make([]float32, 64)}).WriteIDX(small); err != nil {
		t.Fatal(err)
	}
	_, err = web.Build(web.Options{Model: model, Images: small + "-images-idx3-ubyte", OrtWeb: ortWeb(t), Out: filepath.Join(t.TempDir(), "s")})
	if err == nil || !strings.Contains(err.Error(), "8x8") || !strings.Contains(err.Error(), "28x28") {
		t.Fatalf("8x8 images for a 28x28 model: %v", err)
	}
}
