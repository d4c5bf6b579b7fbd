package ot

import (
	"fmt"
	"math"
)

// Assignment solves the linear assignment problem exactly: for an n×n cost
// matrix (row-major), it returns perm with row i assigned to column
// perm[i], minimizing Σ_i cost[i][perm[i]], and that minimum. It is the
// Hungarian algorithm with dual potentials (Jonker–Volgenant's shortest
// augmenting paths), O(n³), in float64.
//
// Between two sets of n equally weighted points, the optimal transport
// plan is a permutation (Birkhoff), so W2² = min/n: see EmpiricalW2Sq.
func Assignment(cost []float64, n int) ([]int, float64, error) {
	if len(cost) != n*n {
		return nil, 0, fmt.Errorf("ot: assignment cost has %d values, not %d×%d", len(cost), n, n)
	}
	for k, c := range cost {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return nil, 0, fmt.Errorf("ot: assignment cost (%d, %d) is %v", k/n, k%n, c)
		}
	}
	if n == 0 {
		return nil, 0, nil
	}
	// 1-based arrays as in the classical formulation; p[j] is the row
	// matched to column j, column 0 is the virtual start.
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	p := make([]int, n+1)
	way := make([]int, n+1)
	minv := make([]float64, n+1)
	used := make([]bool, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta, j1 := math.Inf(1), 0
			row := cost[(i0-1)*n:]
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := row[j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	perm := make([]int, n)
	total := 0.0
	for j := 1; j <= n; j++ {
		perm[p[j]-1] = j - 1
	}
	for i, j := range perm {
		total += cost[i*n+j]
	}
	return perm, total, nil
}
