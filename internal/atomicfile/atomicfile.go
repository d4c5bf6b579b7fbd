// Package atomicfile writes files so that readers never see a partial
// result: data goes to a temporary file in the destination's folder, which
// is synced and renamed over the destination only once complete.
//
// The temporary file of NAME is .NAME.kenn-tmp-PID-RANDOM, PID being the
// writing process. A process killed with SIGKILL cannot remove it, so
// Create first removes the temporary files of NAME whose process is no
// longer alive (CleanStale): a rerun of the same job cleans up after the
// killed one, and files of running processes and any other file are left
// alone.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tmpTag separates the destination's name from the writer's pid.
const tmpTag = ".kenn-tmp-"

// tempPrefix is the start of every temporary file name of path.
func tempPrefix(path string) string { return "." + filepath.Base(path) + tmpTag }

// IsTemp reports whether name (a base name) is a temporary file of this
// package, of any destination.
func IsTemp(name string) bool {
	_, ok := tempPID(name)
	return ok
}

// tempPID returns the pid in a temporary file name .NAME.kenn-tmp-PID-….
func tempPID(name string) (int, bool) {
	if !strings.HasPrefix(name, ".") {
		return 0, false
	}
	k := strings.LastIndex(name, tmpTag)
	if k < 0 {
		return 0, false
	}
	rest := name[k+len(tmpTag):]
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// CleanStale removes the temporary files of path left by processes that
// are no longer running (killed mid-write), and returns their names.
// Temporary files of this process and of live processes are kept.
func CleanStale(path string) ([]string, error) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	var removed []string
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !e.Type().IsRegular() {
			continue
		}
		pid, ok := tempPID(name)
		if !ok || pid == os.Getpid() || alive(pid) {
			continue
		}
		p := filepath.Join(dir, name)
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("atomicfile: removing the stale %s: %w", p, err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}

// File is a pending file. Write to it, then Commit or Abort.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path. The destination is untouched until Commit.
// Stale temporary files of path (see CleanStale) are removed first.
func Create(path string) (*File, error) {
	if _, err := CleanStale(path); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), tempPrefix(path)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: creating a temporary file for %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Commit flushes the file to disk and renames it over the destination.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already closed", f.path)
	}
	f.done = true
	fail := func(what string, err error) error {
		f.File.Close()
		os.Remove(f.Name())
		return fmt.Errorf("atomicfile: %s %s: %w", what, f.path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail("chmod", err)
	}
	if err := f.Sync(); err != nil {
		return fail("syncing", err)
	}
	if err := f.File.Close(); err != nil {
		return fail("closing", err)
	}
	if err := os.Rename(f.Name(), f.path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("atomicfile: %w", err)
	}
	return nil
}

// Abort discards the pending file. It is safe to call after Commit (then it
// does nothing), so `defer f.Abort()` is the usual pattern.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
}

// WriteFile writes path atomically with the bytes produced by fn. A
// failed write (a full disk) is returned naming path; the temporary file
// is removed on every error.
func WriteFile(path string, fn func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fn(f); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Path == f.Name() {
			return fmt.Errorf("atomicfile: writing %s: %w", path, err)
		}
		return err
	}
	return f.Commit()
}
