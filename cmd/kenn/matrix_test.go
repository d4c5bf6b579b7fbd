package main

import (
	"math"
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
