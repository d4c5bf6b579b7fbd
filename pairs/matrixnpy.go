package pairs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/npyfile"
)

// WriteMatrixNPY writes v, an n×m row-major matrix, as a NumPy .npy file
// of float64 ('<f8', C order), atomically: the exact values keep every
// digit the solver computed.
func WriteMatrixNPY(path string, n, m int, v []float64) error {
	if len(v) != n*m {
		return fmt.Errorf("pairs: %d values for a %d×%d matrix", len(v), n, m)
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.Write(npyfile.Header("<f8", n, m))
		var h [8]byte
		for _, x := range v {
			binary.LittleEndian.PutUint64(h[:], math.Float64bits(x))
			bw.Write(h[:])
		}
		return bw.Flush()
	})
}
