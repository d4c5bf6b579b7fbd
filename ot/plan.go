package ot

import (
	"cmp"
	"slices"
)

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

// planEntry is one entry of an integer plan between pixels (row-major).
type planEntry struct {
	from, to int32
	m        int64
}

// planEntries turns the optimal flow of the last solveInts on a grid of
// width w into a bipartite plan. Flow through an intermediate node may be
// matched between its in- and out-arcs in any way without changing the
// cost, since every path source→mid→target costs exactly the squared
// distance of its ends.
func (s *Solver) planEntries(w int, merge bool) []planEntry {
	if s.same {
		var out []planEntry
		for i, m := range s.ma {
			if m > 0 {
				out = append(out, planEntry{int32(i), int32(i), m})
			}
		}
		return out
	}
	g := &s.net
	nS := len(s.src)
	nMid := len(s.rows) * len(s.cols)
	type part struct {
		end int32 // source or target index
		m   int64
	}
	ins := make([][]part, nMid)
	outs := make([][]part, nMid)
	for e := 0; e < g.arcs; e++ {
		f := g.flow[e]
		if f == 0 {
			continue
		}
		if from := int(g.src[e]); from < nS {
			mid := int(g.tgt[e]) - nS
			ins[mid] = append(ins[mid], part{int32(from), f})
		} else {
			mid := from - nS
			outs[mid] = append(outs[mid], part{g.tgt[e] - int32(nS+nMid), f})
		}
	}
	pix := func(p point) int32 {
		if s.rowsFirst {
			return p.x*int32(w) + p.y
		}
		return p.y*int32(w) + p.x
	}
	var raw []planEntry
	for mid := 0; mid < nMid; mid++ {
		in, out := ins[mid], outs[mid]
		for a, b := 0, 0; a < len(in) && b < len(out); {
			m := min(in[a].m, out[b].m)
			raw = append(raw, planEntry{pix(s.src[in[a].end]), pix(s.dst[out[b].end]), m})
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
	if !merge {
		return raw
	}
	// one entry per (from, to), sorted
	slices.SortFunc(raw, func(a, b planEntry) int {
		if a.from != b.from {
			return cmp.Compare(a.from, b.from)
		}
		return cmp.Compare(a.to, b.to)
	})
	entries := raw[:0]
	for _, e := range raw {
		if n := len(entries); n > 0 && entries[n-1].from == e.from && entries[n-1].to == e.to {
			entries[n-1].m += e.m
			continue
		}
		entries = append(entries, e)
	}
	return entries
}
