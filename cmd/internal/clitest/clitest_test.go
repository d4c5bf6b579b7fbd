package clitest

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// recorder is a testing.TB that records failures; Fatal ends its
// goroutine as testing.T's does.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true; runtime.Goexit() }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }

// CompareHelp passes a help equal to its golden file and fails one that
// differs, one whose golden file is missing, and a command that exits
// non-zero.
func TestCompareHelp(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(t.TempDir())
	os.MkdirAll(filepath.Join("testdata", "golden", "help"), 0o755)
	os.WriteFile(filepath.Join("testdata", "golden", "help", "a.txt"), []byte("Usage: x a\n"), 0o644)
	help := func(out string, err error) Run {
		return func(...string) (string, string, error) { return out, "", err }
	}
	for _, c := range []struct {
		name, golden string
		run          Run
		fail         bool
	}{
		{"equal", "a", help("Usage: x a\n", nil), false},
		{"differs", "a", help("Usage: x a --new\n", nil), true},
		{"no golden file", "b", help("Usage: x b\n", nil), true},
		{"exit 2", "a", help("Usage: x a\n", errors.New("exit status 2")), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				CompareHelp(r, "x", "./x/", c.golden, []string{c.golden, "-h"}, c.run)
			}()
			<-done
			if r.failed != c.fail {
				t.Fatalf("failed %v, want %v", r.failed, c.fail)
			}
		})
	}
}
