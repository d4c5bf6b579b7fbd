package runtime

import (
	"context"
	"fmt"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// CheckImages refuses images of another size than the model's, and
// images with no mass (they have no normalization) or a mass float32
// cannot normalize (dataset.Images.CheckModelMass).
func (m *Model) CheckImages(imgs *dataset.Images) error {
	if imgs.H != m.H || imgs.W != m.W {
		return fmt.Errorf("%s takes %dx%d images, %s has %dx%d", m.Path, m.H, m.W, imgs.Source, imgs.H, imgs.W)
	}
	if err := imgs.Check(); err != nil {
		return err
	}
	return imgs.CheckModelMass()
}

// Embed returns the features of every image, [imgs.N, m.F], computed in
// batches of opt.Batch images (0: tiling.DefaultBatch).
func (m *Model) Embed(ctx context.Context, imgs *dataset.Images, opt tiling.EmbedOptions) (dataset.Features, error) {
	if err := m.CheckImages(imgs); err != nil {
		return dataset.Features{}, err
	}
	batch := opt.BatchSize()
	hw := m.H * m.W
	out := make([]float32, imgs.N*m.F)
	for s := 0; s < imgs.N; s += batch {
		if err := ctx.Err(); err != nil {
			return dataset.Features{}, err
		}
		n := min(batch, imgs.N-s)
		in, err := ort.NewTensor(ort.NewShape(int64(n), 1, int64(m.H), int64(m.W)), imgs.Pix[s*hw:(s+n)*hw])
		if err != nil {
			return dataset.Features{}, err
		}
		res, err := ort.NewTensor(ort.NewShape(int64(n), int64(m.F)), out[s*m.F:(s+n)*m.F])
		if err != nil {
			in.Destroy()
			return dataset.Features{}, err
		}
		err = m.embed.Run([]ort.Value{in}, []ort.Value{res})
		in.Destroy()
		res.Destroy()
		if err != nil {
			return dataset.Features{}, fmt.Errorf("runtime: embedding images %d–%d: %w", s, s+n-1, err)
		}
	}
	return dataset.Features{Data: out, N: imgs.N, F: m.F}, nil
}

// checkFeatures refuses features that are not rows of the model's F.
func (m *Model) checkFeatures(xs ...dataset.Features) error { return m.surf.Check(xs...) }

// Pairwise returns the a.N×b.N matrix (row-major, the model's distances:
// kenn.target) between the rows of a and of b, in memory, computed in
// tiles of opt.Tile×opt.Tile (0: tiling.DefaultTile).
func (m *Model) Pairwise(ctx context.Context, a, b dataset.Features, opt tiling.TileOptions) ([]float32, error) {
	return m.surf.Pairwise(ctx, a, b, opt)
}

// AllPairs returns the a.N×a.N all-pairs matrix of a, in memory: tiles
// on and above the diagonal are computed and mirrored, so the result is
// exactly symmetric, with a zero diagonal.
func (m *Model) AllPairs(ctx context.Context, a dataset.Features, opt tiling.TileOptions) ([]float32, error) {
	return m.surf.AllPairs(ctx, a, opt)
}

// Matrix is the tiling.MatrixFunc of the distances between the rows of a
// and of b, as Pairwise, AllPairs and PairwiseNPY compute them
// (tiling.Surface.Matrix): with the native kernel (PairwiseKernel) centred
// on the mean row of the whole of a (Centre), with the graph PairwiseTile
// on the tiles' rows.
func (m *Model) Matrix(a, b dataset.Features) (tiling.MatrixFunc, error) { return m.surf.Matrix(a, b) }

// Centre is the centre the native kernel takes a's matrices about
// (tiling.Surface.Centre); nil with the graph.
func (m *Model) Centre(a dataset.Features) []float32 { return m.surf.Centre(a) }

// MatrixAbout is Matrix about the given centre (Centre of some set; nil:
// Centre(a)): with the native kernel, MatrixAbout(a.Rows(i, ni),
// b.Rows(j, nj), Centre(a)) gives tile (i, j) of Matrix(a, b) bit for bit
// (tiling.Surface.MatrixAbout; kenn-beam computes its tiles so).
func (m *Model) MatrixAbout(a, b dataset.Features, centre []float32) (tiling.MatrixFunc, error) {
	return m.surf.MatrixAbout(a, b, centre)
}

// HasDecoder reports whether the model came with a decoder
// (NAME.decoder.onnx, dwe).
func (m *Model) HasDecoder() bool { return m.decoder != nil }

// Decode maps feature rows ([f.N, m.F]) through the decoder to f.N images
// [f.N, H·W], row-major, each a probability distribution over the pixels,
// in batches of tiling.DefaultBatch rows.
func (m *Model) Decode(f dataset.Features) ([]float32, error) {
	if m.decoder == nil {
		return nil, fmt.Errorf("%s has no decoder (only dwe models export NAME.decoder.onnx)", m.Path)
	}
	if err := tiling.CheckFeatures(f, m.F); err != nil {
		return nil, fmt.Errorf("runtime: decode: %w", err)
	}
	features, n := f.Data, f.N
	hw := m.H * m.W
	out := make([]float32, n*hw)
	const batch = tiling.DefaultBatch
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

// PairwiseTile writes into out (a.N×b.N, row-major) the model distances
// between the rows of a and the rows of b: with runtime/segdist's kernel
// (Options.Pairwise, PairwiseKernel), or else the pairwise graph on blocks
// of rows of at most pairwiseBlock distances each (a block of out is
// contiguous, so nothing is copied). The kernel centres each call on its
// own a's mean row; the matrices and kNN take their tiles from Matrix
// instead, centred on the whole set (the graph path is the same in both).
func (m *Model) PairwiseTile(a, b dataset.Features, out []float32) error {
	return m.surf.Tile(a, b, out)
}

// graphTile is PairwiseTile with the graph (the Surface's Graph): in runs
// of at most pairwiseBlock distances.
func (m *Model) graphTile(a, b dataset.Features, out []float32) error {
	na, nb := a.N, b.N
	rows := max(1, pairwiseBlock/max(nb, 1))
	for r := 0; r < na; r += rows {
		k := min(rows, na-r)
		if err := m.pairwiseRun(a.Data[r*m.F:], k, b.Data, nb, out[r*nb:]); err != nil {
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

// PairwiseOptions configures PairwiseNPY and AllPairsNPY. Zero values
// take the defaults.
type PairwiseOptions struct {
	Tile     int                   // tile side in rows, default tiling.DefaultTile
	Progress func(done, total int) // called after each tile
	// Stats, if set, receives the time spent computing the distances
	// (onnxruntime, or runtime/segdist) apart from the time spent writing.
	Stats *PairwiseStats
}

// PairwiseStats splits the time of a PairwiseNPY call.
type PairwiseStats struct {
	Computed    int64   // distances computed (one triangle for all-pairs)
	ComputeSecs float64 // computing tiles (Model.PairwiseKernel)
	TotalSecs   float64 // compute, mirroring and writing
}

// PairwiseNPY computes the a.N×b.N matrix between the rows of a and of b
// in tiles of opt.Tile×opt.Tile (default tiling.DefaultTile) and writes it
// atomically to path as .npy float32 (tiling.Writer). Memory is
// O(tile·(tile+F)) besides the features, and with the native kernel the
// packed rows of b (about 4·(F + segments + 1) bytes a row) up to
// segdist.DefaultCache bytes.
func (m *Model) PairwiseNPY(ctx context.Context, a, b dataset.Features, path string, opt PairwiseOptions) error {
	return m.pairwiseNPY(ctx, a, b, false, path, opt)
}

// AllPairsNPY is PairwiseNPY of the all-pairs matrix of a: only tiles on
// or above the diagonal are computed, and each is written twice
// (mirrored), so the file is exactly symmetric with a zero diagonal.
func (m *Model) AllPairsNPY(ctx context.Context, a dataset.Features, path string, opt PairwiseOptions) error {
	return m.pairwiseNPY(ctx, a, a, true, path, opt)
}

func (m *Model) pairwiseNPY(ctx context.Context, a, b dataset.Features, sym bool, path string, opt PairwiseOptions) error {
	start := time.Now()
	if err := m.checkFeatures(a, b); err != nil {
		return err
	}
	grid := tiling.Grid{Rows: a.N, Cols: b.N, Side: tiling.TileOptions{Tile: opt.Tile}.Side(tiling.DefaultTile), Sym: sym}
	w, err := tiling.NewWriter(path, a.N, b.N, sym)
	if err != nil {
		return err
	}
	defer w.Abort()
	tile, err := m.Matrix(a, b)
	if err != nil {
		return err
	}
	buf := make([]float32, grid.TileLen())
	tiles := grid.Tiles()
	for done, t := range tiles {
		if err := ctx.Err(); err != nil {
			return err
		}
		vals := buf[:t.NI*t.NJ]
		t0 := time.Now()
		if err := tile(t.I, t.NI, t.J, t.NJ, vals); err != nil {
			return fmt.Errorf("runtime: tile (%d, %d): %w", t.I, t.J, err)
		}
		if grid.Diagonal(t) {
			tiling.Symmetrize(vals, t.NI)
		}
		if opt.Stats != nil {
			opt.Stats.ComputeSecs += time.Since(t0).Seconds()
			opt.Stats.Computed += int64(t.NI * t.NJ)
		}
		if err := w.Put(t, vals); err != nil {
			return err
		}
		if opt.Progress != nil {
			opt.Progress(done+1, len(tiles))
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

// Screen places imgs against the model's training domain (Domain): ok is
// false when the model records none. Images must be of the model's size
// (CheckImages).
func (m *Model) Screen(imgs *dataset.Images) (r models.Screening, ok bool) {
	return tiling.Screen(m.Domain, imgs)
}
