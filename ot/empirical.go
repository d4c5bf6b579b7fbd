package ot

import (
	"context"
	"fmt"
	"math"
)

// EmpiricalW2Sq is W2² under the cost m between the empirical measures
// Σ wx_i δ_{x_i} and Σ wy_j δ_{y_j} (nil weights: uniform; weights are
// normalized to sum 1).
//
// Equal sizes with uniform weights (the local losses of stochastic neural
// networks: a few dozen samples per neighbourhood) take the exact
// assignment solver: W2² = min over permutations σ of (1/n)·Σ c(x_i, y_σ(i)).
// Otherwise the network simplex solves the transport problem between the
// two sets with masses rounded to multiples of 2⁻³⁰ and costs rounded to
// 2⁻³⁰ of the largest cost; the value returned is the exact float64 cost
// of the plan found, optimal for the rounded problem (so within 2⁻³⁰ of
// the largest cost of the optimum).
func EmpiricalW2Sq(m Mixed, x, y [][]float64, wx, wy []float64) (float64, error) {
	if len(x) == 0 || len(y) == 0 {
		return 0, fmt.Errorf("ot: empirical W2 of an empty sample set (%d and %d points)", len(x), len(y))
	}
	if err := m.check(x, "first"); err != nil {
		return 0, err
	}
	if err := m.check(y, "second"); err != nil {
		return 0, err
	}
	n, k := len(x), len(y)
	cost := make([]float64, n*k)
	for i := range x {
		for j := range y {
			cost[i*k+j] = m.Cost(x[i], y[j])
		}
	}
	if n == k && wx == nil && wy == nil {
		_, total, err := Assignment(cost, n)
		return total / float64(n), err
	}
	a, err := integerMasses(wx, n, "first")
	if err != nil {
		return 0, err
	}
	b, err := integerMasses(wy, k, "second")
	if err != nil {
		return 0, err
	}
	return transport(cost, a, b)
}

const massScale = 1 << 30

// integerMasses rounds normalized weights to integers summing to 2³⁰.
func integerMasses(w []float64, n int, what string) ([]int64, error) {
	if w == nil {
		w = make([]float64, n)
		for i := range w {
			w[i] = 1
		}
	}
	if len(w) != n {
		return nil, fmt.Errorf("ot: %d %s weights for %d points", len(w), what, n)
	}
	sum := 0.0
	for i, v := range w {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("ot: %s weight %d is %v, must be non-negative", what, i, v)
		}
		sum += v
	}
	if sum == 0 {
		return nil, fmt.Errorf("ot: %s weights sum to 0", what)
	}
	out := make([]int64, n)
	var total int64
	big := 0
	for i, v := range w {
		out[i] = int64(math.Round(v / sum * massScale))
		total += out[i]
		if out[i] > out[big] {
			big = i
		}
	}
	out[big] += massScale - total
	return out, nil
}

// transport solves the n×k transport problem with integer masses a, b and
// float costs (row-major) by the network simplex on rounded costs, and
// returns the float cost of its plan per unit mass.
func transport(cost []float64, a, b []int64) (float64, error) {
	n, k := len(a), len(b)
	top := 0.0
	for _, c := range cost {
		top = math.Max(top, c)
	}
	scale := 0.0
	if top > 0 {
		scale = massScale / top
	}
	var g network
	g.reset(n+k, n*k)
	for i := 0; i < n; i++ {
		g.supply[i] = a[i]
		for j := 0; j < k; j++ {
			e := i*k + j
			g.src[e], g.tgt[e] = int32(i), int32(n+j)
			g.cost[e] = int64(math.Round(cost[e] * scale))
		}
	}
	for j := 0; j < k; j++ {
		g.supply[n+j] = -b[j]
	}
	if _, err := g.solve(context.Background()); err != nil {
		return 0, err
	}
	total := 0.0
	for e := 0; e < n*k; e++ {
		if f := g.flow[e]; f > 0 {
			total += float64(f) * cost[e]
		}
	}
	return total / massScale, nil
}
