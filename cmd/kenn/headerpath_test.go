package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A pairs file written in one folder, naming its images relative to it,
// is used from another without --images: the header's path is resolved
// against the pairs file's folder (eval and train); a wrong --images is
// still refused by the sha256 check.
func TestHeaderImagesResolvedAgainstPairsFile(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile(mnist)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "imgs-idx3-ubyte"), raw, 0o644)
	for name, part := range map[string][]string{"train.txt": {"--first", "500"}, "val.txt": {"--skip", "500"}} {
		cmd := exec.Command(kennBin, append([]string{"pairs", "--images", "imgs-idx3-ubyte", "--n", "40", "-o", name}, part...)...)
		cmd.Dir = dir // the header records "imgs-idx3-ubyte", relative to dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pairs: %v: %s", err, out)
		}
	}
	ck := filepath.Join(dir, "m.ckpt")
	if _, stderr, err := kenn("init", "--model", "naive", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	cases := []struct {
		name string
		args []string
		ok   string
	}{
		{"eval", []string{"eval", "--model", ck, "--pairs", filepath.Join(dir, "val.txt"), "--json"}, "rel_mse"},
		{"train", []string{"train", "--model", "naive", "--pairs", filepath.Join(dir, "train.txt"), "--val", filepath.Join(dir, "val.txt"), "--epochs", "1", "-o", filepath.Join(dir, "t.ckpt")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, err := kenn(tc.args...)
			if err != nil || !strings.Contains(out, tc.ok) {
				t.Fatalf("%v: %s\n%s", err, stderr, out)
			}
		})
	}
	t.Run("wrong images", func(t *testing.T) {
		_, stderr, err := kenn("eval", "--model", ck, "--pairs", filepath.Join(dir, "val.txt"), "--images", "../../testdata/mnist-test-images-idx3-ubyte")
		if err == nil || !strings.Contains(stderr, "sha256") {
			t.Fatalf("want a sha256 mismatch: %v %s", err, stderr)
		}
	})
}
