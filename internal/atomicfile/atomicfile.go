// Package atomicfile writes files so that readers never see a partial
// result: data goes to a temporary file in the destination's folder, which
// is synced and renamed over the destination only once complete.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is a pending file. Write to it, then Commit or Abort.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts writing path. The destination is untouched until Commit.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit flushes the file to disk and renames it over the destination.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s already closed", f.path)
	}
	f.done = true
	if err := f.Chmod(0o644); err != nil {
		f.File.Close()
		os.Remove(f.Name())
		return fmt.Errorf("%s: %w", f.path, err)
	}
	if err := f.Sync(); err != nil {
		f.File.Close()
		os.Remove(f.Name())
		return fmt.Errorf("%s: %w", f.path, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%s: %w", f.path, err)
	}
	if err := os.Rename(f.Name(), f.path); err != nil {
		os.Remove(f.Name())
		return err
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

// WriteFile writes path atomically with the bytes produced by fn.
func WriteFile(path string, fn func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fn(f); err != nil {
		return err
	}
	return f.Commit()
}
