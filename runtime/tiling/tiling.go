package tiling

import (
	"container/heap"
	"context"
	"fmt"
	"sort"

	"github.com/kenn-ot/kenn/dataset"
)

// DefaultBatch is the number of images per run of a backend's embedding
// graph (and feature rows per run of its decoder) when EmbedOptions.Batch
// is 0. Beam's matrix tiles are multiples of it, so that their batches,
// and so their values, are the local commands'.
const DefaultBatch = 256

// DefaultTile is the tile side (rows) of package runtime's pairwise
// matrices and kNN searches when TileOptions.Tile is 0 (package
// runtime/onnxgo has its own, smaller, default).
const DefaultTile = 1024

// EmbedOptions configures a backend's Embed. The zero value takes the
// defaults.
type EmbedOptions struct {
	Batch int // images per graph run; 0: DefaultBatch
}

// BatchSize is o.Batch, or DefaultBatch when it is not positive.
func (o EmbedOptions) BatchSize() int {
	if o.Batch <= 0 {
		return DefaultBatch
	}
	return o.Batch
}

// TileOptions configures a backend's Pairwise, AllPairs and KNN. The zero
// value takes the defaults.
type TileOptions struct {
	Tile int // tile side in rows; 0: the backend's default (runtime: DefaultTile)
}

// Side is o.Tile, or def when it is not positive.
func (o TileOptions) Side(def int) int {
	if o.Tile <= 0 {
		return def
	}
	return o.Tile
}

// CheckFeatures refuses features whose shape does not match their data,
// or whose rows are not of f values (the model's feature count).
func CheckFeatures(x dataset.Features, f int) error {
	if err := x.Check(); err != nil {
		return fmt.Errorf("tiling: %w", err)
	}
	if x.F != f {
		return fmt.Errorf("tiling: features of %d values a row, the model's have %d", x.F, f)
	}
	return nil
}

// Grid is the tiling of a Rows×Cols matrix into tiles of Side×Side (less
// at the right and bottom edges).
type Grid struct {
	Rows, Cols int
	Side       int
	// Sym marks an all-pairs matrix of one collection (Rows == Cols): only
	// the tiles on or above the diagonal are listed, the others being
	// their mirror.
	Sym bool
}

// Tile is one tile of a Grid: NI rows from row I, NJ columns from column J.
type Tile struct {
	I, J   int
	NI, NJ int
}

// Check refuses a grid with no tile side, negative sizes, or a symmetric
// grid that is not square.
func (g Grid) Check() error {
	if g.Side < 1 || g.Rows < 0 || g.Cols < 0 || (g.Sym && g.Rows != g.Cols) {
		return fmt.Errorf("tiling: a %d×%d matrix (symmetric %v) in tiles of side %d", g.Rows, g.Cols, g.Sym, g.Side)
	}
	return nil
}

// Tiles lists the grid's tiles row-major (with Sym, only those on or
// above the diagonal). It lists none for a grid that fails Check.
func (g Grid) Tiles() []Tile {
	if g.Check() != nil {
		return nil
	}
	var out []Tile
	for i := 0; i < g.Rows; i += g.Side {
		for j := 0; j < g.Cols; j += g.Side {
			if !g.Sym || j >= i {
				out = append(out, Tile{I: i, J: j, NI: min(g.Side, g.Rows-i), NJ: min(g.Side, g.Cols-j)})
			}
		}
	}
	return out
}

// TileLen is the number of distances in the grid's largest tile,
// min(Side, Rows)·min(Side, Cols): the buffer a tiled computation needs,
// which stays that of the matrix itself for a side larger than the
// matrix (Side² could overflow, or not fit in memory).
func (g Grid) TileLen() int { return min(g.Side, g.Rows) * min(g.Side, g.Cols) }

// Diagonal reports whether t lies on the diagonal of an all-pairs matrix,
// where it is its own mirror (see Symmetrize).
func (g Grid) Diagonal(t Tile) bool { return g.Sym && t.I == t.J }

// Symmetrize makes the n×n tile out (row-major) of a tile on the diagonal
// of an all-pairs matrix exactly symmetric with a zero diagonal: the
// values above the diagonal are kept and mirrored below it.
func Symmetrize(out []float32, n int) {
	for r := 0; r < n; r++ {
		out[r*n+r] = 0
		for c := r + 1; c < n; c++ {
			out[c*n+r] = out[r*n+c]
		}
	}
}

// TileFunc writes into out (a.N×b.N, row-major) the model's distances
// between the rows of a and the rows of b: a backend's PairwiseTile.
type TileFunc func(a, b dataset.Features, out []float32) error

// MatrixFunc writes into out (ni×nj, row-major) one tile of a distance
// matrix: the distances between rows [i, i+ni) of its first set and rows
// [j, j+nj) of its second. A TileFunc over two sets is one (ByRows); so
// is runtime/segdist's Matrix.Tile, which packs each set's rows once for
// many tiles.
type MatrixFunc func(i, ni, j, nj int, out []float32) error

// ByRows is the MatrixFunc of tile over the rows of a and of b.
func ByRows(a, b dataset.Features, tile TileFunc) MatrixFunc {
	return func(i, ni, j, nj int, out []float32) error {
		return tile(a.Rows(i, ni), b.Rows(j, nj), out)
	}
}

