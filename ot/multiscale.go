package ot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Multiscale warm start.
//
// A cold network simplex spends most of its pivots far from the optimum:
// restarted from the optimal plan's own arcs, a 28×28 solve needs about a
// tenth of its cold pivots. So before a solve on supports of at least
// coarseMinSupport pixels (coarseMinSparse on a sparse grid), the Solver
// solves the same problem on the grid coarsened 2×2 (pixel masses
// summed, recursively coarsened again while large enough), and refines the coarse optimal plan: each coarse entry
// A→B ships its mass between the fine pixels of blocks A and B, nearest
// pairs first; the crossings between neighbouring sources' shipments are
// then swapped away (uncross.go). The arcs of those fine shipments (each
// routed through its intermediate node) that do not close a cycle form a
// forest, from which
// the simplex starts (network.startFromForest). Only the starting point
// changes: the result is the same LP optimum, checked against POT.

// coarseMinSupport is the support size (of the larger image) from which a
// coarse solve pays for itself. Measured on MNIST and Fashion-MNIST pairs:
// 96–128 is fastest; 48 saves pivots but not time, 192 loses both.
const coarseMinSupport = 96

// coarseMinSparse is the support from which a sparse level (supports on
// at most half its grid) coarsens too: MNIST's 14×14 level (about 64
// pixels of 196) is then started from a 7×7 solve instead of cold, 670 ->
// 452 pivots over all levels. Dense levels below coarseMinSupport, whose
// coarse grid is nearly full, still start cold.
const coarseMinSparse = 48

// coarsenMasses sums s's masses over 2×2 blocks into s.coarse.
func (s *Solver) coarsenMasses(h, w int) {
	h2, w2 := (h+1)/2, (w+1)/2
	if s.coarse == nil {
		s.coarse = &Solver{multiscale: true}
	}
	s.coarse.noShield = s.noShield
	c := s.coarse
	c.ma, c.mb = grow64(c.ma, h2*w2), grow64(c.mb, h2*w2)
	for i := range c.ma {
		c.ma[i], c.mb[i] = 0, 0
	}
	for i := range s.ma {
		k := (i/w/2)*w2 + (i%w)/2
		c.ma[k] += s.ma[i]
		c.mb[k] += s.mb[i]
	}
}

