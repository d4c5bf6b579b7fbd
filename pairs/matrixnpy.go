package pairs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// WriteMatrixNPY writes v, an n×m row-major matrix, as a NumPy .npy file
// of float64 ('<f8', C order), atomically: the exact values keep every
// digit the solver computed.
func WriteMatrixNPY(path string, n, m int, v []float64) error {
	if len(v) != n*m {
		return fmt.Errorf("pairs: %d values for a %d×%d matrix", len(v), n, m)
	}
	dict := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", n, m)
	pad := (64 - (10+len(dict)+1)%64) % 64
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString("\x93NUMPY\x01\x00")
		var h [8]byte
		binary.LittleEndian.PutUint16(h[:2], uint16(len(dict)+pad+1))
		bw.Write(h[:2])
		bw.WriteString(dict)
		for i := 0; i < pad; i++ {
			bw.WriteByte(' ')
		}
		bw.WriteByte('\n')
		for _, x := range v {
			binary.LittleEndian.PutUint64(h[:], math.Float64bits(x))
			bw.Write(h[:])
		}
		return bw.Flush()
	})
}
