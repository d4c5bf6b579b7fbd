//go:build !linux

package tiling

import "os"

// reserve extends f to its full size (sparse); writes report a full disk.
func reserve(f *os.File, size int64) error { return f.Truncate(size) }