func (s *Solver) warmFromCoarse(ctx context.Context, h, w, side int) error {
	h2, w2 := (h+1)/2, (w+1)/2
	s.coarsenMasses(h, w)
	c := s.coarse
	c.last = Stats{}
	c.shieldMisses = 0
	if _, err := c.solveInts(ctx, h2, w2); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ot: solve stopped after its %d×%d level: %w", h2, w2, err)
	}
	s.shieldMisses += c.shieldMisses
	s.last.Pivots += c.last.Pivots
	s.last.DegeneratePivots += c.last.DegeneratePivots
	entries := c.planEntries(w2, false)

	g := &s.net
	nS := len(s.src)
	nR, nC := len(s.rows), len(s.cols)
	n := h * w
	s.pixSrc, s.pixDst = grow32(s.pixSrc, n), grow32(s.pixDst, n)
	for i := range s.pixSrc {
		s.pixSrc[i], s.pixDst[i] = -1, -1
	}
	pix := func(p point) int {
		if s.rowsFirst {
			return int(p.x)*w + int(p.y)
		}
		return int(p.y)*w + int(p.x)
	}
	s.ra, s.rb = grow64(s.ra, nS), grow64(s.rb, len(s.dst))
	for i, p := range s.src {
		s.pixSrc[pix(p)] = int32(i)
		s.ra[i] = p.m
	}
	for j, p := range s.dst {
		s.pixDst[pix(p)] = int32(j)
		s.rb[j] = p.m
	}
	if len(s.rf) < g.arcs {
		s.rf = make([]int64, g.arcs) // kept all-zero between uses
	}
	s.used = s.used[:0]
	s.uf = grow32(s.uf, g.nodes)
	for u := range s.uf {
		s.uf[u] = int32(u)
	}
	find := func(u int32) int32 {
		for s.uf[u] != u {
			s.uf[u] = s.uf[s.uf[u]]
			u = s.uf[u]
		}
		return u
	}
	// block lists: the fine sources of coarse block A and sinks of B
	var fa, fb [4]int32
	type cand struct {
		i, j int32
		d    int32
	}
	var cands [16]cand
	block := func(k int32, of []int32, out *[4]int32) int {
		r0, c0 := int(k)/w2*2, int(k)%w2*2
		cnt := 0
		for r := r0; r < min(r0+2, h); r++ {
			for cc := c0; cc < min(c0+2, w); cc++ {
				if v := of[r*w+cc]; v >= 0 {
					out[cnt] = v
					cnt++
				}
			}
		}
		return cnt
	}
	// Longest coarse moves first (then heaviest): they have the fewest
	// good fine partners. Measured: a fifth fewer fine pivots than the
	// plan's own order, and fewer than shortest-first or heaviest-first.
	entries = s.byMove(entries, h2, w2)
	stopped := func(err error) error {
		return fmt.Errorf("ot: solve stopped in the start of its %d×%d level: %w", h, w, err)
	}
	s.startShips(nS)
	for k, e := range entries {
		if err := lookEvery(ctx, k, passCheckEvery); err != nil {
			return stopped(err)
		}
		na := block(e.from, s.pixSrc, &fa)
		nb := block(e.to, s.pixDst, &fb)
		nc := 0
		for _, i := range fa[:na] {
			p := s.src[i]
			for _, j := range fb[:nb] {
				q := s.dst[j]
				dx, dy := p.x-q.x, p.y-q.y
				cd := cand{i, j, dx*dx + dy*dy}

				k := nc
				for k > 0 && cands[k-1].d > cd.d { // insertion sort
					cands[k] = cands[k-1]
					k--
				}
				cands[k] = cd
				nc++
			}
		}
		left := e.m
		for _, cd := range cands[:nc] {
			if left == 0 {
				break
			}
			i, j := cd.i, cd.j
			amt := min(left, s.ra[i], s.rb[j])
			if amt == 0 {
				continue
			}
			left -= amt
			s.ra[i] -= amt
			s.rb[j] -= amt
			s.pushShip(i, j, amt) // each (i, j) lies in one entry's blocks
		}
	}
	xn, yn, sx, sy := int32(h), int32(w), int32(w), int32(1)
	if !s.rowsFirst {
		xn, yn, sx, sy = yn, xn, sy, sx
	}
	if err := ctx.Err(); err != nil {
		return stopped(err)
	}
	if _, err := s.uncross(ctx, xn, yn, sx, sy); err != nil {
		return stopped(err)
	}
	// each shipment i -> j runs i -> (x_j, y_i) -> j
	for i, p := range s.src {
		if err := lookEvery(ctx, i, passCheckEvery); err != nil {
			return s.dropRefined(stopped(err))
		}
		for k := s.shipHead[i]; k >= 0; k = s.ships[k].next {
			sp := &s.ships[k]
			e1 := i*nR + int(s.rowOf[sp.qx])
			e2 := nS*nR + int(sp.j)*nC + int(s.colOf[p.y])
			if s.rf[e1] == 0 {
				s.used = append(s.used, int32(e1))
			}
			if s.rf[e2] == 0 {
				s.used = append(s.used, int32(e2))
			}
			s.rf[e1] += sp.m
			s.rf[e2] += sp.m
		}
	}
	if err := ctx.Err(); err != nil {
		return s.dropRefined(stopped(err))
	}
	// Kruskal: keep the arcs of largest refined flow that form a forest.
	idx, ord := s.byFlow(s.used)
	kept := growBool(s.kept, len(idx))
	clear(kept)
	for _, p := range ord {
		e := idx[p]
		s.rf[e] = 0
		ru, rv := find(g.src[e]), find(g.tgt[e])
		if ru != rv {
			kept[p] = true
			s.uf[ru] = rv
		}
	}
	s.kept = kept
	warm := g.warmArcs[:0]
	for p, e := range idx { // increasing arc index
		if kept[p] {
			warm = append(warm, e)
		}
	}
	g.warmArcs = warm
	s.used = idx[:0]
	g.useWarm = true
	return nil
}

// dropRefined zeroes the refined flows that a stopped start left, which
// the next start expects all-zero, and returns err.
func (s *Solver) dropRefined(err error) error {
	for _, e := range s.used {
		s.rf[e] = 0
	}
	s.used = s.used[:0]
	return err
}

func sq(x int32) int32 { return x * x }

