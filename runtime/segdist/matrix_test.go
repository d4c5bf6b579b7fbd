package segdist_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/runtime/segdist"
)

// TestMatrixTiles: a Matrix's tiles, in row-major order, in reverse,
// with no cache (every tile repacks its rows of b) and with a cache of
// about two tiles (some kept, the others repacked), are the float64
// formula's distances to the Gram form's rounding, on every kernel and
// on tile sides that leave partial blocks and panels, and the same bits
// in every order; the tiles of a set against itself have exactly 0 on the
// diagonal.
func TestMatrixTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, l := range layouts() {
		for _, k := range kernels(t, l) {
			t.Run(l.name+"/"+k.Name(), func(t *testing.T) {
				a := randFeatures(rng, 70, k.F(), 3)
				b := randFeatures(rng, 45, k.F(), 3)
				for _, side := range []int{16, 7, 70} {
					first := map[[2]int][]float32{}
					for _, order := range []string{"rows", "reverse", "no cache", "two tiles"} {
						m, err := k.Matrix(a, b, nil)
						if err != nil {
							t.Fatal(err)
						}
						switch order {
						case "no cache":
							m.SetCache(0)
						case "two tiles":
							m.SetCache(2 * 4 * 32 * (k.F() + len(l.segs) + 1))
						}
						var tiles [][4]int
						for i := 0; i < a.N; i += side {
							for j := 0; j < b.N; j += side {
								tiles = append(tiles, [4]int{i, min(side, a.N-i), j, min(side, b.N-j)})
							}
						}
						if order == "reverse" {
							for x, y := 0, len(tiles)-1; x < y; x, y = x+1, y-1 {
								tiles[x], tiles[y] = tiles[y], tiles[x]
							}
						}
						for _, tl := range tiles {
							i0, ni, j0, nj := tl[0], tl[1], tl[2], tl[3]
							out := make([]float32, ni*nj)
							if err := m.Tile(i0, ni, j0, nj, out); err != nil {
								t.Fatal(err)
							}
							if prev, ok := first[[2]int{i0, j0}]; !ok {
								first[[2]int{i0, j0}] = out
							} else {
								for p := range out {
									if math.Float32bits(out[p]) != math.Float32bits(prev[p]) {
										t.Fatalf("side %d, %s: tile (%d, %d) value %d is %v, %v in row order", side, order, i0, j0, p, out[p], prev[p])
									}
								}
							}
							for i := 0; i < ni; i++ {
								for j := 0; j < nj; j++ {
									ra := a.Data[(i0+i)*a.F : (i0+i+1)*a.F]
									rb := b.Data[(j0+j)*b.F : (j0+j+1)*b.F]
									want := exact(l.form, l.segs, l.w, ra, rb)
									got := float64(out[i*nj+j])
									if tol := allowed(l.form, l.segs, l.w, ra, rb); math.Abs(got-want) > tol {
										t.Fatalf("side %d, %s: d(a%d, b%d) = %.9g, want %.9g ± %.3g", side, order, i0+i, j0+j, got, want, tol)
									}
								}
							}
						}
					}
				}
				m, err := k.Matrix(a, a, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < a.N; i += 16 {
					ni := min(16, a.N-i)
					out := make([]float32, ni*ni)
					if err := m.Tile(i, ni, i, ni, out); err != nil {
						t.Fatal(err)
					}
					for r := 0; r < ni; r++ {
						if out[r*ni+r] != 0 {
							t.Fatalf("d(a%d, a%d) = %g, want exactly 0", i+r, i+r, out[r*ni+r])
						}
					}
				}
			})
		}
	}
}

