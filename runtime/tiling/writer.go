package tiling

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"unsafe"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/npyfile"
)

// npyHeader returns a NumPy 1.0 header for a C-ordered float32 matrix.
func npyHeader(rows, cols int) []byte { return npyfile.Header("<f4", rows, cols) }

// Writer assembles tiles into a float32 .npy matrix, written atomically
// on Commit; with sym, each tile above the diagonal is also written
// mirrored. The file's full size is reserved when it is created
// (fallocate on Linux, so a full disk fails at once, before any tile is
// computed), and every row of a tile is one WriteAt: no memory mapping,
// so a full disk is an error, never a SIGBUS. The temporary file is
// removed on every error path (Abort). The .npy is little-endian, like
// every platform kenn's backends support.
type Writer struct {
	f          *atomicfile.File
	path       string
	rows, cols int
	sym        bool
	base       int64
	tr         []float32
}

// NewWriter creates the .npy of a rows×cols matrix at path (as a
// temporary file until Commit); with sym (an all-pairs matrix, rows ==
// cols), Put mirrors the tiles above the diagonal.
func NewWriter(path string, rows, cols int, sym bool) (*Writer, error) {
	if rows <= 0 || cols <= 0 || (sym && rows != cols) {
		return nil, fmt.Errorf("tiling: %s: a %d×%d matrix (symmetric %v) has no values", path, rows, cols, sym)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	hdr := npyHeader(rows, cols)
	if _, err := f.Write(hdr); err != nil {
		f.Abort()
		return nil, fmt.Errorf("tiling: %s: writing the .npy header: %w", path, err)
	}
	size := int64(len(hdr)) + 4*int64(rows)*int64(cols)
	if err := reserve(f.File, size); err != nil {
		f.Abort()
		return nil, fmt.Errorf("tiling: %s: reserving %d bytes for a %d×%d float32 matrix: %w", path, size, rows, cols, err)
	}
	return &Writer{f: f, path: path, rows: rows, cols: cols, sym: sym, base: int64(len(hdr))}, nil
}

// Put writes the tile t, whose t.NI×t.NJ values (row-major) are vals (and
// its mirror when sym and t.J > t.I).
func (w *Writer) Put(t Tile, vals []float32) error {
	if t.I < 0 || t.J < 0 || t.NI <= 0 || t.NJ <= 0 || t.I+t.NI > w.rows || t.J+t.NJ > w.cols || len(vals) < t.NI*t.NJ {
		return fmt.Errorf("tiling: %s: tile (%d, %d) of %d×%d with %d values does not fit a %d×%d matrix", w.path, t.I, t.J, t.NI, t.NJ, len(vals), w.rows, w.cols)
	}
	if err := w.put(t.I, t.NI, t.J, t.NJ, vals, false); err != nil {
		return err
	}
	if w.sym && t.J > t.I {
		return w.put(t.J, t.NJ, t.I, t.NI, vals, true)
	}
	return nil
}

// put writes an nr×nc block at (r0, c0); with transposed, vals holds it
// transposed (nc rows of nr).
func (w *Writer) put(r0, nr, c0, nc int, vals []float32, transposed bool) error {
	if transposed {
		if cap(w.tr) < nr*nc {
			w.tr = make([]float32, nr*nc)
		}
		t := w.tr[:nr*nc]
		for r := 0; r < nr; r++ {
			for c := 0; c < nc; c++ {
				t[r*nc+c] = vals[c*nr+r]
			}
		}
		vals = t
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&vals[0])), 4*nr*nc)
	for r := 0; r < nr; r++ {
		if _, err := w.f.WriteAt(raw[4*r*nc:4*(r+1)*nc], w.base+4*(int64(r0+r)*int64(w.cols)+int64(c0))); err != nil {
			return fmt.Errorf("tiling: %s: writing row %d: %w", w.path, r0+r, err)
		}
	}
	return nil
}

// Commit renames the finished file into place.
func (w *Writer) Commit() error { return w.f.Commit() }

// Abort removes the temporary file (a no-op after Commit).
func (w *Writer) Abort() { w.f.Abort() }

// WriteNPY writes a rows×cols row-major float32 matrix as .npy,
// atomically.
func WriteNPY(path string, rows, cols int, v []float32) error {
	if rows < 0 || cols < 0 || len(v) != rows*cols {
		return fmt.Errorf("tiling: %s: %d values for %d×%d", path, len(v), rows, cols)
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.Write(npyHeader(rows, cols))
		var b [4]byte
		for _, x := range v {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			bw.Write(b[:])
		}
		return bw.Flush()
	})
}

// WriteFeatures writes features as a .npy float32 [N, F], atomically.
func WriteFeatures(path string, x dataset.Features) error {
	if err := x.Check(); err != nil {
		return fmt.Errorf("tiling: %s: %w", path, err)
	}
	return WriteNPY(path, x.N, x.F, x.Data)
}

// WriteKNN writes neighbours as the CSV query,rank,index,COLUMN to w, as
// kenn knn does: one line per neighbour, rank from 1, the distance with 9
// significant digits; column names its unit (w2, pixels; w2sq, pixels²;
// or exact_w2 after re-ranking).
func WriteKNN(w io.Writer, column string, nbs [][]Neighbor) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "query,rank,index,"+column)
	for qi, list := range nbs {
		for r, nb := range list {
			fmt.Fprintf(bw, "%d,%d,%d,%.9g\n", qi, r+1, nb.Index, nb.Distance)
		}
	}
	return bw.Flush()
}
