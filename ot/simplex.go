package ot

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// network is a reusable workspace for the primal network simplex method on
// an uncapacitated minimum-cost flow problem with integer supplies and
// integer arc costs. Integer arithmetic makes every pivot exact: there is no
// tolerance, no drift of the flows and no "infeasible" verdict caused by
// rounding.
//
// The spanning-tree bookkeeping (parent, pred, thread, rev_thread, succ_num,
// last_succ) follows the classical description of Ahuja, Magnanti and Orlin,
// in the variant popularised by LEMON's NetworkSimplex; the pivot rule is
// block search. One network is used by one goroutine at a time.
type network struct {
	nodes, arcs int // real nodes and arcs; the root is node `nodes`

	// arc data; the arcs [arcs, arcs+nodes) are the artificial ones.
	src, tgt []int32
	cost     []int64
	flow     []int64

	// node data; index `nodes` is the artificial root.
	supply []int64
	// nd holds each node's potential (less its chunk's offset), chunk
	// and thread successor: a walk reads one record per node.
	nd []nodeRec
	// ps holds each node's parent and subtree size (succ_num): the join
	// walk reads both at each step, one record.
	ps        []parSucc
	pred      []int32
	predDir   []int8 // dirUp: pred arc goes node->parent; dirDown: parent->node
	revThread []int32
	lastSucc  []int32
	dirty     []int32
	crash     []int32
	// tflow[u] is the flow of u's tree arc pred[u] while the simplex
	// pivots (see loadTreeFlow).
	tflow []int64
	// the cycle of the entering arc: path1 from its source and path2
	// from its target up to the join node (excluded), in walk order;
	// pathBuf1 and pathBuf2 are their storage.
	path1, path2       []int32
	pathBuf1, pathBuf2 []int32
	outIdx             int // uOut's index in its path
	// each path's candidate leaving arc: the node's index in its path
	// (-1: none) and its flow (see findJoinNode)
	k1, k2     int
	min1, min2 int64

	// chunked potentials (see chunks.go): node u's potential is
	// nd[u].pi + off[nd[u].ch].
	chunked bool // potentials are chunked (large networks)
	off     []int64
	meta    []chunkMeta
	members []int32
	freeCh  []int32
	rel     []int64 // attachSingletons' scratch

	// tier lists the arcs that block search prices while sh is set.
	tier      []tierArc
	tierBlock int
	// FullScans counts the full scans of the last solve.
	FullScans int

	// sh, when set, makes the tier the shield ranges of the current tree
	// (see shield.go), which prove optimality without a full scan; a
	// final full scan checks the proof. shieldBuf is its storage.
	sh        *shield
	shieldBuf shield
	// verifyMisses counts the negative arcs the final scans found
	// outside a proven tier (always 0 unless the proof is wrong).
	verifyMisses int

	// warm start: when useWarm is set, solve starts from the forest of
	// the arcs listed in warmArcs, in increasing order (see warm.go),
	// instead of the artificial tree.
	useWarm  bool
	warmArcs []int32
	// zeroIn, when positive, says that the arcs entering nodes of zero
	// supply are all among the arcs [0, zeroIn) (the separable graph's
	// source-to-intermediate half); 0: unknown.
	zeroIn int
	// costMax is the largest arc cost when the builder of the network
	// knows it, -1 when solve must find it.
	costMax int64
	// flowArcs lists the only arcs whose entry of flow, over its whole
	// capacity, may be non-zero (the tree arcs of the last solve, which
	// left its flows there), while flowClean is set; a start then zeroes
	// these instead of every arc.
	flowArcs  []int32
	flowClean bool
	alone     []int32 // attachSingletons' scratch
	bestPi    []int64
	bestArc   []int32
	head      []int32
	adj       []int32
	fill      []int32
	order     []int32

	// pivot state
	inArc, join, uIn, vIn, uOut int32
	delta                       int64
	nextArc, blockSize          int

	// pivots counts the pivots of the last solve, degenerate those that
	// moved no flow.
	pivots, degenerate int
	// maxPivots bounds one solve; exceeding it is an error, never a silent
	// truncation. Zero means a bound derived from the problem size.
	maxPivots int
}

// parSucc is a node's parent in the tree and the size of its subtree.
type parSucc struct{ parent, succNum int32 }