// byMove returns entries (of a plan on an h2×w2 grid) longest move first,
// heaviest first among moves of one length, and in the plan's order among
// equals: a counting sort on the squared length, at most (h2−1)² +
// (w2−1)², then a stable sort by mass within each length: by insertion
// for the short runs of sparse images (a comparison sort of the whole plan
// took 3% of a 28×28 solve), by slices.SortStableFunc above longRun. The
// result is in s.moves, which the next call reuses.
func (s *Solver) byMove(entries []planEntry, h2, w2 int) []planEntry {
	w := int32(w2)
	maxD := int(sq(int32(h2-1)) + sq(w-1))
	move := func(e planEntry) int {
		return int(sq(e.from/w-e.to/w) + sq(e.from%w-e.to%w))
	}
	start := grow32(s.moveStart, maxD+2)
	clear(start)
	for _, e := range entries {
		start[maxD-move(e)+1]++ // longest first
	}
	for k := 1; k < len(start); k++ {
		start[k] += start[k-1]
	}
	if cap(s.moves) < len(entries) {
		s.moves = make([]planEntry, len(entries))
	}
	out := s.moves[:len(entries)]
	for _, e := range entries {
		k := maxD - move(e)
		out[start[k]] = e
		start[k]++
	}
	s.moveStart = start
	// start[k] is now the end of length maxD−k's run
	lo := 0
	for k := 0; k <= maxD; k++ {
		hi := int(start[k])
		if hi-lo > longRun {
			// dense images: most moves have one of a few lengths
			slices.SortStableFunc(out[lo:hi], func(a, b planEntry) int {
				return cmp.Compare(b.m, a.m)
			})
			lo = hi
			continue
		}
		for i := lo + 1; i < hi; i++ { // stable: heavier moves ahead only
			e := out[i]
			j := i
			for j > lo && out[j-1].m < e.m {
				out[j] = out[j-1]
				j--
			}
			out[j] = e
		}
		lo = hi
	}
	return out
}

// longRun is the length of a run of equal moves above which byMove sorts
// it by mass with a merge sort rather than by insertion: a dense 160×160
// pair's 80×80 plan has runs of thousands (measured: its insertion sorts
// took 200 ms under the race detector, the whole level's start 450 ms).
// Both sorts are stable on one key: the order is the same.
const longRun = 32

// byFlow puts the refined arcs in Kruskal's order without comparisons and
// without a scan of every arc: idx lists them by increasing arc index (a
// stable LSD radix sort of the distinct arcs used), and ord the positions
// in idx by decreasing refined flow, then increasing arc index (a stable
// LSD radix sort of the positions on the flow's bytes). Both sorts skip
// the bytes their keys all share.
func (s *Solver) byFlow(used []int32) (idx, ord []int32) {
	n := len(used)
	or, and := uint32(0), ^uint32(0)
	for _, e := range used {
		if s.rf[e] == 0 {
			panic(fmt.Sprintf("ot: internal error: refined arc %d listed without flow", e))
		}
		or |= uint32(e)
		and &= uint32(e)
	}
	buf := grow32(s.sorted, n)
	for shift := uint(0); shift < 32; shift += 8 {
		if (or^and)>>shift&0xff == 0 {
			continue
		}
		var count [256]int32
		for _, e := range used {
			count[uint32(e)>>shift&0xff]++
		}
		var sum int32
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, e := range used {
			d := uint32(e) >> shift & 0xff
			buf[count[d]] = e
			count[d]++
		}
		used, buf = buf, used
	}
	for k := 1; k < n; k++ {
		if used[k] <= used[k-1] {
			panic(fmt.Sprintf("ot: internal error: refined arc %d listed twice", used[k]))
		}
	}
	idx = used
	ord, tmp := grow32(s.ord, n), grow32(buf, n)
	var or64, and64 uint64 = 0, ^uint64(0)
	for p, e := range idx {
		ord[p] = int32(p)
		k := ^uint64(s.rf[e])
		or64 |= k
		and64 &= k
	}
	for shift := uint(0); shift < 64; shift += 8 {
		if (or64^and64)>>shift&0xff == 0 {
			continue
		}
		var count [256]int32
		for _, p := range ord {
			count[^uint64(s.rf[idx[p]])>>shift&0xff]++
		}
		var sum int32
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, p := range ord {
			d := ^uint64(s.rf[idx[p]]) >> shift & 0xff
			tmp[count[d]] = p
			count[d]++
		}
		ord, tmp = tmp, ord
	}
	s.sorted, s.ord = tmp, ord
	return idx, ord
}
