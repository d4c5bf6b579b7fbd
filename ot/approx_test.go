package ot_test

import (
	"errors"
	"math"
	"testing"

	"github.com/kenn-ot/kenn/ot"
)

func TestSinkhornApproachesExact(t *testing.T) {
	s := loadMNIST(t)
	sol := ot.NewSolver()
	for _, p := range [][2]int{{0, 1}} {
		a, b := s.Image(p[0], nil), s.Image(p[1], nil)
		exact, err := sol.W2Sq(a, b)
		if err != nil {
			t.Fatal(err)
		}
		prev := math.Inf(1)
		for _, eps := range []float64{4, 1, 0.25} {
			v, err := ot.Sinkhorn(a, b, ot.SinkhornOptions{Epsilon: eps})
			if err != nil {
				t.Fatalf("eps %v: %v", eps, err)
			}
			// the cost of a feasible plan: never below the LP optimum
			if v < exact*(1-1e-6) {
				t.Errorf("%v eps %v: Sinkhorn cost %v below exact %v", p, eps, v, exact)
			}
			if v > prev*(1+1e-9) {
				t.Errorf("%v eps %v: error grew as eps fell (%v after %v)", p, eps, v, prev)
			}
			prev = v
		}
		if rel := (prev - exact) / exact; rel > 0.05 {
			t.Errorf("%v: at eps 0.25 Sinkhorn %v vs exact %v (rel %.3f)", p, prev, exact, rel)
		}
	}
}

func TestSinkhornCapIsAnError(t *testing.T) {
	s := loadMNIST(t)
	_, err := ot.Sinkhorn(s.Image(0, nil), s.Image(1, nil), ot.SinkhornOptions{Epsilon: 0.05, Tol: 1e-12, MaxIter: 10})
	if !errors.Is(err, ot.ErrNotConverged) {
		t.Fatalf("want ErrNotConverged, got %v", err)
	}
}

func TestSlicedTranslation(t *testing.T) {
	pix := make([]float64, 28*28)
	moved := make([]float64, 28*28)
	for r := 3; r < 9; r++ {
		for c := 4; c < 8; c++ {
			pix[r*28+c] = float64(r + c)
			moved[(r+7)*28+c+11] = float64(r + c)
		}
	}
	sl := ot.NewSliced(28, 28, 16)
	v, err := sl.W2Sq(ot.NewImage(28, 28, pix), ot.NewImage(28, 28, moved))
	if err != nil {
		t.Fatal(err)
	}
	// mean over directions of ⟨v, θ⟩² is |v|²/2
	if want := (49.0 + 121.0) / 2; math.Abs(v-want) > 1e-9 {
		t.Fatalf("sliced W2² of a translation by (7, 11) = %v, want %v", v, want)
	}
}

func TestSlicedBelowExact(t *testing.T) {
	s := loadMNIST(t)
	sl := ot.NewSliced(28, 28, 64)
	sol := ot.NewSolver()
	for i := 0; i < 30; i++ {
		a, b := s.Image(i, nil), s.Image(999-i, nil)
		e, _ := sol.W2Sq(a, b)
		v, err := sl.W2Sq(a, b)
		if err != nil {
			t.Fatal(err)
		}
		// each projection is 1-Lipschitz, so every slice is ≤ W2²
		if v > e*(1+1e-12) {
			t.Errorf("pair %d: sliced %v above exact %v", i, v, e)
		}
	}
}