const (
	dirUp   int8 = 1
	dirDown int8 = -1
)

// errPivotLimit is returned when the simplex exceeds its pivot budget.
var errPivotLimit = errors.New("ot: network simplex exceeded its pivot limit")

// reset sizes the workspace for n nodes and m arcs, keeping capacity.
func (g *network) reset(n, m int) {
	g.nodes, g.arcs = n, m
	all := m + n
	g.src = grow32(g.src, all)
	g.tgt = grow32(g.tgt, all)
	g.cost = grow64(g.cost, all)
	if cap(g.flow) < all {
		// zero as made: a start need not clear it (64 MB at 160×160)
		g.flow = make([]int64, all)
		g.flowArcs, g.flowClean = g.flowArcs[:0], true
	}
	g.flow = g.flow[:all]
	g.supply = grow64(g.supply, n+1)
	if cap(g.nd) < n+1 {
		g.nd = make([]nodeRec, n+1)
	}
	g.nd = g.nd[:n+1]
	if cap(g.ps) < n+1 {
		g.ps = make([]parSucc, n+1)
	}
	g.ps = g.ps[:n+1]
	g.pred = grow32(g.pred, n+1)
	g.predDir = grow8(g.predDir, n+1)
	g.revThread = grow32(g.revThread, n+1)
	g.lastSucc = grow32(g.lastSucc, n+1)
	g.pathBuf1 = grow32(g.pathBuf1, n+1)
	g.pathBuf2 = grow32(g.pathBuf2, n+1)
	for i := range g.supply[:n] {
		g.supply[i] = 0
	}
	g.zeroIn, g.costMax = 0, -1
}

// clearFlows makes the flows of the real arcs zero before a start.
func (g *network) clearFlows() {
	if g.flowClean {
		all := g.flow[:cap(g.flow)]
		for _, e := range g.flowArcs {
			all[e] = 0
		}
	} else {
		clear(g.flow[:cap(g.flow)])
	}
	// Until storeTreeFlow lists them, the flows stay in tflow: an ended
	// or failed solve leaves the whole of flow zero, but for one stopped
	// in its start from a forest, which clears flowClean instead.
	g.flowArcs = g.flowArcs[:0]
	g.flowClean = true
}

func grow32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func grow64(s []int64, n int) []int64 {
	if cap(s) < n {
		return make([]int64, n)
	}
	return s[:n]
}

func grow8(s []int8, n int) []int8 {
	if cap(s) < n {
		return make([]int8, n)
	}
	return s[:n]
}

// solve runs the network simplex. Supplies must sum to zero, costs must be
// non-negative, and every demand must be reachable from the supplies
// (callers build complete graphs). It returns the optimal total cost.
func (g *network) solve(ctx context.Context) (int64, error) {
	n, m := g.nodes, g.arcs
	if n == 0 {
		return 0, nil
	}
	var sum, maxCost int64
	for _, s := range g.supply[:n] {
		sum += s
	}
	if sum != 0 {
		panic(fmt.Sprintf("ot: internal error: supplies sum to %d", sum))
	}
	if g.costMax >= 0 {
		maxCost = g.costMax
	} else {
		for _, c := range g.cost[:m] {
			if c > maxCost {
				maxCost = c
			}
		}
	}
	artCost := (maxCost + 1) * int64(n)

	if g.useWarm {
		g.useWarm = false
		if err := g.startFromForest(ctx, artCost); err != nil {
			g.flowClean = false // the start wrote flows that flowArcs does not list
			return 0, fmt.Errorf("ot: solve stopped in its start on %d nodes, %d arcs: %w", n, m, err)
		}
		g.loadTreeFlow()
		g.resetChunks()
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("ot: solve stopped in its start on %d nodes, %d arcs: %w", n, m, err)
		}
	} else {
		g.artificialStart(artCost)
		g.loadTreeFlow()
		g.resetChunks()
		g.initialPivots()
	}
	return g.iterate(ctx)
}

// ctxEvery is how many pivots pass between two looks at the context: a
// pivot takes 0.5 µs at 28×28 and at most a few ms on the largest graphs
// the size guard admits.
const ctxEvery = 64

