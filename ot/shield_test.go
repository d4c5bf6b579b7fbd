package ot

import (
	"math/rand/v2"
	"testing"
)

// TestShieldProvesOptimality solves pairs with the shield's tier and with
// plain pricing of every arc, and checks that the values agree exactly and
// that the full scan after each shield proof found no arc of negative
// reduced cost, on every multiscale level: sparse and dense supports, both
// orientations, zero pixels inside dense images, single lines, cold and
// warm starts. (A multiscale solve's coarsest level prices every arc, so
// the cold cases solve without levels.)
func TestShieldProvesOptimality(t *testing.T) {
	dense := func(rng *rand.Rand, h, w int, zeros float64) Image {
		pix := make([]float64, h*w)
		for i := range pix {
			if rng.Float64() >= zeros {
				pix[i] = float64(1 + rng.IntN(255))
			}
		}
		pix[0] = 1
		return NewImage(h, w, pix)
	}
	cases := []struct {
		name       string
		h, w       int
		zeros      float64
		multiscale bool
	}{
		{"dense-16x16-cold", 16, 16, 0, false},
		{"dense-32x32-warm", 32, 32, 0, true},
		{"dense-24x40-warm", 24, 40, 0, true},
		{"holes-32x32-warm", 32, 32, 0.3, true},
		{"sparse-28x28-warm", 28, 28, 0.8, true},
		{"sparse-28x28-cold", 28, 28, 0.8, false},
		{"one-row-1x30-cold", 1, 30, 0.2, false},
		{"one-column-30x1-cold", 30, 1, 0.2, false},
		{"tall-48x8-warm", 48, 8, 0.1, true},
	}
	rng := rand.New(rand.NewPCG(16, 1))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k := 0; k < 4; k++ {
				a, b := dense(rng, tc.h, tc.w, tc.zeros), dense(rng, tc.h, tc.w, tc.zeros)
				sh := &Solver{multiscale: tc.multiscale}
				ref := &Solver{multiscale: tc.multiscale, noShield: true}
				got, err := sh.W2Sq(a, b)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ref.W2Sq(a, b)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("pair %d: shielded W2² %v, every arc priced %v", k, got, want)
				}
				if sh.shieldMisses != 0 {
					t.Errorf("pair %d: the full scans found %d negative arcs after the shield's proofs", k, sh.shieldMisses)
				}
				if sh.net.FullScans == 0 {
					t.Errorf("pair %d: no full scan checked the shield's proof", k)
				}
			}
		})
	}
}
