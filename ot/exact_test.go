package ot

import (
	"math"
	"math/rand/v2"
	"testing"
)

// shape draws a random blob inside a box of the grid.
func randomShape(rng *rand.Rand, h, w, r0, r1, c0, c1 int, fill float64) Image {
	pix := make([]float64, h*w)
	for r := r0; r < r1; r++ {
		for c := c0; c < c1; c++ {
			if rng.Float64() < fill {
				pix[r*w+c] = float64(1 + rng.IntN(255))
			}
		}
	}
	pix[r0*w+c0] = 7 // never empty
	return NewImage(h, w, pix)
}

func shift(img Image, dr, dc int) Image {
	out := make([]float64, len(img.Pix))
	for r := 0; r < img.H; r++ {
		for c := 0; c < img.W; c++ {
			if v := img.Pix[r*img.W+c]; v != 0 {
				out[(r+dr)*img.W+c+dc] = v
			}
		}
	}
	return NewImage(img.H, img.W, out)
}

func TestTranslationClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name   string
		h, w   int
		box    [4]int
		fill   float64
		dr, dc int
	}{
		{"point", 28, 28, [4]int{3, 4, 5, 6}, 1, 10, -2},
		{"sparse-blob", 28, 28, [4]int{4, 12, 4, 14}, 0.4, 9, 11},
		{"dense-square", 28, 28, [4]int{2, 10, 3, 11}, 1, 15, 14},
		{"row-shift", 28, 28, [4]int{5, 20, 5, 12}, 0.7, 0, 13},
		{"col-shift", 28, 28, [4]int{5, 12, 5, 20}, 0.7, -4, 0},
		{"wide", 16, 40, [4]int{1, 8, 2, 20}, 0.5, 7, 18},
		{"big", 64, 64, [4]int{10, 40, 10, 30}, 0.6, 12, 25},
	}
	s := NewSolver()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := randomShape(rng, tc.h, tc.w, tc.box[0], tc.box[1], tc.box[2], tc.box[3], tc.fill)
			if tc.dr < 0 {
				a = shift(a, -tc.dr, 0)
			}
			b := shift(a, tc.dr, tc.dc)
			got, err := s.W2Sq(a, b)
			if err != nil {
				t.Fatal(err)
			}
			want := float64(tc.dr*tc.dr + tc.dc*tc.dc)
			if got != want {
				t.Fatalf("W2² = %.17g, want |shift|² = %v (stats %+v)", got, want, s.LastStats())
			}
			back, err := s.W2Sq(b, a)
			if err != nil || back != want {
				t.Fatalf("reverse W2² = %v, %v; want %v", back, err, want)
			}
		})
	}
}

func TestPointMasses(t *testing.T) {
	s := NewSolver()
	for _, tc := range []struct{ r0, c0, r1, c1 int }{{0, 0, 27, 27}, {3, 5, 3, 5}, {10, 2, 4, 20}} {
		a := make([]float64, 28*28)
		b := make([]float64, 28*28)
		a[tc.r0*28+tc.c0] = 0.3
		b[tc.r1*28+tc.c1] = 200
		got, err := s.W2Sq(NewImage(28, 28, a), NewImage(28, 28, b))
		if err != nil {
			t.Fatal(err)
		}
		want := float64((tc.r0-tc.r1)*(tc.r0-tc.r1) + (tc.c0-tc.c1)*(tc.c0-tc.c1))
		if math.Abs(got-want) > 1e-12*max(want, 1) {
			t.Errorf("%v: got %v want %v", tc, got, want)
		}
	}
}

// The multiscale warm start changes only the starting basis: a cold solve
// reaches the same integer optimum, on 28×28 and on larger random images
// (which take the neighbourhood pricing and coarsen twice).
func TestWarmStartSameOptimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	warm, cold := NewSolver(), &Solver{}
	for k := 0; k < 12; k++ {
		side := []int{28, 28, 40, 64}[k%4]
		a := randomShape(rng, side, side, 2, side-3, 3, side-2, 0.35)
		b := randomShape(rng, side, side, 1, side-6, 5, side-1, 0.35)
		w1, err := warm.W2Sq(a, b)
		if err != nil {
			t.Fatal(err)
		}
		w2, err := cold.W2Sq(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if w1 != w2 {
			t.Fatalf("%d×%d: warm %.17g, cold %.17g", side, side, w1, w2)
		}
	}
}