// artificialStart hangs every node from the root by its artificial arc.
func (g *network) artificialStart(artCost int64) {
	n, m := g.nodes, g.arcs
	g.clearFlows()
	root := int32(n)
	g.ps[root].parent = -1
	g.pred[root] = -1
	g.nd[root].thr = 0
	g.revThread[0] = root
	g.ps[root].succNum = int32(n + 1)
	g.lastSucc[root] = root - 1
	g.supply[root] = 0
	g.nd[root].pi = 0
	for u := 0; u < n; u++ {
		e := m + u
		g.ps[u].parent = root
		g.pred[u] = int32(e)
		g.nd[u].thr = int32(u + 1)
		g.revThread[u+1] = int32(u)
		g.ps[u].succNum = 1
		g.lastSucc[u] = int32(u)
		if g.supply[u] >= 0 {
			g.predDir[u] = dirUp
			g.nd[u].pi = 0
			g.src[e], g.tgt[e] = int32(u), root
			g.flow[e] = g.supply[u]
			g.cost[e] = 0
		} else {
			g.predDir[u] = dirDown
			g.nd[u].pi = artCost
			g.src[e], g.tgt[e] = root, int32(u)
			g.flow[e] = -g.supply[u]
			g.cost[e] = artCost
		}
	}
}

// iterate runs block-search pivots to optimality.
func (g *network) iterate(ctx context.Context) (int64, error) {
	n, m := g.nodes, g.arcs
	g.blockSize = int(math.Sqrt(float64(m)))
	if g.blockSize < 10 {
		g.blockSize = 10
	}
	g.nextArc = 0
	g.pivots, g.degenerate = 0, 0
	g.FullScans = 0
	limit := g.maxPivots
	if limit <= 0 {
		// Far above anything observed (a few times the node count), yet
		// finite: a bug or a pathological input ends with an error.
		limit = 1000*(n+m) + 1_000_000
	}

	find := g.findEnteringArc
	g.verifyMisses = 0
	switch {
	case g.sh != nil:
		g.sh.Rebuilds = 0
		g.rebuildTier()
		find = g.findEnteringShielded
	}
	done := ctx.Done() // nil for a context that is never done
	if done != nil {
		if err := ctx.Err(); err != nil {
			g.endPricing()
			return 0, fmt.Errorf("ot: solve stopped before its first pivot on %d nodes, %d arcs: %w", n, m, err)
		}
	}
	for {
		for find() {
			if g.pivots++; g.pivots > limit {
				g.endPricing()
				return 0, fmt.Errorf("%w (%d pivots on %d nodes, %d arcs)", errPivotLimit, limit, n, m)
			}
			if done != nil && g.pivots%ctxEvery == 0 {
				select {
				case <-done:
					g.endPricing()
					return 0, fmt.Errorf("ot: solve stopped after %d pivots on %d nodes, %d arcs: %w", g.pivots, n, m, ctx.Err())
				default:
				}
			}
			g.pivot()
			if g.delta == 0 {
				g.degenerate++
			}
		}
		// The shield proved the basis optimal; check it on every arc.
		if g.sh == nil {
			break
		}
		if done != nil {
			if err := ctx.Err(); err != nil {
				g.endPricing()
				return 0, fmt.Errorf("ot: solve stopped before its optimality check on %d nodes, %d arcs: %w", n, m, err)
			}
		}
		g.FullScans++
		before := len(g.tier)
		if !g.verifyAll() {
			break
		}
		g.verifyMisses += len(g.tier) - before
		g.setTierBlock()
	}
	g.endPricing()
	// Only tree arcs carry flow: the artificial ones must carry none.
	var total int64
	for u, e := range g.pred[:n] {
		f := g.tflow[u]
		if int(e) >= m {
			if f != 0 {
				return 0, fmt.Errorf("ot: internal error: transport problem infeasible (artificial arc %d carries %d)", int(e)-m, f)
			}
			continue
		}
		total += f * g.cost[e]
	}
	g.storeTreeFlow()
	return total, nil
}

// loadTreeFlow moves the flows of the tree arcs into tflow, indexed by
// the node below each arc, for the pivots; storeTreeFlow moves them back.
// Only tree arcs carry flow (the arcs are uncapacitated, a non-tree arc is
// at its lower bound 0), and a pivot reads and changes the flows of the
// cycle's tree arcs only: node-indexed, they stay in the cache with the
// other node arrays, where the arc-indexed flows (4.2 million arcs, 34 MB,
// at 128×128) were a cache miss per cycle arc.
func (g *network) loadTreeFlow() {
	n := g.nodes
	g.tflow = grow64(g.tflow, n+1)
	tflow, flow, pred := g.tflow, g.flow, g.pred
	for u := 0; u < n; u++ {
		e := pred[u]
		tflow[u] = flow[e]
		flow[e] = 0
	}
	tflow[n] = 0
}

