//go:build linux

package tiling

import (
	"errors"
	"os"
	"syscall"
)

// reserve gives f its full size with its blocks allocated, so that a full
// disk is reported here rather than by a later write. Where the file
// system cannot preallocate, the file is only extended (sparse); writes
// then report a full disk themselves.
func reserve(f *os.File, size int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
		if err == nil {
			return nil
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) {
			return f.Truncate(size)
		}
		return &os.PathError{Op: "fallocate", Path: f.Name(), Err: err}
	}
}
