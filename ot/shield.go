package ot

import "math"

// Shielded pricing on the separable graph.
//
// Each source s = (x, y) has one arc to every intermediate node (x', y) of
// its line y, arcs s·nR+k for the target lines x' = rows[k] in increasing
// order, at cost (x−x')². Each target t = (x', y') has one arc from every
// intermediate node (x', y) of its line x', arcs nS·nR+t·nC+k for the
// source lines y = cols[k] in increasing order, at cost (y−y')². Both
// halves are one-dimensional transport problems with a Monge cost, and the
// shielding argument of Schmitzer (J. Math. Imaging Vis. 2016), which
// GridOT applies to the bipartite grid graph, applies to each line of
// them:
//
// Let a and b be two entities (sources of one line, or targets of one
// line) at coordinates p_a < p_b, and k < l two intermediate nodes of the
// line, at coordinates q_k < q_l. For any potentials, the reduced costs r
// of the four arcs between them satisfy
//
//	r(a,l) − r(a,k) − r(b,l) + r(b,k) = 2·(p_b−p_a)·(q_l−q_k) > 0,
//
// since the potentials cancel around the 4-cycle. So if (b, k) is a tree
// arc (r = 0), then r(a,l) > r(a,k) + r(b,l): b's tree arc shields a from
// every node beyond k, and symmetrically a's tree arcs shield b from
// every node before them.
//
// For an entity a with a tree arc to the line, let lo(a)..hi(a) be the
// hull of a's own tree arcs, the last tree arc of the nearest entity
// before it that has one, and the first tree arc of the nearest entity
// after it that has one; without such an entity before it (after it), the
// range starts at the line's first (ends at its last) node. An entity
// without a tree arc to the line gets the whole line. Claim: if every arc
// inside these ranges has r ≥ 0, every arc has. Take a node l > hi(a),
// and b the nearest entity after a with a tree arc; its first tree arc k
// lies in a's range, so r(a,k) ≥ 0, and r(a,l) > r(b,l). Since
// l > k ≥ lo(b), node l lies in b's range or beyond hi(b), and the same
// step repeats towards the line's last entity, whose range ends at the
// line's end. Nodes before lo(a) are symmetric. No flow, optimality or
// grid neighbourhood is assumed: only the tree arcs' zero reduced cost.
//
// The simplex therefore prices only the arcs in these ranges (the tier).
// When none of them has a negative reduced cost, the ranges are recomputed
// from the current tree, which makes them a proof for that tree; if the
// new tier holds no negative arc either, the basis is optimal over all
// arcs. A final scan of every arc (network.verifyAll) checks that proof
// independently before the solve returns.

// shield holds the line structure of one separable graph and the ranges
// computed from a tree.
type shield struct {
	nS, nR, nT, nC int
	// order lists the entities (sources 0..nS-1, then targets
	// nS..nS+nT-1) line by line, each line in increasing coordinate;
	// line k of the sources is order[start[k]:start[k+1]], the targets'
	// lines follow the sources' nC lines.
	order []int32
	start []int32
	// per entity: first and last tree arc's node index on the line (or
	// MaxInt32 and -1 without one); then the range to price.
	tmin, tmax []int32
	lo, hi     []int32
	// The tier is built from these node-sized tables rather than from
	// the arc arrays (a cache miss per entity) and tree arcs are placed
	// on their lines without a division. Per entity: its network node,
	// its coordinate along its line and its line's first entry in mids;
	// mids lists each line's intermediate nodes in order (the sources'
	// lines, then the targets'), and at lines their coordinates (rows
	// for the sources' lines, cols for the targets'). Per network node:
	// ent, the entity it is, or -1 for an intermediate node, whose
	// indices on its sources' line (row) and targets' line (column) are
	// midRC[2v] and midRC[2v+1] (side by side: a tree arc's index on its
	// line is midRC[2v+side], without a branch on the side).
	entNode, entX, entMid []int32
	mids                  []int32
	rows, cols            []int32
	ent, midRC            []int32
	// Rebuilds counts the tier rebuilds of the last solve.
	Rebuilds int
}

