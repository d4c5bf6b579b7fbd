package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
)

// kenn eval scores a checkpoint (Gorgonia, build.EvaluateCheckpoint) and
// its export (onnxruntime, runtime.Model.Evaluate) through the one
// conversion and scoring (models.ToW2Sq, metrics.Score): for each kind's
// target (naive: W2, dwe: W2²) the two give the same metrics within
// float32 rounding, and all pairs of a set give a recall@10.
func TestEvalCheckpointEqualsExport(t *testing.T) {
	dir := t.TempDir()
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	p := filepath.Join(dir, "p.txt")
	if _, stderr, err := kenn("pairs", "--images", test, "--all", "--first", "14", "-o", p); err != nil {
		t.Fatal(stderr)
	}
	for _, kind := range []string{"naive", "dwe"} {
		t.Run(kind, func(t *testing.T) {
			ck, onnx := filepath.Join(dir, kind+".ckpt"), filepath.Join(dir, kind+".onnx")
			if _, stderr, err := kenn("init", "--model", kind, "-o", ck); err != nil {
				t.Fatal(stderr)
			}
			if _, stderr, err := kenn("export", ck, "-o", onnx); err != nil {
				t.Fatal(stderr)
			}
			got := map[string]map[string]float64{}
			for _, m := range []string{ck, onnx} {
				out, stderr, err := kenn("eval", "--model", m, "--images", test, "--pairs", p, "--json")
				if err != nil {
					t.Fatalf("eval %s: %v\n%s", m, err, stderr)
				}
				var r map[string]float64
				if err := json.Unmarshal([]byte(out), &r); err != nil {
					t.Fatalf("eval %s: %v\n%s", m, err, out)
				}
				got[m] = r
			}
			a, b := got[ck], got[onnx]
			if a["pairs"] != 91 || b["pairs"] != 91 || a["knn_k"] != 10 || b["knn_k"] != 10 {
				t.Fatalf("pairs %g/%g, knn_k %g/%g: want 91 pairs (all of 14 images) and recall@10", a["pairs"], b["pairs"], a["knn_k"], b["knn_k"])
			}
			for _, k := range []string{"mse_w2sq", "rel_mse_w2sq", "mse_w2", "rel_mse_w2", "pearson", "spearman"} {
				if _, ok := a[k]; !ok {
					t.Fatalf("the checkpoint's evaluation has no %s (undefined): %v", k, a)
				}
				if d := math.Abs(a[k] - b[k]); !(d <= 1e-4*math.Max(math.Abs(a[k]), 1e-9)) {
					t.Errorf("%s: checkpoint %g, export %g", k, a[k], b[k])
				}
			}
			if _, ok := b["target_mse"]; ok {
				t.Errorf("the export's evaluation reports target_mse %g: the checkpoint's own-scale loss is not part of it", b["target_mse"])
			}
		})
	}
}
