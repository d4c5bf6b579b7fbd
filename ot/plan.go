package ot

import "sort"

// Plan is a sparse optimal transport plan between two H×W images.
// Entries move Mass (a fraction of the unit total) from pixel From to pixel
// To, both row-major indices. The masses sum to 1 (up to float64 rounding)
// and the plan's marginals are the two normalized images.
type Plan struct {
	H, W    int
	W2Sq    float64
	Entries []PlanEntry
}

// PlanEntry is one non-zero entry of a Plan.
type PlanEntry struct {
	From, To int
	Mass     float64
}

// Cost recomputes Σ mass·|from−to|² from the entries.
func (p *Plan) Cost() float64 {
	var c float64
	for _, e := range p.Entries {
		dr := float64(e.From/p.W - e.To/p.W)
		dc := float64(e.From%p.W - e.To%p.W)
		c += e.Mass * (dr*dr + dc*dc)
	}
	return c
}

// extractPlan turns the optimal flow on the separable graph into a
// bipartite plan. Flow through an intermediate node may be matched between
// its in- and out-arcs in any way without changing the cost, since every
// path source→mid→target costs exactly the squared distance of its ends.
func (s *Solver) extractPlan(h, w int, rowsFirst bool, total int64) *Plan {
	g := &s.net
	nS, nT := len(s.src), len(s.dst)
	nR, nC := len(s.rows), len(s.cols)
	nMid := nR * nC
	type part struct {
		end int32 // source or target index
		m   int64
	}
	ins := make([][]part, nMid)
	outs := make([][]part, nMid)
	e := 0
	for i := 0; i < nS; i++ {
		for k := 0; k < nR; k++ {
			if f := g.flow[e]; f > 0 {
				mid := int(g.tgt[e]) - nS
				ins[mid] = append(ins[mid], part{int32(i), f})
			}
			e++
		}
	}
	for j := 0; j < nT; j++ {
		for k := 0; k < nC; k++ {
			if f := g.flow[e]; f > 0 {
				mid := int(g.src[e]) - nS
				outs[mid] = append(outs[mid], part{int32(j), f})
			}
			e++
		}
	}
	pix := func(p point) int {
		if rowsFirst {
			return int(p.x)*w + int(p.y)
		}
		return int(p.y)*w + int(p.x)
	}
	acc := make(map[[2]int]int64)
	for mid := 0; mid < nMid; mid++ {
		in, out := ins[mid], outs[mid]
		for a, b := 0, 0; a < len(in) && b < len(out); {
			m := min(in[a].m, out[b].m)
			acc[[2]int{pix(s.src[in[a].end]), pix(s.dst[out[b].end])}] += m
			in[a].m -= m
			out[b].m -= m
			if in[a].m == 0 {
				a++
			}
			if out[b].m == 0 {
				b++
			}
		}
	}
	p := &Plan{H: h, W: w, Entries: make([]PlanEntry, 0, len(acc))}
	for k, m := range acc {
		p.Entries = append(p.Entries, PlanEntry{From: k[0], To: k[1], Mass: float64(m) / float64(total)})
	}
	sort.Slice(p.Entries, func(i, j int) bool {
		a, b := p.Entries[i], p.Entries[j]
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
	return p
}
