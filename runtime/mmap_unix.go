//go:build unix

package runtime

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// mapFloats maps n float32 values of f starting at byte off (a multiple of
// 4) for writing. The file must already have its full size.
func mapFloats(f *os.File, off, n int64) ([]float32, func(), error) {
	if n == 0 || n > 1<<34 {
		return nil, nil, fmt.Errorf("runtime: %d values: not mapped", n)
	}
	size := off + 4*n
	mem, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|mapFlags)
	if err != nil {
		return nil, nil, err
	}
	data := unsafe.Slice((*float32)(unsafe.Pointer(&mem[off])), n)
	return data, func() { syscall.Munmap(mem) }, nil
}
