package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/browsertest"
)

// kenn web writes a site from testdata digits and a pretrained model;
// served on 127.0.0.1 and opened in Debian's headless Chromium (driven by
// puppeteer-core), picking an image shows the neighbours and distances
// that kenn knn writes for it (within 1e-5 of the k-th distance), in the
// model's units; the screenshot is not blank. -o naming an input's
// folder is refused.
func TestWebMatchesKNN(t *testing.T) {
	ortWeb, _ := filepath.Abs("../../.cache/web/node_modules/onnxruntime-web")
	s, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 80)
	for i := range idx {
		idx[i] = 3 * i
	}
	dir := t.TempDir()
	prefix := filepath.Join(dir, "digits")
	if err := s.Subset(idx).WriteIDX(prefix); err != nil {
		t.Fatal(err)
	}
	imgs := prefix + "-images-idx3-ubyte"
	model := "../../pretrained/odekenn-ensemble.onnx"
	site := filepath.Join(dir, "site")
	const k, pick = 7, 21
	if _, stderr, err := kenn("web", "--model", model, "--images", imgs, "-o", site+"/", "-k", strconv.Itoa(k), "--ort-web", ortWeb); err != nil {
		t.Fatalf("kenn web: %v: %s", err, stderr)
	}
	if _, stderr, err := kenn("web", "--model", model, "--images", imgs, "-o", dir, "--ort-web", ortWeb); err == nil || !strings.Contains(stderr, "holds the input") {
		t.Fatalf("-o the images' folder: %v: %s", err, stderr)
	}
	knnCSV := filepath.Join(dir, "knn.csv")
	if _, stderr, err := kenn("knn", "--model", model, "--images", imgs, "--queries", imgs, "-k", strconv.Itoa(k), "-o", knnCSV); err != nil {
		t.Fatalf("kenn knn: %v: %s", err, stderr)
	}
	type nb struct {
		index int
		d     float64
	}
	var want []nb
	f, err := os.Open(knnCSV)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) < 2 || strings.Join(recs[0], ",") != "query,rank,index,w2" {
		t.Fatalf("knn.csv: %v, header %v", err, recs[:min(1, len(recs))])
	}
	for _, r := range recs[1:] {
		if r[0] == strconv.Itoa(pick) {
			i, _ := strconv.Atoi(r[2])
			d, _ := strconv.ParseFloat(r[3], 64)
			want = append(want, nb{i, d})
		}
	}
	if len(want) != k {
		t.Fatalf("kenn knn gives %d neighbours of query %d", len(want), pick)
	}

	url := browsertest.Serve(t, http.FileServer(http.Dir(site)))
	shot := filepath.Join(dir, "site.png")
	result := `({error: window.kenn.error, query: window.kenn.query, units: document.getElementById('units').textContent,
	  shown: [...document.querySelectorAll('#results li')].map(li => ({index: Number(li.dataset.index), text: li.textContent}))})`
	stdout, stderr := browsertest.Run(t, 4*time.Minute, url,
		"--wait", "window.kenn && (window.kenn.ready || window.kenn.error)", "--click", fmt.Sprintf(`#grid canvas[data-index="%d"]`, pick),
		"--wait-after", "window.kenn.searches > 0", "--screenshot", shot, "--result", result, "--timeout", "200000")
	var got struct {
		Error string `json:"error"`
		Query any    `json:"query"`
		Units string `json:"units"`
		Shown []struct {
			Index int    `json:"index"`
			Text  string `json:"text"`
		} `json:"shown"`
	}
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if got.Error != "" || got.Query != float64(pick) || got.Units != "(W2 (pixels))" || len(got.Shown) != k {
		t.Fatalf("page: %+v\n%s", got, stderr)
	}
	scale := want[k-1].d
	for r, s := range got.Shown {
		// the text shown: "#index (label L): distance W2 (pixels)"
		text, ok := strings.CutSuffix(s.Text, " W2 (pixels)")
		_, num, ok2 := strings.Cut(text, "): ")
		d, err := strconv.ParseFloat(num, 64)
		if !ok || !ok2 || err != nil || !strings.HasPrefix(s.Text, fmt.Sprintf("#%d (label ", s.Index)) {
			t.Fatalf("rank %d shows %q", r+1, s.Text)
		}
		// shown with 6 significant digits
		if diff := math.Abs(d - want[r].d); diff > 1e-5*scale+5e-6*math.Abs(want[r].d) {
			t.Errorf("rank %d: the page shows %s, kenn knn %g", r+1, num, want[r].d)
		}
		if s.Index != want[r].index {
			tie := false
			for _, w := range want {
				if w.index == s.Index && math.Abs(w.d-want[r].d) <= 1e-5*scale {
					tie = true
				}
			}
			if !tie {
				t.Errorf("rank %d: the page shows image %d, kenn knn %d", r+1, s.Index, want[r].index)
			}
		}
	}
	t.Logf("shown: %+v", got.Shown)
	browsertest.CheckScreenshot(t, shot)
}
