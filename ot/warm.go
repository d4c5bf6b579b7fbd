package ot

import (
	"context"
	"fmt"
)

// startFromForest builds the initial spanning tree from the arcs listed in
// g.warmArcs, in increasing order, which must form a forest. Tree arcs carry the flow that
// conservation demands; an arc that would carry zero or negative flow is
// cut, and the cut-off subtree hangs from the root by its artificial arc,
// carrying its imbalance. All zero-flow tree arcs then point away from the
// root: the tree is strongly feasible. It looks at ctx between its
// passes, and returns ctx's error, with the tree unfinished, once ctx is
// done.
func (g *network) startFromForest(ctx context.Context, artCost int64) error {
	n, m := g.nodes, g.arcs
	root := int32(n)
	g.clearFlows() // before sub, which the last solve's flows may overlap
	if err := ctx.Err(); err != nil {
		return err
	}
	g.head = grow32(g.head, n+2)
	for i := range g.head {
		g.head[i] = 0
	}
	cnt := 0
	for _, e := range g.warmArcs {
		g.head[g.src[e]+1]++
		g.head[g.tgt[e]+1]++
		cnt += 2
	}
	for u := 1; u <= n+1; u++ {
		g.head[u] += g.head[u-1]
	}
	g.adj = grow32(g.adj, cnt)
	fill := append(g.fill[:0], g.head[:n+1]...)
	for _, e := range g.warmArcs {
		u, v := g.src[e], g.tgt[e]
		g.adj[fill[u]] = e
		fill[u]++
		g.adj[fill[v]] = e
		fill[v]++
	}
	g.fill = fill

	sub := g.flow[m : m+n] // scratch: artificial flows are rewritten below
	for u := 0; u < n; u++ {
		sub[u] = g.supply[u]
		g.ps[u].parent = -2 // unvisited
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	order := g.order[:0]
	for s := 0; s < n; s++ {
		if err := lookEvery(ctx, s, passCheckEvery); err != nil {
			return err
		}
		if g.ps[s].parent != -2 {
			continue
		}
		g.ps[s].parent = root
		g.pred[s] = -1
		start := len(order)
		order = append(order, int32(s))
		for k := start; k < len(order); k++ { // BFS: parents before children
			u := order[k]
			for _, e := range g.adj[g.head[u]:g.head[u+1]] {
				v := g.src[e]
				if v == u {
					v = g.tgt[e]
				}
				if g.ps[v].parent == -2 {
					g.ps[v].parent = u
					g.pred[v] = e
					order = append(order, v)
				}
			}
		}
	}
	g.order = order
	if err := ctx.Err(); err != nil {
		return err
	}
	for k := n - 1; k >= 0; k-- { // children before parents
		if err := lookEvery(ctx, n-1-k, passCheckEvery); err != nil {
			return err
		}
		u := order[k]
		if e := g.pred[u]; e >= 0 {
			f := sub[u] // u -> parent carries S(u)
			if g.src[e] != u {
				f = -f
			}
			// Keep arcs with positive flow, and zero-flow arcs pointing
			// away from the root (parent -> u): the tree stays strongly
			// feasible, and the basis keeps the structure of the forest.
			if f > 0 || (f == 0 && g.src[e] != u) {
				g.flow[e] = f
				if g.src[e] == u {
					g.predDir[u] = dirUp
				} else {
					g.predDir[u] = dirDown
				}
				sub[g.ps[u].parent] += sub[u]
				continue
			}
			g.ps[u].parent = root
		}
		a := m + int(u)
		g.pred[u] = int32(a)
		if sub[u] > 0 {
			g.src[a], g.tgt[a], g.cost[a] = u, root, 0
			g.predDir[u] = dirUp
		} else {
			g.src[a], g.tgt[a], g.cost[a] = root, u, artCost
			g.predDir[u] = dirDown
		}
	}
	for u := 0; u < n; u++ {
		a := m + u
		if g.pred[u] == int32(a) {
			g.flow[a] = max(sub[u], -sub[u])
		} else {
			g.src[a], g.tgt[a], g.cost[a] = int32(u), root, 0
			g.flow[a] = 0
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := g.attachSingletons(ctx, artCost); err != nil {
		return err
	}
	// children lists, then thread (preorder), potentials, subtree sizes
	g.head = grow32(g.head, n+2)
	for i := range g.head {
		g.head[i] = -1
	}
	g.fill = grow32(g.fill, n+1) // next sibling
	for k := n - 1; k >= 0; k-- {
		u := order[k]
		p := g.ps[u].parent
		g.fill[u] = g.head[p]
		g.head[p] = u
	}
	g.ps[root].parent = -1
	g.pred[root] = -1
	g.nd[root].pi = 0
	rel := g.rel // the potentials, from attachSingletons
	stack := append(g.order[:0], root)
	prev := int32(-1)
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if prev >= 0 {
			g.nd[prev].thr = u
			g.revThread[u] = prev
		}
		prev = u
		if u != root {
			g.nd[u].pi = rel[u]
		}
		for c := g.head[u]; c >= 0; c = g.fill[c] {
			stack = append(stack, c)
		}
	}
	g.nd[prev].thr = root
	g.revThread[root] = prev
	g.order = stack
	for u := 0; u <= n; u++ {
		g.ps[u].succNum = 1
		g.lastSucc[u] = int32(u)
	}
	for u := prev; ; u = g.revThread[u] { // reverse preorder
		if p := g.ps[u].parent; p >= 0 {
			g.ps[p].succNum += g.ps[u].succNum
			if g.lastSucc[p] == p {
				g.lastSucc[p] = g.lastSucc[u]
			}
		}
		if u == root {
			break
		}
	}
	return nil
}

// attachSingletons hangs every node that the forest left alone and that
// needs no flow (an intermediate node no refined shipment used) below the
// tail of its in-arc of least cost plus tail potential, by that arc with
// zero flow, pointing away from the root: the tree stays strongly
// feasible, and every in-arc of the node starts with a non-negative
// reduced cost. Left on its artificial arc, each such node would cost at
// least one degenerate pivot to attach (a 28×28 pair has about a hundred).
// It must run after the flows are set and before the tree structure is
// built. It looks at ctx every attachCheckEvery alone nodes, and returns
// ctx's error once ctx is done.
func (g *network) attachSingletons(ctx context.Context, artCost int64) error {
	n, m := g.nodes, g.arcs
	root := int32(n)
	g.rel = grow64(g.rel, n)
	rel := g.rel
	g.alone = grow32(g.alone, n)
	alone := g.alone // -1: a node on its own artificial arc without flow
	for u := 0; u < n; u++ {
		alone[u] = 0
		if g.ps[u].parent == root && g.flow[m+u] == 0 {
			alone[u] = -1
		}
	}
	for u := 0; u < n; u++ { // a node with children is not alone
		if p := g.ps[u].parent; p != root {
			alone[p] = 0
		}
	}
	for _, u := range g.order { // parents before children
		p := g.ps[u].parent
		switch {
		case p != root && g.predDir[u] == dirUp:
			rel[u] = rel[p] - g.cost[g.pred[u]]
		case p != root:
			rel[u] = rel[p] + g.cost[g.pred[u]]
		case g.src[m+int(u)] == root:
			rel[u] = g.cost[m+int(u)]
		default:
			rel[u] = -g.cost[m+int(u)]
		}
	}
	g.bestPi = grow64(g.bestPi, n)
	best := g.bestPi
	g.bestArc = grow32(g.bestArc, n)
	arc := g.bestArc
	for u := 0; u < n; u++ {
		arc[u] = -1
	}
	// A node alone has no child and no flow on its artificial arc, so its
	// subtree's imbalance, its own supply, is zero: only arcs entering
	// nodes of zero supply need a look. On the separable graph (the
	// shield knows its lines) those are an intermediate node's arcs from
	// the sources of its column, in increasing arc order: only the alone
	// nodes' in-arcs are read, from the shield's node-sized tables.
	if sh := g.sh; sh != nil {
		nR := int32(sh.nR)
		seen := 0
		for v := 0; v < n; v++ {
			if alone[v] != -1 {
				continue
			}
			if err := lookEvery(ctx, seen, attachCheckEvery); err != nil {
				return err
			}
			seen++
			if sh.ent[v] >= 0 {
				panic(fmt.Sprintf("ot: internal error: node %d of supply %d alone", v, g.supply[v]))
			}
			r, c := sh.midRC[2*v], sh.midRC[2*v+1]
			xr := sh.rows[r]
			for _, i := range sh.order[sh.start[c]:sh.start[c+1]] {
				d := int64(sh.entX[i] - xr)
				if val := rel[sh.entNode[i]] + d*d; arc[v] < 0 || val < best[v] {
					best[v], arc[v] = val, i*nR+r
				}
			}
		}
	} else {
		end := m
		if g.zeroIn > 0 {
			end = g.zeroIn
		}
		g.attachScan(end)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for v := 0; v < n; v++ {
		e := arc[v]
		if e < 0 {
			continue
		}
		a := m + v
		g.src[a], g.tgt[a], g.cost[a] = int32(v), root, 0
		g.flow[a] = 0
		g.ps[v].parent = g.src[e]
		g.pred[v] = e
		g.predDir[v] = dirDown
		g.flow[e] = 0
		rel[v] = g.bestPi[v] // the tail's potential plus the arc's cost
	}
	return nil
}

// attachCheckEvery is how many alone nodes attachSingletons attaches
// between two looks at its context: each reads a column's sources, up to
// a few hundred arcs.
const attachCheckEvery = 1024

// attachScan is attachSingletons' search over the arcs [0, end): for
// each alone node, its in-arc of least tail potential plus cost, the
// first of them in arc order.
func (g *network) attachScan(end int) {
	alone, rel, best, arc := g.alone, g.rel, g.bestPi, g.bestArc
	for e := 0; e < end; e++ {
		t, u := g.tgt[e], g.src[e]
		if alone[t] != -1 || alone[u] == -1 {
			continue
		}
		if v := rel[u] + g.cost[e]; arc[t] < 0 || v < best[t] {
			best[t], arc[t] = v, int32(e)
		}
	}
}