// TestMatrixTileDependsOnRowsAndCentre: a tile's bits depend on its rows
// and the centre alone (as kenn-beam, computing each tile on its own,
// relies on): a Matrix over the whole sets, one over just the tile's
// rows and Kernel.Tile (which centres on the mean of the tile's a) agree
// exactly when given the same centre; and Centre is the same whatever the
// threads.
func TestMatrixTileDependsOnRowsAndCentre(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, l := range layouts() {
		for _, k := range kernels(t, l) {
			t.Run(l.name+"/"+k.Name(), func(t *testing.T) {
				a := randFeatures(rng, 1300, k.F(), 2)
				b := randFeatures(rng, 90, k.F(), 2)
				i, ni, j, nj := 530, 41, 33, 50
				ta, tb := a.Rows(i, ni), b.Rows(j, nj)
				whole, err := k.Matrix(a, b, k.Centre(ta))
				if err != nil {
					t.Fatal(err)
				}
				part, err := k.Matrix(ta, tb, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, want, direct := make([]float32, ni*nj), make([]float32, ni*nj), make([]float32, ni*nj)
				if err := whole.Tile(i, ni, j, nj, got); err != nil {
					t.Fatal(err)
				}
				if err := part.Tile(0, ni, 0, nj, want); err != nil {
					t.Fatal(err)
				}
				if err := k.Tile(ta, tb, direct); err != nil {
					t.Fatal(err)
				}
				for p := range got {
					if math.Float32bits(got[p]) != math.Float32bits(want[p]) || math.Float32bits(got[p]) != math.Float32bits(direct[p]) {
						t.Fatalf("pair %d: %v (whole sets), %v (the tile's rows), %v (Tile)", p, got[p], want[p], direct[p])
					}
				}
				for _, th := range []int{1, 3, 7} {
					k2, err := segdist.New(l.form, l.segs, l.w, segdist.Options{Threads: th})
					if err != nil {
						t.Fatal(err)
					}
					c1, c2 := k.Centre(a), k2.Centre(a)
					for f := range c1 {
						if math.Float32bits(c1[f]) != math.Float32bits(c2[f]) {
							t.Fatalf("%d threads: centre[%d] = %v, %v with 2", th, f, c2[f], c1[f])
						}
					}
				}
			})
		}
	}
}

// TestMatrixRefuses: ranges outside the sets, short outputs, sets of
// another width and an empty a are errors.
func TestMatrixRefuses(t *testing.T) {
	l := layouts()[2]
	k, err := segdist.New(l.form, l.segs, l.w, segdist.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 14))
	a, b := randFeatures(rng, 10, k.F(), 0), randFeatures(rng, 5, k.F(), 0)
	if _, err := k.Matrix(dataset.Features{F: k.F()}, b, nil); err == nil {
		t.Error("an empty a and no centre: no error")
	}
	if _, err := k.Matrix(a, randFeatures(rng, 5, k.F()-1, 0), nil); err == nil {
		t.Error("b of another width: no error")
	}
	if _, err := k.Matrix(a, b, make([]float32, k.F()-1)); err == nil {
		t.Error("a centre of another width: no error")
	}
	nan := make([]float32, k.F())
	nan[3] = float32(math.NaN())
	if _, err := k.Matrix(a, b, nan); err == nil {
		t.Error("a NaN centre: no error")
	}
	m, err := k.Matrix(a, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][5]int{{-1, 2, 0, 2, 4}, {9, 2, 0, 2, 4}, {0, 2, 4, 2, 4}, {0, 2, 0, -1, 4}, {0, 2, 0, 2, 3}} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			if err := m.Tile(c[0], c[1], c[2], c[3], make([]float32, c[4])); err == nil {
				t.Errorf("Tile%v: no error", c)
			}
		})
	}
}

// Centre panics, before reading a value, on rows that are not the
// kernel's: another width, or fewer values than N rows hold (the bug a
// short set once caused in Model.Centre, which read past its data).
func TestCentrePanicsOnForeignRows(t *testing.T) {
	l := layouts()[2]
	k, err := segdist.New(l.form, l.segs, l.w, segdist.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(17, 18))
	short := randFeatures(rng, 4, k.F(), 0)
	short.Data = short.Data[:3*k.F()]
	for _, c := range []struct {
		name string
		x    dataset.Features
	}{
		{"another width", randFeatures(rng, 4, k.F()-1, 0)},
		{"short data", short},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			k.Centre(c.x)
		})
	}
}

// BenchmarkMatrix: a 4096×4096 matrix of the shipped ensemble's layout
// (27 segments of 32) in 1024×1024 tiles through a Matrix, row-major, as
// runtime's Pairwise takes them: each set's rows packed once.
func BenchmarkMatrix(b *testing.B) {
	rng := rand.New(rand.NewPCG(15, 16))
	l := layouts()[2]
	for _, k := range kernels(b, l)[1:] {
		x := randFeatures(rng, 4096, k.F(), 0)
		out := make([]float32, 1024*1024)
		b.Run(k.Name(), func(b *testing.B) {
			for b.Loop() {
				m, err := k.Matrix(x, x, nil)
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < x.N; i += 1024 {
					for j := 0; j < x.N; j += 1024 {
						if err := m.Tile(i, 1024, j, 1024, out); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportMetric(float64(x.N*x.N)*float64(b.N)/b.Elapsed().Seconds(), "distances/s")
		})
	}
}