func (g *network) storeTreeFlow() {
	tflow, flow, pred := g.tflow, g.flow, g.pred
	for u := 0; u < g.nodes; u++ {
		flow[pred[u]] = tflow[u]
	}
	g.flowArcs = append(g.flowArcs[:0], pred[:g.nodes]...)
}

// endPricing forgets the pricing setup of the solve that ends, keeping
// the tier's buffer for the next one.
func (g *network) endPricing() {
	g.sh = nil
	g.tier = g.tier[:0]
}

// initialPivots enters, for every demand node, its cheapest incoming arc: a
// cheap crash basis that removes most artificial flow before block search.
func (g *network) initialPivots() {
	// cheapest incoming arc per node, by one pass over the arcs
	g.crash = grow32(g.crash, g.nodes)
	best := g.crash
	for i := range best {
		best[i] = -1
	}
	for e := 0; e < g.arcs; e++ {
		t := g.tgt[e]
		if g.supply[t] >= 0 {
			continue
		}
		if b := best[t]; b < 0 || g.cost[e] < g.cost[b] {
			best[t] = int32(e)
		}
	}
	for _, e := range best {
		if e < 0 {
			continue
		}
		if g.cost[e]+g.potential(g.src[e])-g.potential(g.tgt[e]) >= 0 {
			continue
		}
		g.inArc = e
		g.pivot()
	}
}

// findEnteringArc is block search: scan blocks of arcs cyclically and take
// the most negative reduced cost of the first block that has one.
func (g *network) findEnteringArc() bool {
	var min int64
	cnt := g.blockSize
	m := g.arcs
	cost, src, tgt, nd := g.cost[:m], g.src[:m], g.tgt[:m], g.nd
	in := int32(-1)
	e := g.nextArc
	// Tree arcs have reduced cost exactly 0, so they are never selected:
	// no state test is needed in this loop. Plain block search runs
	// without chunks (see chunks.go): pi is the potential.
	for k := 0; k < m; k++ {
		if c := cost[e] + nd[src[e]].pi - nd[tgt[e]].pi; c < min {
			min, in = c, int32(e)
		}
		if e++; e == m {
			e = 0
		}
		if cnt--; cnt == 0 {
			if min < 0 {
				break
			}
			cnt = g.blockSize
		}
	}
	if min >= 0 {
		return false
	}
	g.inArc = in
	g.nextArc = e
	return true
}

// pivot brings g.inArc (not in the tree, negative reduced cost) into the
// tree. The network keeps no per-arc state: tree arcs are the nodes' pred
// arcs, and every other arc is at its lower bound, flow 0.
func (g *network) pivot() {
	g.findJoinNode()
	change := g.findLeavingArc()
	g.changeFlow()
	if change {
		g.updateTreeStructure()
		g.updatePotential()
	}
}

// The tree walks below read the node arrays through locals: with the
// fields of g the compiler reloads each slice header at every step, since
// the stores of a walk might alias them.

// findJoinNode finds the join node of the cycle closed by inArc and
// records the cycle's two paths: the walks below read them as lists,
// whose loads do not depend on each other, instead of following the
// parent chains again. On the way it finds each path's candidate for the
// leaving arc (see findLeavingArc): the loads of a node's direction and
// flow overlap with the walk's chain of parent loads, and an arc along
// the cycle's direction, which cannot block, counts as of flow inf by a
// conditional move rather than a branch on the direction (as good as
// random). Measured against a second pass over the paths: 3–7% less time
// at 64×64 and 128×128, 4% at 28×28 (with the branch instead, the fused
// walk was 2–4% slower at 28×28).
func (g *network) findJoinNode() {
	ps := g.ps
	predDir, tflow := g.predDir, g.tflow
	p1, p2 := g.pathBuf1, g.pathBuf2
	i, j := 0, 0
	const inf = math.MaxInt64
	min1, min2 := int64(inf), int64(inf)
	k1, k2 := -1, -1
	u, v := g.src[g.inArc], g.tgt[g.inArc]
	for u != v {
		if ps[u].succNum < ps[v].succNum {
			p1[i] = u
			d := tflow[u]
			if predDir[u] != dirUp {
				d = inf
			}
			if d < min1 {
				min1, k1 = d, i
			}
			i++
			u = ps[u].parent
		} else {
			p2[j] = v
			d := tflow[v]
			if predDir[v] != dirDown {
				d = inf
			}
			if d <= min2 && d != inf {
				min2, k2 = d, j
			}
			j++
			v = ps[v].parent
		}
	}
	g.join = u
	g.path1, g.path2 = p1[:i], p2[:j]
	g.min1, g.min2, g.k1, g.k2 = min1, min2, k1, k2
}

