package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --model takes any file of an exported set, or a checkpoint: the same
// matrix each time.
func TestModelAnyFileOfItsSet(t *testing.T) {
	dir := t.TempDir()
	imgs := "../../testdata/fashion-test-images-idx3-ubyte"
	var first []byte
	for _, m := range []string{"odekenn-ensemble.onnx", "odekenn-ensemble.pairwise.onnx", "odekenn-ensemble.pair.onnx", "odekenn-ensemble.ckpt"} {
		out := filepath.Join(dir, strings.ReplaceAll(m, ".", "_")+".npy")
		if _, stderr, err := kenn("pairwise", "--model", filepath.Join("../../pretrained", m), "--images", imgs, "-o", out); err != nil {
			t.Fatalf("--model %s: %v\n%s", m, err, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Errorf("--model %s gives another matrix than odekenn-ensemble.onnx", m)
		}
	}
	if _, stderr, err := kenn("pairwise", "--model", "../../testdata/mnist-test-labels-idx1-ubyte", "--images", imgs, "-o", filepath.Join(dir, "x.npy")); err == nil || !strings.Contains(stderr, "want an exported model") {
		t.Errorf("a label file as --model: %v\n%s", err, stderr)
	}
}

func TestInfo(t *testing.T) {
	dir := t.TempDir()
	pf := filepath.Join(dir, "p.pairs")
	if _, stderr, err := kenn("pairs", "--images", "../../testdata/fashion-test-images-idx3-ubyte", "--n", "20", "-o", pf); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	npy := filepath.Join(dir, "e.npy")
	if _, stderr, err := kenn("embed", "--model", "../../pretrained/deepkenn.onnx", "--images", "../../testdata/fashion-test-images-idx3-ubyte", "-o", npy); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	for _, c := range []struct {
		file string
		want []string
	}{
		{"../../pretrained/odekenn-ensemble.onnx", []string{"kind: ensemble", "target: w2 (W2, pixels)", "input: 28x28", "model id: ", "odekenn-ensemble.pairwise.onnx: a, b → distances", "rel_mse_w2sq: ", "(relative MSE on W2²)"}},
		{"../../pretrained/deepkenn.ckpt", []string{"kind: deepkenn", "target: w2 (W2, pixels)", "parameters: 407432", "trained on: 137088 pairs", "pixels⁴ (MSE on W2²)\n", "pixels² (MSE on W2, the model's target)\n"}},
		{pf, []string{"kenn pairs file", "values: w2sq (exact W2², pixels²)", "pairs: 20", "method: exact"}},
		{npy, []string{"NumPy array", "shape: [200 ", "values: features"}},
		{"../../testdata/mnist-test-images-idx3-ubyte", []string{"images", "count: 500", "size: 28x28 pixels", "labels: true"}},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			out, stderr, err := kenn("info", c.file)
			if err != nil {
				t.Fatalf("%v: %s", err, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("kenn info %s lacks %q:\n%s", c.file, w, out)
				}
			}
		})
	}
	if _, _, err := kenn("info"); err == nil {
		t.Error("kenn info without a file succeeded")
	}
	if out, _, err := kenn("version"); err != nil || !strings.HasPrefix(out, "kenn ") {
		t.Errorf("kenn version: %v %q", err, out)
	}
}

// Every metric kenn records is listed with the unit of its definition
// (metrics.Result, fit's card): W2² errors in pixels⁴, W2 in pixels²,
// target_mse on the model's own target.
func TestMetricUnit(t *testing.T) {
	for _, c := range []struct{ name, target, want string }{
		{"mse_w2sq", "w2", " pixels⁴ (MSE on W2²)"},
		{"mse_w2", "w2sq", " pixels² (MSE on W2)"},
		{"target_mse", "w2", " pixels² (MSE on W2, the model's target)"},
		{"target_mse", "w2sq", " pixels⁴ (MSE on W2², the model's target)"},
		{"test_rel_mse_w2sq_lo", "w2", " (relative MSE on W2²)"},
		{"test_pearson_hi", "w2", " (on W2²)"},
		{"fit_seconds", "w2", " s"},
		{"pairs_per_s", "w2", " pairs/s"},
		{"test_pairs", "w2", ""},
	} {
		t.Run(c.name+"/"+c.target, func(t *testing.T) {
			if got := metricUnit(c.name, c.target); got != c.want {
				t.Errorf("metricUnit(%q, %q) = %q, want %q", c.name, c.target, got, c.want)
			}
		})
	}
}
