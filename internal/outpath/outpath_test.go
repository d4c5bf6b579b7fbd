package outpath

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The helper process: locks $OUTPATH_HELPER, says so and waits.
func TestMain(m *testing.M) {
	if p := os.Getenv("OUTPATH_HELPER"); p != "" {
		l, err := Acquire(P("-o", p))
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		// Sleep, not select{}: a process whose only goroutine blocks
		// forever is killed by the runtime's deadlock check, which would
		// release the lock before the parent tries it. The lock stays
		// reachable so that no finalizer closes its file.
		time.Sleep(time.Hour)
		l.Release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.idx")
	os.WriteFile(in, []byte("input"), 0o644)
	hard := filepath.Join(dir, "hard.idx")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	sym := filepath.Join(dir, "sym.idx")
	if err := os.Symlink(in, sym); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	rel, err := filepath.Rel(mustGetwd(t), in)
	if err != nil {
		t.Fatal(err)
	}
	ins := []Path{P("--images", in), P("--pairs", "")}
	cases := []struct {
		name string
		outs []Path
		want string // "" for no error
	}{
		{"fine", []Path{P("-o", filepath.Join(dir, "out.csv"))}, ""},
		{"existing output is fine", []Path{P("-o", filepath.Join(dir, "hard2"))}, ""},
		{"empty output skipped", []Path{P("-o", "")}, ""},
		{"same path", []Path{P("-o", in)}, "is also the input --images"},
		{"relative path", []Path{P("-o", "./"+rel)}, "same file as the input --images"},
		{"hard link", []Path{P("-o", hard)}, "same file as the input --images"},
		{"symlink", []Path{P("-o", sym)}, "same file as the input --images"},
		{"derived name", []Path{P("-o", filepath.Join(dir, "m.onnx")), P("-o (sibling)", in)}, "-o (sibling) " + in + " is also the input"},
		{"folder", []Path{P("-o", sub)}, "is a folder"},
		{"missing folder", []Path{P("-o", filepath.Join(dir, "nope", "out.csv"))}, "does not exist"},
		{"file as folder", []Path{P("-o", filepath.Join(in, "out.csv"))}, "is not a folder"},
		{"two outputs the same", []Path{P("-o", filepath.Join(dir, "a.csv")), P("--plot", filepath.Join(dir, "a.csv"))}, "are the same file"},
	}
	os.WriteFile(filepath.Join(dir, "hard2"), []byte("old output"), 0o644)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.outs, ins)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(tc.want, "input") && !strings.Contains(err.Error(), in) {
				t.Fatalf("err %v does not name the input %s", err, in)
			}
		})
	}
	if b, _ := os.ReadFile(in); string(b) != "input" {
		t.Fatalf("the input changed: %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 5 {
		t.Fatalf("Check left files behind: %v", ents)
	}
}

// A folder without write permission is refused (not as root, who may
// write anywhere).
func TestCheckReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only folders; TestCheckReadOnlyMount covers the refusal as root")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	if err := Check([]Path{P("-o", filepath.Join(dir, "x"))}, nil); err == nil || !strings.Contains(err.Error(), "cannot create a file") {
		t.Fatalf("err %v", err)
	}
}

// A read-only mount is refused before any work. Needs root.
func TestCheckReadOnlyMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a read-only tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount -t tmpfs not permitted here: %v: %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	err := Check([]Path{P("-o", filepath.Join(dir, "x"))}, nil)
	if err == nil || !strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("err %v, want a read-only file system", err)
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// A second process on the same output is refused with the holder's pid;
// once the holder is killed (kill -9 leaves the lock file), the output
// can be locked again, and Release removes the lock file.
func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "D.npy")
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "OUTPATH_HELPER="+out)
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { c.Process.Kill(); c.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	_, err = Acquire(P("-o", out))
	if err == nil || !strings.Contains(err.Error(), "pid "+strconv.Itoa(c.Process.Pid)) {
		t.Fatalf("second lock: %v; want a refusal naming pid %d", err, c.Process.Pid)
	}
	if _, err := Prepare([]Path{P("-o", out)}, nil); err == nil {
		t.Fatal("Prepare locked an output held by another process")
	}
	c.Process.Signal(syscall.SIGKILL)
	c.Wait()
	if _, err := os.Stat(LockPath(out)); err != nil {
		t.Fatalf("lock file after kill -9: %v", err)
	}
	l, err := Acquire(P("-o", out))
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	l.Release()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left after Release: %v", ents)
	}
}

// Within one process, a second lock of the same output is refused too
// (flock locks open files, not processes).
func TestLockSameProcess(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.csv")
	l, err := Acquire(P("-o", out))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(P("-o", out)); err == nil || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	l.Release()
	l2, err := Acquire(P("-o", out))
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	l2.Release()
}

// Prepare removes the temporary files of killed runs of the same output,
// and only those.
func TestPrepareCleansStale(t *testing.T) {
	dir := t.TempDir()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(c.Process.Pid)
	stale := filepath.Join(dir, ".P.npy.kenn-tmp-"+dead+"-1")
	other := filepath.Join(dir, ".Q.npy.kenn-tmp-"+dead+"-1")
	for _, p := range []string{stale, other} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	g, err := Prepare([]Path{P("-o", filepath.Join(dir, "P.npy"))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Release()
	if _, err := os.Stat(stale); err == nil {
		t.Error("stale temporary file of P.npy kept")
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("temporary file of another output removed")
	}
}
