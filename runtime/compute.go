package runtime

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/npyfile"
)

// CheckImages refuses images of another size than the model's, and
// images with no mass (they have no normalization).
func (m *Model) CheckImages(imgs *dataset.Images) error {
	if imgs.H != m.H || imgs.W != m.W {
		return fmt.Errorf("%s takes %dx%d images, %s has %dx%d", m.Path, m.H, m.W, imgs.Source, imgs.H, imgs.W)
	}
	return imgs.Check()
}

// DefaultBatch is the number of images per onnxruntime call of Embed
// (batch 0) and Decode. Beam's matrix tiles are multiples of it, so that
// their batches, and so their values, are the local commands'.
const DefaultBatch = 256

// Embed returns the features of every image, row-major [N, F], computed in
// batches of batch images (0: DefaultBatch).
func (m *Model) Embed(ctx context.Context, imgs *dataset.Images, batch int) ([]float32, error) {
	if err := m.CheckImages(imgs); err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	hw := m.H * m.W
	out := make([]float32, imgs.N*m.F)
	for s := 0; s < imgs.N; s += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(batch, imgs.N-s)
		in, err := ort.NewTensor(ort.NewShape(int64(n), 1, int64(m.H), int64(m.W)), imgs.Pix[s*hw:(s+n)*hw])
		if err != nil {
			return nil, err
		}
		res, err := ort.NewTensor(ort.NewShape(int64(n), int64(m.F)), out[s*m.F:(s+n)*m.F])
		if err != nil {
			in.Destroy()
			return nil, err
		}
		err = m.embed.Run([]ort.Value{in}, []ort.Value{res})
		in.Destroy()
		res.Destroy()
		if err != nil {
			return nil, fmt.Errorf("embedding images %d–%d: %w", s, s+n-1, err)
		}
	}
	return out, nil
}

// Pairwise returns the na×nb matrix (row-major, the model's distances:
// kenn.target) between the rows of a and of b, in memory, computed in
// tiles of tile×tile (default 1024). With b nil it is the all-pairs matrix
// of a: tiles above the diagonal are computed and mirrored, so the result
// is exactly symmetric, with a zero diagonal.
func (m *Model) Pairwise(ctx context.Context, a []float32, na int, b []float32, nb int, tile int) ([]float32, error) {
	if tile <= 0 {
		tile = 1024
	}
	sym := b == nil
	if sym {
		b, nb = a, na
	}
	out := make([]float32, na*nb)
	buf := make([]float32, tile*tile)
	for i := 0; i < na; i += tile {
		ni := min(tile, na-i)
		j0 := 0
		if sym {
			j0 = i
		}
		for j := j0; j < nb; j += tile {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			nj := min(tile, nb-j)
			if err := m.PairwiseTile(a[i*m.F:], ni, b[j*m.F:], nj, buf[:ni*nj]); err != nil {
				return nil, fmt.Errorf("pairwise tile (%d, %d): %w", i, j, err)
			}
			for r := 0; r < ni; r++ {
				for c := 0; c < nj; c++ {
					v := buf[r*nj+c]
					out[(i+r)*nb+j+c] = v
					if sym {
						out[(j+c)*nb+i+r] = v
					}
				}
			}
		}
	}
	if sym {
		for i := 0; i < na; i++ {
			out[i*nb+i] = 0
		}
	}
	return out, nil
}

// HasDecoder reports whether the model came with a decoder
// (NAME.decoder.onnx, dwe).
func (m *Model) HasDecoder() bool { return m.decoder != nil }

// Decode maps n feature rows ([n, F], row-major) through the decoder to n
// images [n, H·W], each a probability distribution over the pixels.
func (m *Model) Decode(features []float32, n int) ([]float32, error) {
	if m.decoder == nil {
		return nil, fmt.Errorf("%s has no decoder (only dwe models export NAME.decoder.onnx)", m.Path)
	}
	if len(features) != n*m.F {
		return nil, fmt.Errorf("decode: %d values for %d rows of %d features", len(features), n, m.F)
	}
	hw := m.H * m.W
	out := make([]float32, n*hw)
	const batch = DefaultBatch
	for s := 0; s < n; s += batch {
		k := min(batch, n-s)
		in, err := ort.NewTensor(ort.NewShape(int64(k), int64(m.F)), features[s*m.F:(s+k)*m.F])
		if err != nil {
			return nil, err
		}
		res, err := ort.NewTensor(ort.NewShape(int64(k), 1, int64(m.H), int64(m.W)), out[s*hw:(s+k)*hw])
		if err != nil {
			in.Destroy()
			return nil, err
		}
		err = m.decoder.Run([]ort.Value{in}, []ort.Value{res})
		in.Destroy()
		res.Destroy()
		if err != nil {
			return nil, fmt.Errorf("decoding rows %d–%d: %w", s, s+k-1, err)
		}
	}
	return out, nil
}

