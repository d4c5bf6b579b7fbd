package ot

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The assignment solver's optimum equals the network simplex's on uniform
// weights, and brute force on small problems.
func TestAssignmentEqualsSimplexAndBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := Mixed{Cont: 2, Cat: 1, Lambda: 0.7}
	for _, n := range []int{1, 2, 5, 7, 32} {
		for trial := 0; trial < 5; trial++ {
			x, y := make([][]float64, n), make([][]float64, n)
			for i := range x {
				x[i] = []float64{rng.NormFloat64(), rng.NormFloat64(), float64(rng.IntN(3))}
				y[i] = []float64{rng.NormFloat64() + 0.5, rng.NormFloat64(), float64(rng.IntN(3))}
			}
			a, err := EmpiricalW2Sq(m, x, y, nil, nil) // assignment
			if err != nil {
				t.Fatal(err)
			}
			w := make([]float64, n)
			for i := range w {
				w[i] = 1
			}
			b, err := EmpiricalW2Sq(m, x, y, w, w) // network simplex
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(a-b) > 1e-7*math.Max(1, a) {
				t.Errorf("n=%d: assignment %.12g, network simplex %.12g", n, a, b)
			}
			if n <= 7 {
				if bf := bruteForce(m, x, y); math.Abs(a-bf) > 1e-12 {
					t.Errorf("n=%d: assignment %.15g, brute force %.15g", n, a, bf)
				}
			}
		}
	}
}

func bruteForce(m Mixed, x, y [][]float64) float64 {
	n := len(x)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	best := math.Inf(1)
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			s := 0.0
			for i, j := range perm {
				s += m.Cost(x[i], y[j])
			}
			best = math.Min(best, s/float64(n))
			return
		}
		for i := k; i < n; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			rec(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	rec(0)
	return best
}

// Closed forms: identical sets cost 0; a translated set costs |shift|²;
// categorical mismatches cost λ each; weighted point masses.
func TestEmpiricalClosedForms(t *testing.T) {
	m := Mixed{Cont: 2, Cat: 1, Lambda: 2}
	x := [][]float64{{0, 0, 1}, {1, 3, 0}, {-2, 1, 2}}
	y := [][]float64{{1.5, -2, 1}, {2.5, 1, 0}, {-0.5, -1, 2}} // x + (1.5, −2)
	if v, _ := EmpiricalW2Sq(m, x, x, nil, nil); v != 0 {
		t.Errorf("identical sets: %g", v)
	}
	if v, _ := EmpiricalW2Sq(m, x, y, nil, nil); math.Abs(v-6.25) > 1e-12 {
		t.Errorf("translated set: %g, want 6.25", v)
	}
	z := [][]float64{{0, 0, 2}, {1, 3, 2}, {-2, 1, 2}} // two categories changed to 2
	if v, _ := EmpiricalW2Sq(m, x, z, nil, nil); math.Abs(v-4.0/3) > 1e-12 {
		t.Errorf("categorical mismatches: %g, want 4/3", v)
	}
	// 1-D: masses 0.25 at 0 and 0.75 at 1 against all mass at 1: W2² = 0.25
	p := [][]float64{{0}, {1}}
	q := [][]float64{{1}}
	if v, err := EmpiricalW2Sq(Mixed{Cont: 1}, p, q, []float64{1, 3}, nil); err != nil || math.Abs(v-0.25) > 1e-9 {
		t.Errorf("weighted: %g %v, want 0.25", v, err)
	}
}

func TestEmpiricalBadInput(t *testing.T) {
	m := Mixed{Cont: 1, Cat: 1, Lambda: 1}
	for _, c := range []struct {
		x, y [][]float64
		want string
	}{
		{[][]float64{{1, 0}}, [][]float64{{1}}, "second sample 0 has 1 coordinates"},
		{nil, [][]float64{{1, 0}}, "empty sample set"},
		{[][]float64{{math.NaN(), 0}}, [][]float64{{1, 0}}, "first sample 0 coordinate 0 is NaN"},
	} {
		if _, err := EmpiricalW2Sq(m, c.x, c.y, nil, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v vs %v: %v, want %q", c.x, c.y, err, c.want)
		}
	}
}
