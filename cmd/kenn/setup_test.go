package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// kenn installed with `kenn setup --prefix` runs every onnxruntime
// command from a folder outside the checkout, with no environment to help
// it: no ONNXRUNTIME_SHARED_LIBRARY_PATH, an empty user cache.
func TestRunsFromAnywhereAfterSetup(t *testing.T) {
	root := t.TempDir() // outside the checkout
	home := filepath.Join(root, "home")
	prefix := filepath.Join(root, "opt")
	work := filepath.Join(root, "work")
	for _, d := range []string{home, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "PATH=/usr/bin:/bin"}
	run := func(dir, bin string, args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	// Copied binary, before setup: the library is not found, and the
	// error says how to fix it.
	lone := filepath.Join(root, "kenn-copy")
	copyFile(t, kennBin, lone)
	os.Chmod(lone, 0o755)
	for _, f := range []string{"odekenn-ensemble.onnx", "odekenn-ensemble.pairwise.onnx", "odekenn-ensemble.pair.onnx"} {
		copyFile(t, filepath.Join("../../pretrained", f), filepath.Join(work, f))
	}
	copyFile(t, "../../testdata/mnist-test-images-idx3-ubyte", filepath.Join(work, "digits-images-idx3-ubyte"))
	out, err := run(work, lone, "embed", "--model", "odekenn-ensemble.onnx", "--images", "digits-images-idx3-ubyte", "-o", "e.npy")
	if err == nil || !strings.Contains(out, "kenn setup") {
		t.Fatalf("before setup: %v\n%s\nwant a failure that names kenn setup", err, out)
	}
	// Setup, run from the checkout (where make ort put the library).
	abs, _ := filepath.Abs(".")
	if out, err := run(abs, lone, "setup", "--prefix", prefix); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	bin := filepath.Join(prefix, "bin", "kenn")
	if _, err := os.Stat(filepath.Join(prefix, "lib", "kenn", "libonnxruntime.so.1")); err != nil {
		t.Fatal(err)
	}
	steps := [][]string{
		{"version"},
		{"embed", "--model", "odekenn-ensemble.onnx", "--images", "digits-images-idx3-ubyte", "-o", "e.npy"},
		{"pairwise", "--model", "odekenn-ensemble.onnx", "--images", "digits-images-idx3-ubyte", "-o", "d.npy"},
		{"knn", "--model", "odekenn-ensemble.onnx", "--index", "digits-images-idx3-ubyte", "--query", "digits-images-idx3-ubyte", "-k", "5", "-o", "knn.csv"},
		{"pairs", "--images", "digits-images-idx3-ubyte", "--n", "40", "-o", "p.pairs"},
		{"eval", "--model", "odekenn-ensemble.onnx", "--images", "digits-images-idx3-ubyte", "--pairs", "p.pairs"},
		{"info", "odekenn-ensemble.onnx"},
	}
	for _, s := range steps {
		out, err := run(work, bin, s...)
		if err != nil {
			t.Fatalf("kenn %s from %s: %v\n%s", strings.Join(s, " "), work, err, out)
		}
		if s[0] == "version" && !strings.Contains(out, filepath.Join(prefix, "lib", "kenn")) {
			t.Errorf("kenn version does not report the installed library:\n%s", out)
		}
		if s[0] == "eval" && !strings.Contains(out, "pearson") {
			t.Errorf("kenn eval printed:\n%s", out)
		}
	}
	for _, f := range []string{"e.npy", "d.npy", "knn.csv"} {
		if st, err := os.Stat(filepath.Join(work, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// `kenn setup` without --prefix puts the library in the user cache,
	// where the lone copy then finds it.
	if out, err := run(abs, lone, "setup"); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	if out, err := run(work, lone, "embed", "--model", "odekenn-ensemble.onnx", "--images", "digits-images-idx3-ubyte", "-o", "e2.npy"); err != nil {
		t.Fatalf("after setup into the user cache: %v\n%s", err, out)
	}
}
