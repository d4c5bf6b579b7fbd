package ot

import "fmt"

// Size guard.
//
// The separable graph of a dense n×n pair has about 2n³ arcs: 33 million
// at 200×200 (0.7 GB), 2 billion at 1000×1000 (far beyond a machine's
// memory). checkSize estimates what a solve will allocate from the
// supports alone, at every multiscale level, before anything is built, and
// refuses a problem above the Solver's MaxMemory.

// Bytes per arc and per node of one level, from the workspace layout:
// network arcs (src, tgt int32; cost, flow int64) plus the multiscale
// start's per-arc refined flow (int64) and the priced tier (a 24-byte
// record, at most one per arc); per node its artificial arc (24 bytes),
// supply and potential (int64), seven int32 and one int8 tree arrays, the
// tree arcs' flows (int64) and the cycle's two paths (int32), the lists
// of the start's forest arcs and of the last solve's tree arcs (int32),
// the start's adjacency, union-find, order and plan buffers, the
// layout's two int32 maps, the shield's five int32 arrays and the tables
// it builds its tier from (three int32 per entity, three per node, two
// per intermediate node: at most 24 bytes per node), the node record's
// chunk (int32) and the start's potential scratch (int64), and the chunk
// store (chunks.go: offset, record and chunkCap members per chunkMin
// nodes), and the refined shipments (uncross.go: at most two per node from
// the refinement and two per swap, maxUncrossSwaps per source, 24 bytes
// each) with uncross's tables (four int32 and one bool per source, eight
// int32 of neighbours and eight of bounds).
const (
	bytesPerArc  = 24 + 8 + 24
	bytesPerNode = 24 + 16 + 29 + 16 + 8 + 50 + 28 + 24 + 12 + (8+20+4+4*chunkCap)/chunkMin +
		24*(2+2*maxUncrossSwaps) + 4*4 + 1 + 64
)

// footprint estimates the bytes a solve of s.ma, s.mb on h×w allocates,
// summed over its multiscale levels, and returns the finest level's size.
// It fills the coarse Solvers' masses on the way (warmFromCoarse refills
// them identically).
func (s *Solver) footprint(h, w int) (fine graphSize, bytes int64) {
	for lv, level := 0, s; ; lv++ {
		a, b := level.arcCounts(h, w)
		g := a
		if b.arcs < a.arcs {
			g = b
		}
		if lv == 0 {
			fine = g
		}
		bytes += int64(g.arcs)*bytesPerArc + int64(g.nodes)*bytesPerNode + int64(h*w)*16
		if !level.coarsens(h, w, g.nS, g.nT) {
			return fine, bytes
		}
		level.coarsenMasses(h, w)
		level, h, w = level.coarse, (h+1)/2, (w+1)/2
	}
}

// estimate is footprint from the images' supports alone: s.ma and s.mb
// (len h·w) are overwritten with the supports' indicators. The integer
// masses have the same supports or (a pixel rounded to zero) smaller ones,
// so the estimate is an upper bound, computed in time linear in the pixels.
func (s *Solver) estimate(a, b Image) (graphSize, int64) {
	for i, v := range a.Pix {
		s.ma[i] = 0
		if v > 0 {
			s.ma[i] = 1
		}
	}
	for i, v := range b.Pix {
		s.mb[i] = 0
		if v > 0 {
			s.mb[i] = 1
		}
	}
	return s.footprint(a.H, a.W)
}

// checkSize refuses a problem whose estimated memory exceeds MaxMemory.
// It overwrites s.ma and s.mb (see estimate).
func (s *Solver) checkSize(a, b Image) error {
	limit := s.MaxMemory
	if limit <= 0 {
		limit = DefaultMaxMemory
	}
	g, bytes := s.estimate(a, b)
	h, w := a.H, a.W
	if bytes <= limit {
		return nil
	}
	return fmt.Errorf("%w: a %d×%d pair with supports of %d and %d pixels needs %d nodes and %d arcs, about %s; the limit is %s (raise Solver.MaxMemory, or kenn --max-memory)",
		ErrTooLarge, h, w, g.nS, g.nT, g.nodes, g.arcs, formatBytes(bytes), formatBytes(limit))
}

func formatBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", b)
}
