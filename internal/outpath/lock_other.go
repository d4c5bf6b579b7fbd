//go:build !unix

package outpath

import (
	"path/filepath"
)

// Lock is a no-op where flock(2) is not available.
type Lock struct{}

// LockPath is the lock file of an output path.
func LockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// Acquire does not lock on this platform.
func Acquire(o Path) (*Lock, error) { return &Lock{}, nil }

// Release does nothing.
func (l *Lock) Release() {}
