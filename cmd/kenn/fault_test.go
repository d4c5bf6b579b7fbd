package main

// The fault suite: every writer on a full file system, and jobs killed
// with SIGKILL then rerun. It needs root (mount -t tmpfs); where that is
// missing it skips, saying why, except under CI (CI set), where root is
// expected and a skip would hide the suite: there it fails.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/models"
)

// tmpfs mounts a tmpfs of size bytes on a new folder, unmounted at the end.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("CI") != "" {
		skip = t.Fatalf
	}
	if os.Geteuid() != 0 {
		skip("the fault suite needs root to mount a tmpfs (run as root; in CI it must)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		skip("mount -t tmpfs is not permitted here (a container without CAP_SYS_ADMIN?): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file into dir until the file system is full; remove it
// to free the space.
func fill(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return p
		}
	}
}

// leftovers lists what a failed or killed job must not leave: temporary
// files of atomicfile, probe files of the output check, and lock files.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, e := range ents {
		n := e.Name()
		if atomicfile.IsTemp(n) || strings.Contains(n, ".kenn-probe-") || strings.HasSuffix(n, ".lock") || strings.Contains(n, ".tmp") {
			bad = append(bad, n)
		}
	}
	return bad
}

// Every writer, on a 256 KiB tmpfs (full, for those whose output would
// fit), fails with an error naming ENOSPC, a non-zero exit (no signal: no
// SIGBUS), no output and no temporary file. The progress files of
// resumable jobs (.partial, .train) may stay: a rerun with space resumes.
func TestFullDisk(t *testing.T) {
	in := makeInputs(t)
	dir := tmpfs(t, "256k")
	o := func(n string) string { return filepath.Join(dir, n) }
	var many strings.Builder
	many.WriteString("i,j\n")
	for k := 0; k < 500; k++ {
		many.WriteString(strconv.Itoa(k%1000) + "," + strconv.Itoa((k*7+1)%1000) + "\n")
	}
	manyPairs := filepath.Join(in.dir, "..", "kenn-fault-many.csv")
	if err := os.WriteFile(manyPairs, []byte(many.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(manyPairs)
	cases := []struct {
		name string
		out  string
		full bool // fill the file system first (outputs smaller than 256 KiB)
		args []string
	}{
		{"w2", o("w2.csv"), true, []string{"w2", "--images", in.images, "--pairs", manyPairs, "--method", "sliced", "-o", o("w2.csv")}},
		{"pairs", o("p.pairs"), true, []string{"pairs", "--images", in.images, "--n", "300", "--method", "sliced", "-o", o("p.pairs")}},
		{"train", o("m.ckpt"), false, []string{"train", "--model", "deepkenn", "--pairs", in.trainPairs, "--val", in.valPairs, "--epochs", "1", "--batch", "8", "-o", o("m.ckpt")}},
		{"snn train", o("s.ckpt"), true, []string{"snn", "train", "--table", in.table, "--x", "a", "--y", "b", "--epochs", "2", "-o", o("s.ckpt")}},
		{"ensemble", o("e.ckpt"), false, []string{"ensemble", "-o", o("e.ckpt"), in.ckpt, in.ckpt2}},
		{"export", o("x.onnx"), false, []string{"export", in.ckpt, "-o", o("x.onnx")}},
		{"init", o("i.ckpt"), false, []string{"init", "--model", "deepkenn", "-o", o("i.ckpt")}},
		{"embed", o("f.npy"), false, []string{"embed", "--model", in.model, "--images", in.images, "-o", o("f.npy")}},
		{"pairwise", o("d.npy"), false, []string{"pairwise", "--model", in.model, "--images", in.images, "-o", o("d.npy")}},
		{"pairwise rectangular", o("r.npy"), false, []string{"pairwise", "--model", in.model, "--images", in.images, "--against", in.images2, "--tile", "64", "-o", o("r.npy")}},
		{"knn", o("k.csv"), true, []string{"knn", "--model", in.model, "--index", in.images, "--query", in.images, "-o", o("k.csv")}},
		{"wassmap", o("c.csv"), true, []string{"wassmap", "--distances", in.npy, "-o", o("c.csv")}},
		{"plot weights", o("w.png"), true, []string{"plot", "weights", "--model", in.ckpt, "-o", o("w.png")}},
		{"plot pred", o("pp.png"), true, []string{"plot", "pred", "--model", in.model, "--images", in.images, "--pairs", in.trainPairs, "-o", o("pp.png")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.full {
				fill(t, dir)
			}
			defer func() {
				ents, _ := os.ReadDir(dir)
				for _, e := range ents {
					os.RemoveAll(filepath.Join(dir, e.Name()))
				}
			}()
			cmd := exec.Command(kennBin, tc.args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("want a failure, got %v; stderr: %s", err, stderr.String())
			}
			if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
				t.Fatalf("killed by %v (want an error and exit status): %s", ws.Signal(), stderr.String())
			}
			msg := stderr.String()
			if !strings.Contains(msg, "no space left on device") {
				t.Fatalf("exit %d without naming ENOSPC: %s", ee.ExitCode(), msg)
			}
			for _, bad := range []string{"panic", "fatal error", "SIGBUS", "goroutine "} {
				if strings.Contains(msg, bad) {
					t.Fatalf("stderr has %q: %s", bad, msg)
				}
			}
			if _, err := os.Stat(tc.out); err == nil {
				t.Fatalf("%s was written on a full disk", tc.out)
			}
			if l := leftovers(t, dir); len(l) > 0 {
				t.Fatalf("left on the file system: %v", l)
			}
		})
	}
}

// killRerun runs args (with -o out appended) once uninterrupted into
// refDir and once into dir killed with SIGKILL as soon as ready says so,
// then reruns it there; it returns the two output paths. The kill must
// land mid-run (the process must die of the signal with no output yet);
// attempts at later moments are tried until one does.
func killRerun(t *testing.T, args []string, name string, ready func(dir string) bool) (ref, out string) {
	t.Helper()
	refDir, dir := t.TempDir(), t.TempDir()
	ref, out = filepath.Join(refDir, name), filepath.Join(dir, name)
	if _, stderr, err := kenn(append(args, "-o", ref)...); err != nil {
		t.Fatalf("uninterrupted run: %v: %s", err, stderr)
	}
	killed := false
	for attempt := 0; attempt < 20 && !killed; attempt++ {
		for _, p := range []string{out, out + ".partial", out + ".train"} {
			os.Remove(p)
		}
		cmd := exec.Command(kennBin, append(args, "-o", out)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) && !ready(dir) {
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		_, err := os.Stat(out)
		killed = cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled() && err != nil
	}
	if !killed {
		t.Fatal("the job always finished before the kill: nothing was tested")
	}
	if _, stderr, err := kenn(append(args, "-o", out)...); err != nil {
		t.Fatalf("rerun after kill -9: %v: %s", err, stderr)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Fatalf("left after the rerun: %v", l)
	}
	return ref, out
}

func sameBytes(t *testing.T, a, b string) {
	t.Helper()
	x, err1 := os.ReadFile(a)
	y, err2 := os.ReadFile(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("%v %v", err1, err2)
	}
	if !bytes.Equal(x, y) {
		t.Fatalf("%s (%d bytes) differs from the uninterrupted %s (%d bytes)", b, len(y), a, len(x))
	}
}

func hasTemp(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if atomicfile.IsTemp(e.Name()) {
			return true
		}
	}
	return false
}

// kill -9 mid-run, then the same command again: the result equals an
// uninterrupted run's and nothing temporary is left.
func TestKillAndRerun(t *testing.T) {
	if os.Getenv("CI") == "" && testing.Short() {
		t.Skip("-short")
	}
	in := makeInputs(t)
	t.Run("pairs", func(t *testing.T) {
		ref, out := killRerun(t, []string{"pairs", "--images", mnist, "--all", "--first", "60", "--workers", "2"}, "all.pairs", func(dir string) bool {
			st, err := os.Stat(filepath.Join(dir, "all.pairs.partial"))
			return err == nil && st.Size() > 4000
		})
		sameBytes(t, ref, out)
	})
	t.Run("pairwise", func(t *testing.T) {
		ref, out := killRerun(t, []string{"pairwise", "--model", in.model, "--images", mnist, "--tile", "16"}, "d.npy", hasTemp)
		sameBytes(t, ref, out)
	})
	t.Run("export", func(t *testing.T) {
		ref, out := killRerun(t, []string{"export", in.ckpt}, "x.onnx", hasTemp)
		for _, s := range []string{".onnx", ".pairwise.onnx", ".pair.onnx"} {
			sameBytes(t, strings.TrimSuffix(ref, ".onnx")+s, strings.TrimSuffix(out, ".onnx")+s)
		}
	})
	t.Run("train", func(t *testing.T) {
		args := []string{"train", "--model", "deepkenn", "--pairs", in.trainPairs, "--val", in.valPairs, "--epochs", "4", "--patience", "10", "--batch", "8"}
		ref, out := killRerun(t, args, "m.ckpt", func(dir string) bool {
			_, err := os.Stat(filepath.Join(dir, "m.ckpt.train"))
			return err == nil
		})
		a, err := models.LoadCheckpoint(ref)
		if err != nil {
			t.Fatal(err)
		}
		b, err := models.LoadCheckpoint(out)
		if err != nil {
			t.Fatal(err)
		}
		// the weights are deterministic; the metrics hold timings
		if len(a.Tensors) != len(b.Tensors) {
			t.Fatalf("%d parameter tensors, uninterrupted %d", len(b.Tensors), len(a.Tensors))
		}
		for k, v := range a.Tensors {
			w, ok := b.Tensors[k]
			if !ok || len(w) != len(v) {
				t.Fatalf("parameter %s missing or resized", k)
			}
			for i := range v {
				if v[i] != w[i] {
					t.Fatalf("parameter %s[%d]: resumed %v, uninterrupted %v", k, i, w[i], v[i])
				}
			}
		}
		if _, err := os.Stat(out + ".train"); err == nil {
			t.Fatal("the training state is left after the finished run")
		}
	})
}
