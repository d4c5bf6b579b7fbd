package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// beamTools builds Beam's prism job server and Beam's Go SDK boot loader
// (the program Beam's worker containers run: it fetches the staged worker
// binary from the job server's artifact service and starts it with the
// boot protocol's flags) from the Beam module this module requires.
func beamTools(t *testing.T) (prism, boot string) {
	t.Helper()
	dir := t.TempDir()
	prism, boot = filepath.Join(dir, "prism"), filepath.Join(dir, "boot")
	for _, b := range [][2]string{{prism, "github.com/apache/beam/sdks/v2/go/cmd/prism"}, {boot, "github.com/apache/beam/sdks/v2/go/container"}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	return prism, boot
}

// lockedBuffer collects a child's output for the test's failure message.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startPrism runs prism as a separate job-server process on 127.0.0.1 in
// its own process group (so that the boot loaders and workers it starts
// are stopped with it) and waits for its job port.
func startPrism(t *testing.T, prism, dir string) (endpoint string, log *lockedBuffer) {
	t.Helper()
	port := freePort(t)
	log = &lockedBuffer{}
	cmd := exec.Command(prism, fmt.Sprintf("--job_port=%d", port), "--serve_http=false", "--log_level=warn")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	endpoint = fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", endpoint, time.Second); err == nil {
			c.Close()
			return endpoint, log
		}
		if time.Now().After(deadline) {
			t.Fatalf("prism did not open %s: %s", endpoint, log)
		}
	}
}

// removeWorkerCopies removes the copies of the worker binary that Beam's
// boot loader makes under /tmp/bin*/worker (a path it does not let one
// choose, nor removes) during this test.
func removeWorkerCopies(t *testing.T, since time.Time, size int64) {
	dirs, _ := filepath.Glob("/tmp/bin*")
	for _, d := range dirs {
		st, err := os.Stat(filepath.Join(d, "worker"))
		if err != nil || st.Size() != size || st.ModTime().Before(since) {
			continue
		}
		if ents, _ := os.ReadDir(d); len(ents) == 1 {
			os.RemoveAll(d)
		}
	}
}

// kenn-beam pairs --runner universal submits the job to a separate Beam job
// server (prism, on 127.0.0.1) through job submission and artifact
// staging: the kenn-beam binary is staged as the worker binary without any
// option naming it, Beam's boot loader fetches it and starts it with the
// boot protocol's flags (--worker=true --id … --logging_endpoint …
// --control_endpoint …), and the file written equals the local run's, byte
// for byte.
func TestRunnerUniversalJobServer(t *testing.T) {
	if goruntime.GOOS != "linux" || goruntime.GOARCH != "amd64" {
		t.Fatalf("the portable runner's worker binary defaults to this executable only on linux/amd64, not %s/%s", goruntime.GOOS, goruntime.GOARCH)
	}
	start := time.Now()
	prism, boot := beamTools(t)
	dir := t.TempDir()
	persist := filepath.Join(dir, "persist")
	os.Mkdir(persist, 0o755)
	// the PROCESS environment's command: Beam's boot loader, with its
	// semi-persistent folder (staged artifacts) in this test's folder
	wrapper := filepath.Join(dir, "boot.sh")
	// (prism's PROCESS environment quotes the worker id, --id='ID', which
	// the boot loader would pass on quoted to the provision service)
	script := fmt.Sprintf(`#!/bin/sh
for a; do
  shift
  case "$a" in --id=\'*\') a="--id=${a#--id=\'}"; a="${a%%\'}";; esac
  set -- "$@" "$a"
done
cd %q || exit 1
exec %q --semi_persist_dir=%q "$@"
`, persist, boot, persist)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	endpoint, log := startPrism(t, prism, persist)
	if st, err := os.Stat(kennBeamBin); err == nil {
		t.Cleanup(func() { removeWorkerCopies(t, start, st.Size()) })
	}
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	local, beam := filepath.Join(dir, "local.txt"), filepath.Join(dir, "beam.txt")
	sel := []string{"--n", "60", "--seed", "4"}
	if _, stderr, err := kenn(append([]string{"pairs", "--images", test, "-o", local}, sel...)...); err != nil {
		t.Fatal(stderr)
	}
	args := append([]string{"pairs", "--images", test, "-o", beam, "--runner", "universal", "--endpoint", endpoint, "--shard", "20",
		"--beam-opt", "environment_type=PROCESS", "--beam-opt", fmt.Sprintf(`environment_config={"command": %q}`, wrapper)}, sel...)
	_, stderr, err := kennBeam(args...)
	if err != nil {
		t.Fatalf("kenn-beam pairs --runner universal: %v\n%s\nprism:\n%s", err, stderr, log)
	}
	a, b := must(os.ReadFile(local)), must(os.ReadFile(beam))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("--runner universal wrote another file than the local run (%d vs %d bytes)\nprism:\n%s", len(b), len(a), log)
	}
	// the workers ran the staged kenn-beam binary, fetched into the persist folder
	staged, _ := filepath.Glob(filepath.Join(persist, "staged", "*"))
	if len(staged) == 0 {
		t.Errorf("nothing was staged into %s", persist)
	}
	if _, err := os.Stat(beam + ".shards"); err == nil {
		t.Error("shard folder left behind")
	}
	// the workers exit with the boot loaders prism stops after the job
	// (Beam's harness itself would wait forever)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		left := workersOf(persist)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("worker processes %v still run after the job", left)
			break
		}
	}
}

// workersOf lists the processes started with --semi_persist_dir=dir and
// --worker=true (this test's workers).
func workersOf(dir string) []string {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var out []string
	for _, p := range procs {
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(raw), "\x00")
		if slices.Contains(args, "--worker=true") && slices.Contains(args, "--semi_persist_dir="+dir) {
			out = append(out, filepath.Base(filepath.Dir(p)))
		}
	}
	return out
}

// An endpoint that is open but is no Beam job server (it accepts and says
// nothing, or it speaks HTTP) fails within the connect timeout with an
// error that says so, before any shard is planned.
func TestRunnerUniversalNotAJobServer(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") }))
	defer web.Close()
	dir := t.TempDir()
	for _, c := range []struct{ name, endpoint string }{
		{"silent TCP listener", silent.Addr().String()},
		{"HTTP server", strings.TrimPrefix(web.URL, "http://")},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "o.txt")
			began := time.Now()
			_, stderr, err := kennBeam("pairs", "--images", "../../testdata/mnist-test-images-idx3-ubyte", "--n", "5", "-o", out,
				"--runner", "universal", "--endpoint", c.endpoint, "--connect-timeout", "3s")
			took := time.Since(began)
			if err == nil {
				t.Fatal("kenn-beam pairs succeeded against a non-job-server")
			}
			if want := "does not answer as a Beam job server within 3s"; !strings.Contains(stderr, want) {
				t.Errorf("stderr %q, want %q", stderr, want)
			}
			if took > 20*time.Second {
				t.Errorf("took %v with a 3 s connect timeout", took)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, "o.*")); len(m) > 0 {
				t.Errorf("left %v", m)
			}
		})
	}
}
