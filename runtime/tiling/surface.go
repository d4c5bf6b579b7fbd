package tiling

import (
	"context"
	"fmt"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/runtime/segdist"
)

// Surface is a model's distance tiles, matrices and nearest neighbours as
// every backend computes them: with the native kernel (runtime/segdist)
// when the model has one, otherwise with the backend's own run of the
// pairwise graph (Graph). runtime.Model (onnxruntime) and onnxgo.Model
// (onnx-go) each keep one and forward their Pairwise, AllPairs, KNN,
// Matrix, Centre, MatrixAbout and PairwiseTile to it, so the two backends
// cannot drift apart: a new backend supplies Graph and gets the rest.
//
// Shapes: feature sets are rows of F float32 features (CheckFeatures);
// matrices are row-major float32, in the model's unit (W2 in pixels, or
// W2² in pixels² for dwe).
type Surface struct {
	// Prefix starts every error (the backend's package name); Path, the
	// model's file, follows it in errors about the rows given.
	Prefix, Path string
	F            int
	// Kernel computes the tiles; nil: Graph does.
	Kernel *segdist.Kernel
	// Graph writes the a.N×b.N distances between a's and b's rows into
	// out with the pairwise graph (rows checked, out long enough).
	Graph TileFunc
}

// Check refuses feature sets that are not rows of the model's F, naming
// the model.
func (s *Surface) Check(xs ...dataset.Features) error {
	for _, x := range xs {
		if err := CheckFeatures(x, s.F); err != nil {
			return fmt.Errorf("%s: %s: %w", s.Prefix, s.Path, err)
		}
	}
	return nil
}

// Tile writes into out (a.N×b.N, row-major) the distances between the
// rows of a and of b: with the kernel, centred on a's own mean row; with
// the graph, as the graph centres them. It is a TileFunc.
func (s *Surface) Tile(a, b dataset.Features, out []float32) error {
	if err := s.Check(a, b); err != nil {
		return err
	}
	if len(out) < a.N*b.N {
		return fmt.Errorf("%s: a %d×%d tile into %d values", s.Prefix, a.N, b.N, len(out))
	}
	if s.Kernel == nil {
		return s.Graph(a, b, out)
	}
	if err := s.Kernel.Tile(a, b, out); err != nil {
		return fmt.Errorf("%s: %w", s.Prefix, err)
	}
	return nil
}

// Pairwise returns the a.N×b.N matrix between the rows of a and of b, in
// memory, computed in tiles of opt.Tile×opt.Tile (0: DefaultTile).
func (s *Surface) Pairwise(ctx context.Context, a, b dataset.Features, opt TileOptions) ([]float32, error) {
	return s.matrix(ctx, a, b, false, opt)
}

// AllPairs returns the a.N×a.N all-pairs matrix of a: tiles on and above
// the diagonal are computed and mirrored, so the result is exactly
// symmetric, with a zero diagonal.
func (s *Surface) AllPairs(ctx context.Context, a dataset.Features, opt TileOptions) ([]float32, error) {
	return s.matrix(ctx, a, a, true, opt)
}

func (s *Surface) matrix(ctx context.Context, a, b dataset.Features, sym bool, opt TileOptions) ([]float32, error) {
	if err := s.Check(a, b); err != nil {
		return nil, err
	}
	tile, err := s.Matrix(a, b)
	if err != nil {
		return nil, err
	}
	d, err := PairwiseOf(ctx, Grid{Rows: a.N, Cols: b.N, Side: opt.Side(DefaultTile), Sym: sym}, tile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Prefix, err)
	}
	return d, nil
}

// KNN returns, for each row of query, its k nearest rows of index
// (nearest first; ties by lower index), streaming over tiles of
// opt.Tile×opt.Tile (0: DefaultTile) so that the query.N×index.N matrix
// is never held (KNNOf). k must be in [1, index.N]. With the kernel the
// tiles are centred on the mean row of the index, so a query's distances
// do not depend on the other queries.
func (s *Surface) KNN(ctx context.Context, index, query dataset.Features, k int, opt TileOptions) ([][]Neighbor, error) {
	if err := s.Check(index, query); err != nil {
		return nil, err
	}
	tile, err := s.MatrixAbout(query, index, s.Centre(index))
	if err != nil {
		return nil, err
	}
	nbs, err := KNNOf(ctx, Grid{Rows: query.N, Cols: index.N, Side: opt.Side(DefaultTile)}, k, tile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Prefix, err)
	}
	return nbs, nil
}

// Matrix is the MatrixFunc of the distances between the rows of a and of
// b, as Pairwise, AllPairs and the backends' NPY writers compute them:
// with the kernel a segdist Matrix centred on the mean row of the whole of
// a (Centre), each set's rows packed once for all the tiles; with the
// graph, Tile on the tiles' rows.
func (s *Surface) Matrix(a, b dataset.Features) (MatrixFunc, error) {
	return s.MatrixAbout(a, b, s.Centre(a))
}

// Centre is the centre the kernel takes a's matrices about: the mean of
// a's rows with finite values, weighted as the kernel folds the weights
// (segdist.Kernel.Centre); nil with the graph, for no rows, or for rows
// that are not the model's (MatrixAbout then refuses them).
func (s *Surface) Centre(a dataset.Features) []float32 {
	if s.Kernel == nil || a.N == 0 || s.Check(a) != nil {
		return nil
	}
	return s.Kernel.Centre(a)
}

// MatrixAbout is Matrix about the given centre (Centre of some set; nil:
// Centre(a)). With the kernel, a tile's values depend only on its rows and
// the centre: MatrixAbout(a.Rows(i, ni), b.Rows(j, nj), Centre(a)) gives
// tile (i, j) of Matrix(a, b) bit for bit on a machine running the same
// kernel (kenn-beam computes its tiles so). With the graph the centre is
// the graph's own (each run's rows of a) and centre is ignored.
func (s *Surface) MatrixAbout(a, b dataset.Features, centre []float32) (MatrixFunc, error) {
	if err := s.Check(a, b); err != nil {
		return nil, err
	}
	if s.Kernel == nil || (a.N == 0 && centre == nil) {
		return ByRows(a, b, s.Tile), nil
	}
	mx, err := s.Kernel.Matrix(a, b, centre)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Prefix, err)
	}
	return mx.Tile, nil
}
