package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The helper process: starts writing $ATOMICFILE_HELPER and waits to be
// killed.
func TestMain(m *testing.M) {
	if p := os.Getenv("ATOMICFILE_HELPER"); p != "" {
		f, err := Create(p)
		if err != nil {
			os.Exit(3)
		}
		f.Write(bytes.Repeat([]byte("x"), 1<<16))
		os.Stdout.WriteString(f.Name() + "\n")
		time.Sleep(time.Minute)
		os.Exit(4)
	}
	os.Exit(m.Run())
}

func deadPID(t *testing.T) int {
	t.Helper()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFileCommitAndError(t *testing.T) {
	cases := []struct {
		name    string
		fn      func(w io.Writer) error
		wantErr bool
		want    string
	}{
		{"ok", func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, false, "new"},
		{"callback error", func(w io.Writer) error { io.WriteString(w, "half"); return errors.New("boom") }, true, "old"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "out.txt")
			os.WriteFile(p, []byte("old"), 0o644)
			err := WriteFile(p, tc.fn)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if b, _ := os.ReadFile(p); string(b) != tc.want {
				t.Fatalf("destination holds %q, want %q", b, tc.want)
			}
			if n := names(t, dir); len(n) != 1 {
				t.Fatalf("folder holds %v, want only out.txt", n)
			}
		})
	}
}

func TestTempNames(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "m.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	base := filepath.Base(f.Name())
	if want := ".m.npy.kenn-tmp-" + strconv.Itoa(os.Getpid()) + "-"; !strings.HasPrefix(base, want) {
		t.Fatalf("temporary file %q does not start with %q", base, want)
	}
	if pid, ok := tempPID(base); !ok || pid != os.Getpid() {
		t.Fatalf("tempPID(%q) = %d, %v", base, pid, ok)
	}
	for _, n := range []string{"m.npy", ".m.npy.tmp123", ".m.npy.kenn-tmp-x-1", ".m.npy.kenn-tmp-12", "m.npy.kenn-tmp-12-3", ".m.npy.kenn-tmp--1-2"} {
		if IsTemp(n) {
			t.Errorf("IsTemp(%q) = true", n)
		}
	}
}

// CleanStale removes exactly the temporary files of the destination whose
// process is gone: not those of live processes, not this process's, not
// other destinations', not other files.
func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { live.Process.Kill(); live.Wait() }()
	dead := deadPID(t)
	stale := ".out.csv.kenn-tmp-" + strconv.Itoa(dead) + "-111"
	keep := []string{
		"out.csv",
		".out.csv.kenn-tmp-" + strconv.Itoa(live.Process.Pid) + "-222",
		".out.csv.kenn-tmp-" + strconv.Itoa(os.Getpid()) + "-333",
		".other.csv.kenn-tmp-" + strconv.Itoa(dead) + "-444",
		".out.csv.tmp555",
		"out.csv.kenn-tmp-" + strconv.Itoa(dead) + "-666",
	}
	for _, n := range append([]string{stale}, keep...) {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644)
	}
	removed, err := CleanStale(filepath.Join(dir, "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || filepath.Base(removed[0]) != stale {
		t.Fatalf("removed %v, want only %s", removed, stale)
	}
	got := strings.Join(names(t, dir), " ")
	for _, n := range keep {
		if !strings.Contains(got, n) {
			t.Errorf("%s was removed", n)
		}
	}
	if strings.Contains(got, stale) {
		t.Errorf("%s is still there", stale)
	}
}

// A writer killed with SIGKILL leaves its temporary file; the next
// writer of the same destination removes it.
func TestKilledWriterCleanedOnRestart(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "P.npy")
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "ATOMICFILE_HELPER="+p)
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 4096)
	n, _ := out.Read(line)
	tmp := strings.TrimSpace(string(line[:n]))
	if _, err := os.Stat(tmp); err != nil {
		c.Process.Kill()
		c.Wait()
		t.Fatalf("helper's temporary file: %v", err)
	}
	c.Process.Signal(syscall.SIGKILL)
	c.Wait()
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("the killed writer's temporary file should still be there: %v", err)
	}
	if err := WriteFile(p, func(w io.Writer) error { _, err := io.WriteString(w, "done"); return err }); err != nil {
		t.Fatal(err)
	}
	if n := names(t, dir); len(n) != 1 || n[0] != "P.npy" {
		t.Fatalf("after the rerun the folder holds %v, want only P.npy", n)
	}
}

// A full file system (a 256 KiB tmpfs) is an error wrapping ENOSPC and
// naming the destination, and no temporary file is left. Needs root.
func TestWriteFileFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (the fault suite runs as root in CI)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount -t tmpfs not permitted here: %v: %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	p := filepath.Join(dir, "big.bin")
	err := WriteFile(p, func(w io.Writer) error { _, err := w.Write(make([]byte, 1<<20)); return err })
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), p) {
		t.Fatalf("error %v: want ENOSPC naming %s", err, p)
	}
	if n := names(t, dir); len(n) != 0 {
		t.Fatalf("left on the file system: %v", n)
	}
}