// findLeavingArc finds the blocking arc of the cycle closed by inArc. All
// arcs are uncapacitated, so only arcs traversed against their direction can
// block. Ties are broken towards the last blocking arc met from the second
// node, which keeps the tree strongly feasible and prevents cycling: the
// first arc of least flow on the path from the first node (k1, min1, found
// by findJoinNode), unless the path from the second node has one of at most
// that flow, then the last of least flow there (k2, min2).
func (g *network) findLeavingArc() bool {
	first, second := g.src[g.inArc], g.tgt[g.inArc]
	result := 0
	var delta int64
	switch {
	case g.k2 >= 0 && g.min2 <= g.min1:
		result, delta = 2, g.min2
		g.uOut, g.outIdx = g.path2[g.k2], g.k2
	case g.k1 >= 0:
		result, delta = 1, g.min1
		g.uOut, g.outIdx = g.path1[g.k1], g.k1
	}
	if result == 0 {
		// An uncapacitated cycle of negative cost: impossible with
		// non-negative costs.
		panic("ot: internal error: unbounded cycle in network simplex")
	}
	if result == 1 {
		g.uIn, g.vIn = first, second
	} else {
		g.uIn, g.vIn = second, first
		// uIn's path is path2, vIn's path1.
		g.path1, g.path2 = g.path2, g.path1
	}
	g.delta = delta
	return true
}

// changeFlow pushes delta around the cycle. After findLeavingArc, path1
// is uIn's path and path2 vIn's; the arc of a path node u is traversed
// along its direction when u is on the target's path.
func (g *network) changeFlow() {
	if d := g.delta; d > 0 {
		predDir, tflow := g.predDir, g.tflow
		fromSrc, fromTgt := g.path1, g.path2
		if g.uIn != g.src[g.inArc] {
			fromSrc, fromTgt = fromTgt, fromSrc
		}
		for _, u := range fromSrc {
			tflow[u] -= int64(predDir[u]) * d
		}
		for _, u := range fromTgt {
			tflow[u] += int64(predDir[u]) * d
		}
	}
}

