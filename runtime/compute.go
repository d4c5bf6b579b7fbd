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
)

// CheckImages refuses images of another size than the model's, and
// images with no mass (they have no normalization).
func (m *Model) CheckImages(imgs *dataset.Images) error {
	if imgs.H != m.H || imgs.W != m.W {
		return fmt.Errorf("%s takes %dx%d images, %s has %dx%d", m.Path, m.H, m.W, imgs.Source, imgs.H, imgs.W)
	}
	return imgs.Check()
}

// Embed returns the features of every image, row-major [N, F], computed in
// batches of batch images (default 256).
func (m *Model) Embed(ctx context.Context, imgs *dataset.Images, batch int) ([]float32, error) {
	if err := m.CheckImages(imgs); err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = 256
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
	const batch = 256
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
// between the na rows of a and the nb rows of b (features [·, F]).
func (m *Model) PairwiseTile(a []float32, na int, b []float32, nb int, out []float32) error {
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
func npyHeader(rows, cols int) []byte {
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
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
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	hdr := npyHeader(na, nb)
	if _, err := f.Write(hdr); err != nil {
		return err
	}
	if err := f.Truncate(int64(len(hdr)) + 4*int64(na)*int64(nb)); err != nil {
		return err
	}
	base := int64(len(hdr))
	buf := make([]float32, tile*tile)
	// put writes an nr×nc block at (r0, c0) of the matrix; with transposed
	// set, vals holds it as nc×nc… row-major transposed (nc rows of nr).
	// The data region is memory-mapped when possible (no system call per
	// row); otherwise each row is one WriteAt. The .npy is little-endian,
	// like every platform onnxruntime_go supports.
	var put func(r0, nr, c0, nc int, vals []float32, transposed bool) error
	if data, unmap, err := mapFloats(f.File, base, int64(na)*int64(nb)); err == nil {
		defer unmap()
		put = func(r0, nr, c0, nc int, vals []float32, transposed bool) error {
			for r := 0; r < nr; r++ {
				row := data[(r0+r)*nb+c0 : (r0+r)*nb+c0+nc]
				if !transposed {
					copy(row, vals[r*nc:(r+1)*nc])
					continue
				}
				for c := range row {
					row[c] = vals[c*nr+r]
				}
			}
			return nil
		}
	} else {
		tr := make([]float32, tile*tile)
		put = func(r0, nr, c0, nc int, vals []float32, transposed bool) error {
			if transposed {
				t := tr[:nr*nc]
				for r := 0; r < nr; r++ {
					for c := 0; c < nc; c++ {
						t[r*nc+c] = vals[c*nr+r]
					}
				}
				vals = t
			}
			raw := unsafe.Slice((*byte)(unsafe.Pointer(&vals[0])), 4*nr*nc)
			for r := 0; r < nr; r++ {
				if _, err := f.WriteAt(raw[4*r*nc:4*(r+1)*nc], base+4*(int64(r0+r)*int64(nb)+int64(c0))); err != nil {
					return err
				}
			}
			return nil
		}
	}
	total, done := 0, 0
	for i := 0; i < na; i += tile {
		for j := 0; j < nb; j += tile {
			if !sym || j >= i {
				total++
			}
		}
	}
	for i := 0; i < na; i += tile {
		ni := min(tile, na-i)
		for j := 0; j < nb; j += tile {
			if sym && j < i {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			nj := min(tile, nb-j)
			vals := buf[:ni*nj]
			t0 := time.Now()
			if err := m.PairwiseTile(a[i*m.F:], ni, b[j*m.F:], nj, vals); err != nil {
				return fmt.Errorf("tile (%d, %d): %w", i, j, err)
			}
			if opt.Stats != nil {
				opt.Stats.ComputeSecs += time.Since(t0).Seconds()
				opt.Stats.Computed += int64(ni * nj)
			}
			if sym && i == j {
				for r := 0; r < ni; r++ { // exact symmetry and zero diagonal
					vals[r*nj+r] = 0
					for c := r + 1; c < nj; c++ {
						vals[c*nj+r] = vals[r*nj+c]
					}
				}
			}
			if err := put(i, ni, j, nj, vals, false); err != nil {
				return err
			}
			if sym && j > i { // the mirror block, rows j.., columns i..
				if err := put(j, nj, i, ni, vals, true); err != nil {
					return err
				}
			}
			done++
			if progress != nil {
				progress(done, total)
			}
		}
	}
	if err := f.Commit(); err != nil {
		return err
	}
	if opt.Stats != nil {
		opt.Stats.TotalSecs = time.Since(start).Seconds()
	}
	return nil
}

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
