package parity

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

type nodeTensor struct {
	Dims []int64   `json:"dims"`
	Data []float32 `json:"data"`
}

type nodeCase struct {
	File     string                `json:"file"`
	Inputs   map[string]nodeTensor `json:"inputs"`
	Output   string                `json:"output"`
	Expected []float32             `json:"expected"`
	Tol      float64               `json:"tol"`
	// Zeros are indices of the output that must be exactly 0 (the
	// distance of an image to itself).
	Zeros []int `json:"zeros,omitempty"`
}

// Every exported file (embedding, pairwise, pair) loads and runs in
// onnxruntime-node and gives Go's outputs within 1e-5 (relative to the
// output's scale).
func TestNodeRuntimeAgrees(t *testing.T) {
	if _, err := os.Stat("../../.cache/node/node_modules/onnxruntime-node/package.json"); err != nil {
		t.Fatalf("onnxruntime-node is not installed: run `make node-ort` (make test does): %v", err)
	}
	rt, err := runtime.Open(runtime.Options{Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	imgs, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	sub := imgs.Subset([]int{3, 40, 77, 150, 300, 420})
	n := sub.N
	var ncs []nodeCase
	for _, m := range caseModels(t) { // every kind: node runs once on all files
		c, _ := models.NewCheckpoint(m, 4)
		model, files := exportAndLoad(t, rt, c)
		fx, err := model.Embed(context.Background(), sub, tiling.EmbedOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f := fx.Data
		d := make([]float32, n*n)
		if err := model.PairwiseTile(fx, fx, d); err != nil {
			t.Fatal(err)
		}
		var diag []int
		for i := 0; i < n; i++ {
			if d[i*n+i] != 0 {
				t.Errorf("%s: the pairwise graph gives an image %g from itself, want exactly 0", m.Kind, d[i*n+i])
			}
			diag = append(diag, i*n+i)
		}
		// pair: x = images 0..2, y = images 3..5
		half := n / 2
		w := c.DistanceWeights()
		F := model.F
		pair := make([]float32, half)
		for i := 0; i < half; i++ {
			a, b := make([]float64, F), make([]float64, F)
			for k := 0; k < F; k++ {
				a[k], b[k] = float64(f[i*F+k]), float64(f[(half+i)*F+k])
			}
			pair[i] = float32(models.Distance(c.Model, w, a, b))
		}
		hw := m.H * m.W
		img := func(from, count int) nodeTensor {
			return nodeTensor{Dims: []int64{int64(count), 1, int64(m.H), int64(m.W)}, Data: sub.Pix[from*hw : (from+count)*hw]}
		}
		ncs = append(ncs,
			nodeCase{File: files[0], Inputs: map[string]nodeTensor{"images": img(0, n)}, Output: "features", Expected: f, Tol: 1e-5},
			nodeCase{File: files[1], Inputs: map[string]nodeTensor{"a": {Dims: []int64{int64(n), int64(F)}, Data: f}, "b": {Dims: []int64{int64(n), int64(F)}, Data: f}}, Output: "distances", Expected: d, Tol: 1e-5, Zeros: diag},
			nodeCase{File: files[2], Inputs: map[string]nodeTensor{"x": img(0, half), "y": img(half, half)}, Output: "distance", Expected: pair, Tol: 1e-5},
		)
	}
	js, _ := json.Marshal(ncs)
	cf := filepath.Join(t.TempDir(), "cases.json")
	os.WriteFile(cf, js, 0o644)
	out, err := exec.Command("node", "testdata/node_check.js", cf).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("onnxruntime-node disagrees or failed: %v", err)
	}
	if got := strings.Count(string(out), "ok "); got != len(ncs) {
		t.Fatalf("%d of %d files checked", got, len(ncs))
	}
}
