package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/pairs"
)

// kenn pairs --all --matrix: the exact N×N W2² matrix holds the pairs
// file's values, symmetric with a zero diagonal, with a sidecar naming
// values and units; pairwise and embed get sidecars too.
func TestExactMatrixAndSidecars(t *testing.T) {
	dir := t.TempDir()
	all, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	imgs := filepath.Join(dir, "f-images-idx3-ubyte")
	if err := dataset.WriteIDXImages(imgs, all.Subset([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})); err != nil {
		t.Fatal(err)
	}
	pf, npy := filepath.Join(dir, "p.pairs"), filepath.Join(dir, "d.npy")
	if _, stderr, err := kenn("pairs", "--all", "--images", imgs, "-o", pf, "--matrix", npy); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	f, err := pairs.ReadFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := dataset.ReadNPYArray(npy)
	if err != nil {
		t.Fatal(err)
	}
	if m.Dtype != "<f8" || len(m.Shape) != 2 || m.Shape[0] != 12 || m.Shape[1] != 12 {
		t.Fatalf("matrix %s %v", m.Dtype, m.Shape)
	}
	for k, p := range f.Pairs {
		if a, b := m.Values[p.I*12+p.J], m.Values[p.J*12+p.I]; a != f.W2Sq[k] || b != f.W2Sq[k] {
			t.Fatalf("(%d, %d): matrix %v and %v, pairs file %v", p.I, p.J, a, b, f.W2Sq[k])
		}
	}
	for i := 0; i < 12; i++ {
		if m.Values[i*13] != 0 {
			t.Fatalf("diagonal %d: %v", i, m.Values[i*13])
		}
	}
	sc, found, err := sidecar.Read(npy)
	if err != nil || !found || sc.Values != "w2sq" || sc.Units != "pixels^2" || !sc.Exact || sc.Rows != 12 {
		t.Fatalf("sidecar %+v (found %v, %v)", sc, found, err)
	}
	if out, _, err := kenn("info", npy); err != nil || !strings.Contains(out, "values: w2sq (pixels^2, exact), 12×12") {
		t.Errorf("kenn info: %v\n%s", err, out)
	}
	if _, stderr, err := kenn("pairs", "--n", "5", "--images", imgs, "-o", filepath.Join(dir, "q.pairs"), "--matrix", filepath.Join(dir, "q.npy")); err == nil || !strings.Contains(stderr, "--matrix needs --all") {
		t.Errorf("--matrix without --all: %v %s", err, stderr)
	}
	// A model's matrix: W2 in pixels for an ODE-KENN, close to the exact one (MNIST digits: its domain).
	pw := filepath.Join(dir, "m.npy")
	if _, stderr, err := kenn("pairwise", "--model", "../../pretrained/odekenn-ensemble.onnx", "--images", imgs, "-o", pw); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	sc, found, err = sidecar.Read(pw)
	if err != nil || !found || sc.Values != "w2" || sc.Units != "pixels" || sc.Exact || sc.ModelID == "" {
		t.Fatalf("pairwise sidecar %+v (found %v, %v)", sc, found, err)
	}
	pm, err := dataset.ReadNPYArray(pw)
	if err != nil {
		t.Fatal(err)
	}
	for k := range m.Values {
		if d := math.Abs(pm.Values[k]*pm.Values[k] - m.Values[k]); d > 0.3*m.Values[k]+0.5 {
			t.Fatalf("entry %d: model W2 %v (squared %v), exact W2² %v: not the same units?", k, pm.Values[k], pm.Values[k]*pm.Values[k], m.Values[k])
		}
	}
	e := filepath.Join(dir, "e.npy")
	if _, stderr, err := kenn("embed", "--model", "../../pretrained/odekenn-ensemble.onnx", "--images", imgs, "-o", e); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if sc, found, err := sidecar.Read(e); err != nil || !found || sc.Values != "features" || sc.Cols != 864 {
		t.Fatalf("embed sidecar %+v (found %v, %v)", sc, found, err)
	}
}

