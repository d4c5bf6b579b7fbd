package snn_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/export"
	esnn "github.com/kenn-ot/kenn/export/snn"
	msnn "github.com/kenn-ot/kenn/models/snn"
)

func tiny(t *testing.T, loss string, seed uint64) *msnn.Checkpoint {
	t.Helper()
	s := &msnn.Model{Inputs: []string{"x1", "x2"}, Outputs: []string{"y", "c"}, Cont: 1, Categories: [][]float64{{0, 1, 2}},
		Hidden: []int{4}, Loss: loss, Lambda: 1, InMean: []float64{0, 0}, InStd: []float64{1, 1}, OutMean: []float64{0}, OutStd: []float64{1}, InitSigma: 0.1}
	if loss == msnn.LossW2 {
		s.CatEncoding, s.Latent = msnn.CatScores, 2
	}
	c, err := msnn.NewCheckpoint(s, seed)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Both files of every loss's export pass the ONNX checker with full_check
// and carry kenn's checksums, recomputed by export's own checker script
// (Debian python3-onnx, installed by make test); export.ReadSet reads the
// pair as one set of kind snn.
func TestCheckerAcceptsExports(t *testing.T) {
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import onnx").CombinedOutput(); err != nil {
		t.Fatalf("the ONNX checker needs Debian's python3-onnx (make test installs it): %v %s", err, out)
	}
	dir := t.TempDir()
	var files []string
	for _, loss := range []string{msnn.LossW2, msnn.LossMSE, msnn.LossCE} {
		path := filepath.Join(dir, "snn-"+loss+".onnx")
		fs, err := esnn.Write(tiny(t, loss, 1), path, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 2 || fs[1] != esnn.NoisePath(path) {
			t.Fatalf("wrote %v, want %s and its noise model", fs, path)
		}
		set, err := export.ReadSet(path)
		if err != nil {
			t.Fatal(err)
		}
		if k := set.Main.Meta["kenn.kind"]; k != msnn.Kind || msnn.Kind != export.SamplerKind || len(set.Siblings) != 1 {
			t.Fatalf("%s: kind %q with %d siblings, want %s with its noise model", path, k, len(set.Siblings), msnn.Kind)
		}
		files = append(files, fs...)
	}
	out, err := exec.Command(py, append([]string{filepath.Join("..", "testdata", "check_exports.py")}, files...)...).CombinedOutput()
	if err != nil || strings.Count(string(out), "ok ") != len(files) {
		t.Fatalf("onnx checker on %d files: %v\n%s", len(files), err, out)
	}
}

// The model id depends on the description and every weight: two seeds
// give two ids, one checkpoint saved and reloaded keeps its id.
func TestModelID(t *testing.T) {
	a, b := tiny(t, msnn.LossW2, 1), tiny(t, msnn.LossW2, 2)
	ia, err := esnn.ModelID(a)
	if err != nil {
		t.Fatal(err)
	}
	ib, _ := esnn.ModelID(b)
	if ia == ib || len(ia) != 64 {
		t.Fatalf("ids %q and %q of two different weight draws", ia, ib)
	}
	path := filepath.Join(t.TempDir(), "s.ckpt")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := msnn.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := esnn.ModelID(back); again != ia {
		t.Fatalf("id %s after a save and load, %s before", again, ia)
	}
}
