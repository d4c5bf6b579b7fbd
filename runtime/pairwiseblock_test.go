package runtime

import (
	"math"
	"math/rand"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

// A tile larger than one run of the pairwise graph (pairwiseBlock) is
// computed in blocks of rows: every value equals the float64 model distance
// of its rows (Model.Distance, exact norms) within float32 rounding, the
// last block's short tail included, and a row against an identical row is
// exactly 0 in every block.
func TestPairwiseTileBlocks(t *testing.T) {
	rt, err := Open(Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, kind := range []models.Kind{models.KindDWE, models.KindODEKENN, models.KindEnsemble} {
		t.Run(string(kind), func(t *testing.T) {
			m, err := rt.Load(exportTiny(t, kind, 28, 28))
			if err != nil {
				t.Fatal(err)
			}
			nb := pairwiseBlock / 4 // four rows a run
			na := 4*2 + 3           // two full blocks and a tail of 3
			F := m.F
			rng := rand.New(rand.NewSource(7))
			b := make([]float32, nb*F)
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			a := make([]float32, na*F)
			for r := 0; r < na; r++ { // row r of a is row 1000·r of b
				copy(a[r*F:(r+1)*F], b[1000*r*F:(1000*r+1)*F])
			}
			out := make([]float32, na*nb)
			if err := m.PairwiseTile(dataset.Features{Data: a, N: na, F: F}, dataset.Features{Data: b, N: nb, F: F}, out); err != nil {
				t.Fatal(err)
			}
			for r := 0; r < na; r++ {
				if v := out[r*nb+1000*r]; v != 0 {
					t.Errorf("row %d against its copy: %g, want exactly 0", r, v)
				}
				for c := 0; c < nb; c += 997 {
					if c == 1000*r {
						continue
					}
					want := m.Distance(a[r*F:(r+1)*F], b[c*F:(c+1)*F])
					if got := float64(out[r*nb+c]); math.Abs(got-want) > 1e-4*want {
						t.Fatalf("(%d, %d): %g, float64 %g", r, c, got, want)
					}
				}
			}
		})
	}
}
