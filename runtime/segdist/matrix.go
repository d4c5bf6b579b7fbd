package segdist

import (
	"fmt"
	"math"

	"github.com/kenn-ot/kenn/dataset"
)

// DefaultCache is the most bytes of packed rows of b a Matrix keeps
// between tiles (Matrix.SetCache).
const DefaultCache = 512 << 20

// A Matrix computes the tiles of one distance matrix, the rows of a
// against the rows of b, packing each tile's rows once for many tiles
// rather than once per tile as Kernel.Tile does: both sides are centred
// on one centre for the whole matrix (Kernel.Matrix; not on each tile's
// rows: the distances are the same formula, with the Gram form's
// rounding taken about that centre), the last row range of a is kept
// packed, and every row range of b up to the cache's size
// (DefaultCache). Tiles taken in row-major order (a row of tiles of a,
// then the next) pack each row of a and of b once. A tile's values depend
// on its rows and the centre alone: any Matrix with the same centre, over
// sets holding the same rows, gives the same bits.
//
// A Matrix is for one goroutine at a time; its tiles share out their own
// work among the kernel's threads. It reads a and b at every Tile call:
// they must not change while it is used.
type Matrix struct {
	k       *Kernel
	geo     geometry
	a, b    dataset.Features
	centre  []float32
	aRange  [2]int // the rows of a in pa, or {−1, −1}
	pa      packed
	bCache  map[[2]int]*packed
	bBytes  int
	maxSize int
	pb      packed // b's rows when the cache is full
}

// Matrix returns the Matrix of the distances between the rows of a and
// the rows of b (both of the kernel's F features), centred on centre (F
// values), or on the mean row of a (Centre) when centre is nil.
func (k *Kernel) Matrix(a, b dataset.Features, centre []float32) (*Matrix, error) {
	if err := k.checkRows(a, b); err != nil {
		return nil, err
	}
	m := &Matrix{k: k, geo: k.geo, a: a, b: b, aRange: [2]int{-1, -1}, bCache: map[[2]int]*packed{}, maxSize: DefaultCache}
	switch {
	case centre != nil:
		if len(centre) != k.f {
			return nil, fmt.Errorf("segdist: a centre of %d values, the model's rows have %d", len(centre), k.f)
		}
		for j, c := range centre {
			if math.IsNaN(float64(c)) || math.IsInf(float64(c), 0) {
				return nil, fmt.Errorf("segdist: centre value %d is %v", j, c)
			}
		}
		m.centre = append([]float32(nil), centre...)
	case a.N == 0:
		return nil, fmt.Errorf("segdist: a matrix with no rows of a and no centre")
	default:
		m.centre = k.Centre(a)
	}
	return m, nil
}

// SetCache sets the most bytes of packed rows of b kept between tiles
// (0: none are kept, each tile packs its rows of b). Lowering it below
// what is kept drops everything kept.
func (m *Matrix) SetCache(bytes int) {
	m.maxSize = bytes
	if m.bBytes > bytes {
		clear(m.bCache)
		m.bBytes = 0
	}
}

// Tile writes into out (ni×nj, row-major) the distances between rows
// [i, i+ni) of a and rows [j, j+nj) of b: W2 for FormWeightedNorms, W2²
// for FormSquared.
func (m *Matrix) Tile(i, ni, j, nj int, out []float32) error {
	if i < 0 || ni < 0 || i+ni > m.a.N || j < 0 || nj < 0 || j+nj > m.b.N {
		return fmt.Errorf("segdist: rows [%d, %d) × [%d, %d) of a %d×%d matrix", i, i+ni, j, j+nj, m.a.N, m.b.N)
	}
	if len(out) < ni*nj {
		return fmt.Errorf("segdist: a %d×%d tile into %d values", ni, nj, len(out))
	}
	if ni == 0 || nj == 0 {
		return nil
	}
	k := m.k
	if k.geo.name != m.geo.name {
		panic("segdist: the kernel's block kernel changed under a Matrix")
	}
	workers := k.workers(nj)
	if m.aRange != [2]int{i, ni} {
		k.packSide(m.a.Rows(i, ni), m.centre, true, workers, &m.pa)
		m.aRange = [2]int{i, ni}
	}
	pb := m.bCache[[2]int{j, nj}]
	if pb == nil {
		size := 4 * ((nj + k.geo.c - 1) / k.geo.c * k.geo.c) * (k.ktot + 1)
		if m.bBytes+size <= m.maxSize {
			pb = new(packed)
			m.bCache[[2]int{j, nj}] = pb
			m.bBytes += size
		} else {
			pb = &m.pb
		}
		k.packSide(m.b.Rows(j, nj), m.centre, false, workers, pb)
	}
	k.tile(&m.pa, pb, workers, out)
	return nil
}
