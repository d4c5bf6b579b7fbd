// Package npyfile writes the NumPy 1.0 header of a C-ordered 2-D array, the
// one header every .npy matrix of kenn starts with (runtime, its onnx-go
// twin and pairs). It imports only the standard library, so the pure-Go
// binary may use it.
package npyfile

import (
	"encoding/binary"
	"fmt"
)

// Header returns the header of a rows×cols C-ordered array of dtype descr
// ("<f4", "<f8"), padded with spaces so that the data starts at a multiple
// of 64 bytes.
func Header(descr string, rows, cols int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }", descr, rows, cols)
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	h := make([]byte, 0, total+pad)
	h = append(h, "\x93NUMPY\x01\x00"...)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)+pad+1))
	h = append(h, dict...)
	for i := 0; i < pad; i++ {
		h = append(h, ' ')
	}
	return append(h, '\n')
}
