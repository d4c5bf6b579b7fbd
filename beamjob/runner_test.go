package beamjob

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Runner.Check refuses, before any pipeline, what a portable runner
// cannot use: no endpoint, a closed port, an open port that is no job
// server (within ConnectTimeout), a worker binary that is no executable
// file, a bad timeout, an unknown name.
func TestRunnerCheck(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("x"), 0o644)
	for _, c := range []struct {
		name string
		r    Runner
		want string
	}{
		{"no endpoint", Runner{Name: "universal"}, "--endpoint host:port"},
		{"closed port", Runner{Name: "flink", Endpoint: "127.0.0.1:1"}, "job server 127.0.0.1:1 is unreachable"},
		{"silent port", Runner{Name: "universal", Endpoint: silent.Addr().String(), ConnectTimeout: time.Second}, "does not answer as a Beam job server within 1s"},
		{"missing worker binary", Runner{Name: "spark", Endpoint: silent.Addr().String(), WorkerBinary: filepath.Join(dir, "none")}, "no such file"},
		{"worker binary not executable", Runner{Name: "universal", Endpoint: silent.Addr().String(), WorkerBinary: plain}, "is not an executable file"},
		{"worker binary a folder", Runner{Name: "universal", Endpoint: silent.Addr().String(), Options: map[string]string{"worker_binary": dir}}, "is not an executable file"},
		{"negative timeout", Runner{Name: "universal", Endpoint: silent.Addr().String(), ConnectTimeout: -time.Second}, "want a positive duration"},
		{"unknown", Runner{Name: "nosuch"}, `unknown runner "nosuch"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			began := time.Now()
			err := c.r.Check()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v, want an error with %q", err, c.want)
			}
			if d := time.Since(began); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	// the default worker binary is this executable (linux/amd64 here)
	bin, err := (Runner{Name: "universal"}).workerBinary()
	exe, _ := os.Executable()
	if err != nil || bin != exe {
		t.Errorf("default worker binary %q, %v; want %q", bin, err, exe)
	}
	if bin, err := (Runner{Name: "universal", Options: map[string]string{"environment_type": "LOOPBACK"}}).workerBinary(); err != nil || bin != "" {
		t.Errorf("LOOPBACK: worker binary %q, %v; want none", bin, err)
	}
}