// Pairs computed by an approximation are never taken for exact: the
// matrix's sidecar and kenn info say which method made them, and the
// commands that need exact W2² (score --exact, eval, plot pred, wassmap
// --pairs, train) refuse them, naming the file and its method.
func TestApproximatePairsAreNotExact(t *testing.T) {
	dir := t.TempDir()
	all, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	imgs := filepath.Join(dir, "f-images-idx3-ubyte")
	if err := dataset.WriteIDXImages(imgs, all.Subset([]int{0, 1, 2, 3, 4, 5, 6, 7})); err != nil {
		t.Fatal(err)
	}
	pf, npy := filepath.Join(dir, "s.pairs"), filepath.Join(dir, "s.npy")
	if _, stderr, err := kenn("pairs", "--all", "--images", imgs, "--method", "sliced", "-o", pf, "--matrix", npy); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	sc, _, err := sidecar.Read(npy)
	if err != nil || sc.Exact || sc.Method != "sliced directions=64" {
		t.Fatalf("sidecar %+v, %v: want exact false, method sliced directions=64", sc, err)
	}
	if out, _, err := kenn("info", npy); err != nil || !strings.Contains(out, "values: w2sq (pixels^2, method sliced directions=64)") {
		t.Errorf("kenn info %s: %v\n%s", npy, err, out)
	}
	if out, _, err := kenn("info", pf); err != nil || !strings.Contains(out, "values: w2sq (W2², pixels², approximated by method sliced directions=64)") {
		t.Errorf("kenn info %s: %v\n%s", pf, err, out)
	}
	model := "../../pretrained/deepkenn.ckpt"
	pred := filepath.Join(dir, "pred.csv")
	if err := os.WriteFile(pred, []byte("i,j,w2sq\n0,1,3.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refused := `made with method "sliced directions=64", not exact`
	for _, c := range []struct {
		name string
		args []string
	}{
		{"score --exact", []string{"score", "--pred", pred, "--exact", pf}},
		{"eval", []string{"eval", "--model", model, "--pairs", pf}},
		{"plot pred", []string{"plot", "pred", "--model", model, "--pairs", pf, "-o", filepath.Join(dir, "p.png")}},
		{"wassmap --pairs", []string{"wassmap", "--pairs", pf, "--images", imgs, "-o", filepath.Join(dir, "c.csv")}},
		{"train", []string{"train", "--model", "naive", "--pairs", pf, "--val", pf, "-o", filepath.Join(dir, "m.ckpt")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := kenn(c.args...)
			want := refused
			if c.name == "train" {
				want = `training pairs hold W2² by method "sliced directions=64", not exact`
			}
			if code := exitCode(t, err); code != 1 || !strings.Contains(stderr, want) {
				t.Fatalf("exit %d, %q; want exit 1 and %q", code, stderr, want)
			}
		})
	}
}

// pairwise --check runs on a checkpoint as on its export: the same pairs,
// the same report, the promise read from the checkpoint's metrics.
func TestPairwiseCheckOfACheckpoint(t *testing.T) {
	dir := t.TempDir()
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	var reports []string
	for _, m := range []string{"../../pretrained/deepkenn.ckpt", "../../pretrained/deepkenn.onnx"} {
		_, stderr, err := kenn("pairwise", "--model", m, "--images", test, "--check", "20", "-o", filepath.Join(dir, filepath.Base(m)+".npy"))
		if err != nil {
			t.Fatalf("%s: %v\n%s", m, err, stderr)
		}
		i := strings.Index(stderr, "check: 20 random pairs")
		if i < 0 || !strings.Contains(stderr, "promised by its training record") {
			t.Fatalf("%s: no check report:\n%s", m, stderr)
		}
		reports = append(reports, strings.SplitN(stderr[i:], "\n", 2)[0])
	}
	if reports[0] != reports[1] {
		t.Errorf("checkpoint and export disagree:\n%s\n%s", reports[0], reports[1])
	}
}
