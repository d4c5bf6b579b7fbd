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
	// Bucket the arcs carrying flow by intermediate node (counting sort).
	s.midStart = grow32(s.midStart, 2*nMid+2)
	inStart, outStart := s.midStart[:nMid+1], s.midStart[nMid+1:]
	for i := range s.midStart {
		s.midStart[i] = 0
	}
	nIn, nOut := 0, 0
	for e := 0; e < g.arcs; e++ {
		if g.flow[e] == 0 {
			continue
		}
		if from := int(s.canon[g.src[e]]); from < nS {
			inStart[int(s.canon[g.tgt[e]])-nS+1]++
			nIn++
		} else {
			outStart[from-nS+1]++
			nOut++
		}
	}
	for k := 1; k <= nMid; k++ {
		inStart[k] += inStart[k-1]
		outStart[k] += outStart[k-1]
	}
	s.parts = growParts(s.parts, nIn+nOut)
	ins, outs := s.parts[:nIn], s.parts[nIn:]
	for e := 0; e < g.arcs; e++ {
		f := g.flow[e]
		if f == 0 {
			continue
		}
		if from := int(s.canon[g.src[e]]); from < nS {
			mid := int(s.canon[g.tgt[e]]) - nS
			ins[inStart[mid]] = flowPart{int32(from), f}
			inStart[mid]++
		} else {
			mid := from - nS
			outs[outStart[mid]] = flowPart{s.canon[g.tgt[e]] - int32(nS+nMid), f}
			outStart[mid]++
		}
	}
	// inStart[mid] now ends bucket mid; bucket mid starts at inStart[mid-1].
	pix := func(p point) int32 {
		if s.rowsFirst {
			return p.x*int32(w) + p.y
		}
		return p.y*int32(w) + p.x
	}
	raw := s.entries[:0]
	ia, ob := 0, 0
	for mid := 0; mid < nMid; mid++ {
		ie, oe := int(inStart[mid]), int(outStart[mid])
		for ia < ie && ob < oe {
			m := min(ins[ia].m, outs[ob].m)
			raw = append(raw, planEntry{pix(s.src[ins[ia].end]), pix(s.dst[outs[ob].end]), m})
			ins[ia].m -= m
			outs[ob].m -= m
			if ins[ia].m == 0 {
				ia++
			}
			if outs[ob].m == 0 {
				ob++
			}
		}
		ia, ob = ie, oe
	}
	s.entries = raw
	if !merge {
		return raw
	}
	raw = slices.Clone(raw)
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

// flowPart is flow from (or to) one end through an intermediate node.
type flowPart struct {
	end int32 // source or target index
	m   int64
}

func growParts(s []flowPart, n int) []flowPart {
	if cap(s) < n {
		return make([]flowPart, n)
	}
	return s[:n]
}