// setShield records the line structure of the graph just built by build.
func (s *Solver) setShield() {
	g := &s.net
	sh := &g.shieldBuf
	nS, nT := len(s.src), len(s.dst)
	nR, nC := len(s.rows), len(s.cols)
	sh.nS, sh.nR, sh.nT, sh.nC = nS, nR, nT, nC
	ne := nS + nT
	sh.order = grow32(sh.order, ne)
	sh.start = grow32(sh.start, nC+nR+1)
	sh.tmin, sh.tmax = grow32(sh.tmin, ne), grow32(sh.tmax, ne)
	sh.lo, sh.hi = grow32(sh.lo, ne), grow32(sh.hi, ne)
	// Counting sort by line. Within a line the supports are collected in
	// increasing coordinate already (see collect), and the sort is stable.
	cnt := sh.start
	for i := range cnt {
		cnt[i] = 0
	}
	for _, p := range s.src {
		cnt[s.colOf[p.y]+1]++
	}
	for _, p := range s.dst {
		cnt[nC+int(s.rowOf[p.x])+1]++
	}
	for k := 1; k < len(cnt); k++ {
		cnt[k] += cnt[k-1]
	}
	fill := append(s.used[:0], cnt...)
	for i, p := range s.src {
		l := s.colOf[p.y]
		sh.order[fill[l]] = int32(i)
		fill[l]++
	}
	for j, p := range s.dst {
		l := nC + int(s.rowOf[p.x])
		sh.order[fill[l]] = int32(nS + j)
		fill[l]++
	}
	s.used = fill[:0]

	nMid := nR * nC
	perm := s.perm
	sh.entNode, sh.entX, sh.entMid = grow32(sh.entNode, ne), grow32(sh.entX, ne), grow32(sh.entMid, ne)
	sh.mids = grow32(sh.mids, 2*nMid)
	sh.rows, sh.cols = append(sh.rows[:0], s.rows...), append(sh.cols[:0], s.cols...)
	n := g.nodes
	sh.ent, sh.midRC = grow32(sh.ent, n), grow32(sh.midRC, 2*n)
	for i, p := range s.src {
		sh.entNode[i] = perm[i]
		sh.entX[i] = p.x
		sh.entMid[i] = s.colOf[p.y] * int32(nR)
		sh.ent[perm[i]] = int32(i)
	}
	for j, p := range s.dst {
		a := nS + j
		sh.entNode[a] = perm[nS+nMid+j]
		sh.entX[a] = p.y
		sh.entMid[a] = int32(nMid) + s.rowOf[p.x]*int32(nC)
		sh.ent[perm[nS+nMid+j]] = int32(a)
	}
	for r := 0; r < nR; r++ {
		for c := 0; c < nC; c++ {
			v := perm[nS+r*nC+c]
			sh.ent[v], sh.midRC[2*v], sh.midRC[2*v+1] = -1, int32(r), int32(c)
			sh.mids[c*nR+r] = v      // source line c, k = r
			sh.mids[nMid+r*nC+c] = v // target line r, k = c
		}
	}
	g.sh = sh
}

// rebuildTier sets g.tier to the arcs in the shield ranges of the current
// tree, in increasing arc order.
func (g *network) rebuildTier() {
	sh := g.sh
	sh.Rebuilds++
	nS, nR, nC := int32(sh.nS), int32(sh.nR), int32(sh.nC)
	split := nS * nR
	tmin, tmax := sh.tmin, sh.tmax
	// tmin starts above every index, tmax below: the updates are
	// branch-free (the arcs come in node order, as good as random).
	for i := range tmin {
		tmin[i], tmax[i] = math.MaxInt32, -1
	}
	m := int32(g.arcs)
	entOf, midRC, ps := sh.ent, sh.midRC, g.ps[:g.nodes]
	for u, e := range g.pred[:g.nodes] {
		if uint32(e) >= uint32(m) { // the root's -1 or an artificial arc
			continue
		}
		// a tree arc joins an entity and an intermediate node
		a, v := int32(u), ps[u].parent
		if entOf[a] < 0 {
			a, v = v, a
		}
		ent := entOf[a]
		side := 0
		if ent >= nS {
			side = 1
		}
		k := midRC[2*int(v)+side]
		tmin[ent] = min(tmin[ent], k)
		tmax[ent] = max(tmax[ent], k)
	}
	lo, hi := sh.lo, sh.hi
	nLines := len(sh.start) - 1
	size := 0
	for l := 0; l < nLines; l++ {
		line := sh.order[sh.start[l]:sh.start[l+1]]
		last := nR - 1
		if l >= int(nC) {
			last = nC - 1
		}
		prev := int32(-1) // last tree node of the nearest entity before
		for _, a := range line {
			if tmax[a] < 0 {
				lo[a], hi[a] = 0, last
				continue
			}
			if prev < 0 {
				lo[a], hi[a] = 0, tmax[a]
			} else {
				lo[a], hi[a] = min(prev, tmin[a]), max(prev, tmax[a])
			}
			prev = tmax[a]
		}
		next := int32(-1) // first tree node of the nearest entity after
		for k := len(line) - 1; k >= 0; k-- {
			a := line[k]
			if tmax[a] >= 0 {
				if next < 0 {
					hi[a] = last
				} else {
					lo[a], hi[a] = min(lo[a], next), max(hi[a], next)
				}
				next = tmin[a]
			}
			size += int(hi[a] - lo[a] + 1)
		}
	}
	if cap(g.tier) < size {
		g.tier = make([]tierArc, 0, size)
	}
	tier := g.tier[:size]
	// the arcs' records, as build made them: source a's arc k goes to
	// the k-th intermediate node of its column, at cost (x − rows[k])²;
	// target a's arc k comes from the k-th of its row, at (y − cols[k])²
	entNode, entX, entMid, mids := sh.entNode, sh.entX, sh.entMid, sh.mids
	rows, cols := sh.rows, sh.cols
	w := 0
	for a := int32(0); a < nS; a++ {
		l, h := lo[a], hi[a]
		u, x, e := entNode[a], entX[a], a*nR+l
		line := mids[entMid[a]+l : entMid[a]+h+1]
		at := rows[l : h+1]
		out := tier[w : w+len(line)]
		for k, v := range line {
			d := int64(x - at[k])
			out[k] = tierArc{d * d, u, v, e + int32(k)}
		}
		w += len(out)
	}
	for a := nS; a < int32(len(lo)); a++ {
		l, h := lo[a], hi[a]
		t, y, e := entNode[a], entX[a], split+(a-nS)*nC+l
		line := mids[entMid[a]+l : entMid[a]+h+1]
		at := cols[l : h+1]
		out := tier[w : w+len(line)]
		for k, v := range line {
			d := int64(y - at[k])
			out[k] = tierArc{d * d, v, t, e + int32(k)}
		}
		w += len(out)
	}
	g.tier = tier
	g.setTierBlock()
}