// Pairwise assembles in memory the a.N×b.N matrix (row-major) of the
// distances tile computes, in tiles of side×side. With sym, b must be a
// and the result is the all-pairs matrix of a: the tiles on and above the
// diagonal are computed and mirrored, so that it is exactly symmetric,
// with a zero diagonal.
func Pairwise(ctx context.Context, a, b dataset.Features, sym bool, side int, tile TileFunc) ([]float32, error) {
	if err := a.Check(); err != nil {
		return nil, fmt.Errorf("tiling: %w", err)
	}
	if err := b.Check(); err != nil {
		return nil, fmt.Errorf("tiling: %w", err)
	}
	return PairwiseOf(ctx, Grid{Rows: a.N, Cols: b.N, Side: side, Sym: sym}, ByRows(a, b, tile))
}

// PairwiseOf is Pairwise of the matrix tile computes, of g.Rows×g.Cols
// in tiles of g.Side, taken in row-major order (each row of tiles, on or
// above the diagonal with g.Sym, before the next).
func PairwiseOf(ctx context.Context, g Grid, tile MatrixFunc) ([]float32, error) {
	if err := g.Check(); err != nil {
		return nil, err
	}
	na, nb, sym := g.Rows, g.Cols, g.Sym
	out := make([]float32, na*nb)
	buf := make([]float32, g.TileLen())
	for _, t := range g.Tiles() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ni, nj := t.NI, t.NJ
		if err := tile(t.I, ni, t.J, nj, buf[:ni*nj]); err != nil {
			return nil, fmt.Errorf("tiling: pairwise tile (%d, %d): %w", t.I, t.J, err)
		}
		if g.Diagonal(t) {
			Symmetrize(buf[:ni*nj], ni) // as Writer's files hold it: the upper triangle
		}
		for r := 0; r < ni; r++ {
			for c := 0; c < nj; c++ {
				v := buf[r*nj+c]
				out[(t.I+r)*nb+t.J+c] = v
				if sym {
					out[(t.J+c)*nb+t.I+r] = v
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

// Neighbor is one nearest neighbour: an index row and its model distance
// (kenn.target: W2 in pixels, or W2² in pixels²).
type Neighbor struct {
	Index    int
	Distance float32
}

// KNN returns, for each row of query, its k nearest rows of index by the
// distances tile computes (nearest first; ties by lower index), streaming
// over tiles of side×side so that the query.N×index.N matrix is never
// held: memory is O(side·side + query.N·k). k must be in [1, index.N].
func KNN(ctx context.Context, index, query dataset.Features, k, side int, tile TileFunc) ([][]Neighbor, error) {
	if err := index.Check(); err != nil {
		return nil, fmt.Errorf("tiling: %w", err)
	}
	if err := query.Check(); err != nil {
		return nil, fmt.Errorf("tiling: %w", err)
	}
	return KNNOf(ctx, Grid{Rows: query.N, Cols: index.N, Side: side}, k, ByRows(query, index, tile))
}

// KNNOf is KNN over the matrix tile computes: g.Rows queries against
// g.Cols index rows (g.Sym false), in tiles of g.Side taken in row-major
// order.
func KNNOf(ctx context.Context, g Grid, k int, tile MatrixFunc) ([][]Neighbor, error) {
	if g.Sym {
		return nil, fmt.Errorf("tiling: knn over a symmetric grid")
	}
	if err := g.Check(); err != nil {
		return nil, err
	}
	if k <= 0 || k > g.Cols {
		return nil, fmt.Errorf("tiling: k = %d with %d index rows", k, g.Cols)
	}
	heaps := make([]maxHeap, g.Rows)
	buf := make([]float32, g.TileLen())
	for _, t := range g.Tiles() { // row-major: every query sees the index in order
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d := buf[:t.NI*t.NJ]
		if err := tile(t.I, t.NI, t.J, t.NJ, d); err != nil {
			return nil, fmt.Errorf("tiling: knn tile (%d, %d): %w", t.I, t.J, err)
		}
		for r := 0; r < t.NI; r++ {
			h := &heaps[t.I+r]
			for c := 0; c < t.NJ; c++ {
				nb := Neighbor{Index: t.J + c, Distance: d[r*t.NJ+c]}
				if h.Len() < k {
					heap.Push(h, nb)
				} else if less(nb, (*h)[0]) {
					(*h)[0] = nb
					heap.Fix(h, 0)
				}
			}
		}
	}
	out := make([][]Neighbor, g.Rows)
	for q := range heaps {
		nbs := []Neighbor(heaps[q])
		sort.Slice(nbs, func(a, b int) bool { return less(nbs[a], nbs[b]) })
		out[q] = nbs
	}
	return out, nil
}

func less(a, b Neighbor) bool {
	if a.Distance != b.Distance {
		return a.Distance < b.Distance
	}
	return a.Index < b.Index
}

// maxHeap keeps the k best so far with the worst on top.
type maxHeap []Neighbor

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return less(h[j], h[i]) }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(Neighbor)) }
func (h *maxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