func (g *network) updateTreeStructure() {
	ps, nd, revThread := g.ps, g.nd, g.revThread
	lastSucc := g.lastSucc
	pred, predDir, tflow := g.pred, g.predDir, g.tflow
	uIn, vIn, uOut, join := g.uIn, g.vIn, g.uOut, g.join

	oldRevThread := revThread[uOut]
	oldSuccNum := ps[uOut].succNum
	oldLastSucc := lastSucc[uOut]
	vOut := ps[uOut].parent

	if uIn == uOut {
		ps[uIn].parent = vIn
		pred[uIn] = g.inArc
		g.tflow[uIn] = g.delta
		predDir[uIn] = g.dirOf(uIn)
		if nd[vIn].thr != uOut {
			after := nd[oldLastSucc].thr
			g.setThread(oldRevThread, after)
			g.setRev(after, oldRevThread)
			after = nd[vIn].thr
			g.setThread(vIn, uOut)
			g.setRev(uOut, vIn)
			g.setThread(oldLastSucc, after)
			g.setRev(after, oldLastSucc)
		}
	} else {
		// When oldRevThread == vIn, join and vOut coincide.
		threadContinue := nd[vIn].thr
		if oldRevThread == vIn {
			threadContinue = nd[oldLastSucc].thr
		}
		// Re-hang the stem (the path from uIn up to uOut) below vIn,
		// reversing it, and splice the thread accordingly.
		stem, parStem := uIn, vIn
		last := lastSucc[uIn]
		after := nd[last].thr
		g.setThread(vIn, uIn)
		dirty := g.dirty[:0]
		dirty = append(dirty, vIn)
		for stem != uOut {
			nextStem := ps[stem].parent
			g.setThread(last, nextStem)
			dirty = append(dirty, last)

			before := revThread[stem]
			g.setThread(before, after)
			g.setRev(after, before)

			ps[stem].parent = parStem
			parStem = stem
			stem = nextStem

			if lastSucc[stem] == lastSucc[parStem] {
				last = revThread[parStem]
			} else {
				last = lastSucc[stem]
			}
			after = nd[last].thr
		}
		ps[uOut].parent = parStem
		g.setThread(last, threadContinue)
		g.setRev(threadContinue, last)
		lastSucc[uOut] = last

		if oldRevThread != vIn {
			g.setThread(oldRevThread, after)
			g.setRev(after, oldRevThread)
		}
		for _, u := range dirty {
			g.setRev(nd[u].thr, u)
		}
		g.dirty = dirty

		// pred, predDir, lastSucc and succNum along the reversed stem
		tmpSc, tmpLs := int32(0), lastSucc[uOut]
		for u, p := uOut, ps[uOut].parent; u != uIn; u, p = p, ps[p].parent {
			pred[u] = pred[p]
			tflow[u] = tflow[p]
			predDir[u] = -predDir[p]
			tmpSc += ps[u].succNum - ps[p].succNum
			ps[u].succNum = tmpSc
			lastSucc[p] = tmpLs
		}
		pred[uIn] = g.inArc
		g.tflow[uIn] = g.delta
		predDir[uIn] = g.dirOf(uIn)
		ps[uIn].succNum = oldSuccNum
	}

	upLimitOut := int32(-1)
	if lastSucc[join] == vIn {
		upLimitOut = join
	}
	lastSuccOut := lastSucc[uOut]
	for u := vIn; u != -1 && lastSucc[u] == vIn; u = ps[u].parent {
		lastSucc[u] = lastSuccOut
	}
	if join != oldRevThread && vIn != oldRevThread {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = ps[u].parent {
			lastSucc[u] = oldRevThread
		}
	} else if lastSuccOut != oldLastSucc {
		for u := vOut; u != upLimitOut && lastSucc[u] == oldLastSucc; u = ps[u].parent {
			lastSucc[u] = lastSuccOut
		}
	}
	// vIn's path to the join node and vOut's (uIn's path above uOut) are
	// unchanged by the re-hanging.
	for _, u := range g.path2 {
		ps[u].succNum += oldSuccNum
	}
	for _, u := range g.path1[g.outIdx+1:] {
		ps[u].succNum -= oldSuccNum
	}
}

func (g *network) dirOf(u int32) int8 {
	if u == g.src[g.inArc] {
		return dirUp
	}
	return dirDown
}

func (g *network) updatePotential() {
	sigma := g.potential(g.vIn) - g.potential(g.uIn) - int64(g.predDir[g.uIn])*g.cost[g.inArc]
	uIn := g.uIn
	size, total := g.ps[uIn].succNum, int32(g.nodes+1)
	if 2*size <= total {
		g.shiftRange(uIn, g.lastSucc[uIn], size, sigma)
		return
	}
	// The moved subtree is most of the tree: shift the rest instead.
	// Potentials matter only up to a common constant.
	g.shiftRange(g.nd[g.lastSucc[uIn]].thr, g.revThread[uIn], total-size, -sigma)
}

// tierBlockFactor scales the tier's block, √|tier| arcs by default; with
// the shield's small tier this makes blocks of 10–15 arcs (the minimum is
// 10). Small blocks take the first good arc nearby rather than the best
// far away: measured against 0.5 (min CPU of 3 alternating runs), fewer
// pivots on the dense sets (smooth 128×128 84k -> 67k fine pivots) and
// 6–38% less time at 64×64 and 128×128, the same at 28×28; a minimum of 4
// instead of 10 was no different.
const tierBlockFactor = 0.05

func (g *network) setTierBlock() {
	g.tierBlock = max(10, int(tierBlockFactor*math.Sqrt(float64(len(g.tier)))))
	g.nextArc = 0
}