// PairwiseTile writes into out (na×nb, row-major) the model distances
// between the na rows of a and the nb rows of b (features [·, F]). It
// runs the pairwise graph on blocks of rows of at most pairwiseBlock
// distances each (a block of out is contiguous, so nothing is copied).
func (m *Model) PairwiseTile(a []float32, na int, b []float32, nb int, out []float32) error {
	rows := max(1, pairwiseBlock/max(nb, 1))
	for r := 0; r < na; r += rows {
		k := min(rows, na-r)
		if err := m.pairwiseRun(a[r*m.F:], k, b, nb, out[r*nb:]); err != nil {
			return err
		}
	}
	return nil
}

// pairwiseBlock is the most distances one run of the pairwise graph
// computes. The graph sweeps an N×M matrix three times per segment (its
// fused Gemm, Sqrt and running total); at 2¹⁸ distances (1 MB a matrix,
// half of it per core on 2 threads) those stay in the cores' 2 MB L2
// caches, where a 1024² tile (4 MB a matrix) spills to L3.
const pairwiseBlock = 1 << 18

// pairwiseRun is one run of the pairwise graph.
func (m *Model) pairwiseRun(a []float32, na int, b []float32, nb int, out []float32) error {
	ta, err := ort.NewTensor(ort.NewShape(int64(na), int64(m.F)), a[:na*m.F])
	if err != nil {
		return err
	}
	defer ta.Destroy()
	tb, err := ort.NewTensor(ort.NewShape(int64(nb), int64(m.F)), b[:nb*m.F])
	if err != nil {
		return err
	}
	defer tb.Destroy()
	to, err := ort.NewTensor(ort.NewShape(int64(na), int64(nb)), out[:na*nb])
	if err != nil {
		return err
	}
	defer to.Destroy()
	return m.pairwis.Run([]ort.Value{ta, tb}, []ort.Value{to})
}

// npyHeader returns a NumPy 1.0 header for a C-ordered float32 matrix.
func npyHeader(rows, cols int) []byte { return npyfile.Header("<f4", rows, cols) }

// PairwiseOptions configures PairwiseNPY. Zero values take the defaults.
type PairwiseOptions struct {
	Tile     int                   // tile side, default 1024
	Progress func(done, total int) // called after each tile
	// Stats, if set, receives the time spent in onnxruntime (the
	// distances themselves) apart from the time spent writing.
	Stats *PairwiseStats
}

// PairwiseStats splits the time of a PairwiseNPY call.
type PairwiseStats struct {
	Computed    int64   // distances computed (one triangle for all-pairs)
	ComputeSecs float64 // in onnxruntime
	TotalSecs   float64 // compute, mirroring and writing
}

// PairwiseNPY computes the na×nb matrix between a and b in tiles of
// tile×tile (default 1024) and writes it atomically to path as .npy
// float32. With b nil, it is the all-pairs matrix of a: only tiles on or
// above the diagonal are computed, and each is written twice (mirrored).
// Memory is O(tile·(tile+F)), independent of na and nb.
func (m *Model) PairwiseNPY(ctx context.Context, a []float32, na int, b []float32, nb int, path string, opt PairwiseOptions) error {
	start := time.Now()
	tile, progress := opt.Tile, opt.Progress
	sym := b == nil
	if sym {
		b, nb = a, na
	}
	if tile <= 0 {
		tile = 1024
	}
	w, err := NewTileWriter(path, na, nb, sym)
	if err != nil {
		return err
	}
	defer w.Abort()
	buf := make([]float32, tile*tile)
	grid := TileGrid(na, nb, tile, sym)
	for done, t := range grid {
		if err := ctx.Err(); err != nil {
			return err
		}
		i, j := t[0], t[1]
		ni, nj := min(tile, na-i), min(tile, nb-j)
		vals := buf[:ni*nj]
		t0 := time.Now()
		if err := m.Tile(a, na, b, nb, i, j, tile, sym, vals); err != nil {
			return err
		}
		if opt.Stats != nil {
			opt.Stats.ComputeSecs += time.Since(t0).Seconds()
			opt.Stats.Computed += int64(ni * nj)
		}
		if err := w.Put(i, j, ni, nj, vals); err != nil {
			return err
		}
		if progress != nil {
			progress(done+1, len(grid))
		}
	}
	if err := w.Commit(); err != nil {
		return err
	}
	if opt.Stats != nil {
		opt.Stats.TotalSecs = time.Since(start).Seconds()
	}
	return nil
}

