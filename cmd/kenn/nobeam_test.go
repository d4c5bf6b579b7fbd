package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// kenn links no Beam: pairs, pairwise and knn given a Beam flag exit 2
// before any work, saying to run the same command with kenn-beam.
func TestBeamFlagsPointToKennBeam(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.onnx") // never opened: the flags are refused first
	for _, c := range []struct {
		name string
		args []string
	}{
		{"pairs", []string{"pairs", "--images", mnist, "--n", "5", "-o", filepath.Join(dir, "o.txt"), "--runner", "prism"}},
		{"pairwise", []string{"pairwise", "--model", model, "--images", mnist, "-o", filepath.Join(dir, "o.npy"), "--runner", "flink", "--endpoint", "127.0.0.1:1"}},
		{"knn", []string{"knn", "--model", model, "--images", mnist, "--queries", mnist, "-o", filepath.Join(dir, "o.csv"), "--beam-opt", "project=p"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := kenn(c.args...)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("%v: %v, want exit status 2\n%s", c.args, err, stderr)
			}
			if want := "run kenn-beam " + c.name + " with the same flags"; !strings.Contains(stderr, want) || !strings.Contains(stderr, "kenn-beam binary") {
				t.Errorf("stderr %q: want %q", stderr, want)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, "o.*")); len(m) > 0 {
				t.Errorf("left %v", m)
			}
		})
	}
}