// findEnteringShielded is block search over the shield's tier. When the
// tier holds no candidate, it is rebuilt from the current tree; a rebuilt
// tier without candidate proves the basis optimal (see above).
func (g *network) findEnteringShielded() bool {
	if g.priceTier() {
		return true
	}
	g.rebuildTier()
	return g.priceTier()
}

// tierArc is an arc of the tier with its ends and cost, so that pricing
// reads one record per arc instead of three arrays.
type tierArc struct {
	cost     int64
	src, tgt int32
	e        int32
}

// priceTier is one block search over g.tier from g.nextArc.
func (g *network) priceTier() bool {
	if g.chunked {
		return g.priceTierChunked()
	}
	nd := g.nd
	var min int64
	t := g.tier
	nt := len(t)
	in := int32(-1)
	k := g.nextArc
	if k >= nt {
		k = 0
	}
	cnt := g.tierBlock
	for s := 0; s < nt; s++ {
		a := &t[k]
		if c := a.cost + nd[a.src].pi - nd[a.tgt].pi; c < min {
			min, in = c, a.e
		}
		if k++; k == nt {
			k = 0
		}
		if cnt--; cnt == 0 {
			if min < 0 {
				break
			}
			cnt = g.tierBlock
		}
	}
	if min < 0 {
		g.inArc = in
		g.nextArc = k
		return true
	}
	return false
}

// priceTierChunked is priceTier on chunked potentials.
func (g *network) priceTierChunked() bool {
	nd, off := g.nd, g.off
	var min int64
	t := g.tier
	nt := len(t)
	in := int32(-1)
	k := g.nextArc
	if k >= nt {
		k = 0
	}
	cnt := g.tierBlock
	for s := 0; s < nt; s++ {
		a := &t[k]
		u, v := &nd[a.src], &nd[a.tgt]
		if c := a.cost + u.pi + off[u.ch] - v.pi - off[v.ch]; c < min {
			min, in = c, a.e
		}
		if k++; k == nt {
			k = 0
		}
		if cnt--; cnt == 0 {
			if min < 0 {
				break
			}
			cnt = g.tierBlock
		}
	}
	if min < 0 {
		g.inArc = in
		g.nextArc = k
		return true
	}
	return false
}

// verifyAll scans every arc and appends those of negative reduced cost to
// the tier; it reports whether it found any. The shield proves there are
// none; this is the independent check of that proof.
func (g *network) verifyAll() bool {
	g.foldOffsets()
	cost, src, tgt, nd := g.cost, g.src, g.tgt, g.nd
	found := false
	for e := 0; e < g.arcs; e++ {
		if cost[e]+nd[src[e]].pi-nd[tgt[e]].pi < 0 {
			g.tier = append(g.tier, tierArc{cost[e], src[e], tgt[e], int32(e)})
			found = true
		}
	}
	return found
}