// TileGrid lists the tiles of an na×nb matrix as (first row, first
// column), row-major; with sym (an all-pairs matrix, na = nb), only tiles
// on or above the diagonal.
func TileGrid(na, nb, tile int, sym bool) [][2]int {
	var out [][2]int
	for i := 0; i < na; i += tile {
		for j := 0; j < nb; j += tile {
			if !sym || j >= i {
				out = append(out, [2]int{i, j})
			}
		}
	}
	return out
}

// Tile computes the tile at (i, j) of the matrix between the rows of a and
// of b into out (ni×nj, row-major); with sym and i == j, the tile is made
// exactly symmetric with a zero diagonal, as PairwiseNPY writes it.
func (m *Model) Tile(a []float32, na int, b []float32, nb int, i, j, tile int, sym bool, out []float32) error {
	ni, nj := min(tile, na-i), min(tile, nb-j)
	if err := m.PairwiseTile(a[i*m.F:], ni, b[j*m.F:], nj, out[:ni*nj]); err != nil {
		return fmt.Errorf("tile (%d, %d): %w", i, j, err)
	}
	if sym && i == j {
		for r := 0; r < ni; r++ {
			out[r*nj+r] = 0
			for c := r + 1; c < nj; c++ {
				out[c*nj+r] = out[r*nj+c]
			}
		}
	}
	return nil
}

// TileWriter assembles tiles into a float32 .npy matrix, written
// atomically on Commit; with sym, each tile above the diagonal is also
// written mirrored. The file's full size is reserved when it is created
// (fallocate on Linux, so a full disk fails at once, before any tile is
// computed), and every row of a tile is one WriteAt: no memory mapping,
// so a full disk is an error, never a SIGBUS. The temporary file is
// removed on every error path (Abort). The .npy is little-endian, like
// every platform onnxruntime_go supports.
type TileWriter struct {
	f      *atomicfile.File
	path   string
	na, nb int
	sym    bool
	base   int64
	tr     []float32
}

// NewTileWriter creates the .npy at path (as a temporary file until Commit).
func NewTileWriter(path string, na, nb int, sym bool) (*TileWriter, error) {
	if na <= 0 || nb <= 0 {
		return nil, fmt.Errorf("runtime: %s: a %d×%d matrix has no values", path, na, nb)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	hdr := npyHeader(na, nb)
	if _, err := f.Write(hdr); err != nil {
		f.Abort()
		return nil, fmt.Errorf("runtime: %s: writing the .npy header: %w", path, err)
	}
	size := int64(len(hdr)) + 4*int64(na)*int64(nb)
	if err := reserve(f.File, size); err != nil {
		f.Abort()
		return nil, fmt.Errorf("runtime: %s: reserving %d bytes for a %d×%d float32 matrix: %w", path, size, na, nb, err)
	}
	return &TileWriter{f: f, path: path, na: na, nb: nb, sym: sym, base: int64(len(hdr))}, nil
}

// Put writes the ni×nj tile at (i, j) (and its mirror when sym and j > i).
func (w *TileWriter) Put(i, j, ni, nj int, vals []float32) error {
	if i < 0 || j < 0 || ni <= 0 || nj <= 0 || i+ni > w.na || j+nj > w.nb || len(vals) < ni*nj {
		return fmt.Errorf("runtime: %s: tile (%d, %d) of %d×%d with %d values does not fit a %d×%d matrix", w.path, i, j, ni, nj, len(vals), w.na, w.nb)
	}
	if err := w.put(i, ni, j, nj, vals, false); err != nil {
		return err
	}
	if w.sym && j > i {
		return w.put(j, nj, i, ni, vals, true)
	}
	return nil
}

// put writes an nr×nc block at (r0, c0); with transposed, vals holds it
// transposed (nc rows of nr).
func (w *TileWriter) put(r0, nr, c0, nc int, vals []float32, transposed bool) error {
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
		if _, err := w.f.WriteAt(raw[4*r*nc:4*(r+1)*nc], w.base+4*(int64(r0+r)*int64(w.nb)+int64(c0))); err != nil {
			return fmt.Errorf("runtime: %s: writing row %d: %w", w.path, r0+r, err)
		}
	}
	return nil
}

// Commit renames the finished file into place.
func (w *TileWriter) Commit() error { return w.f.Commit() }

// Abort removes the temporary file (a no-op after Commit).
func (w *TileWriter) Abort() { w.f.Abort() }

// WriteNPY writes a row-major float32 matrix as .npy, atomically.
func WriteNPY(path string, rows, cols int, v []float32) error {
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
