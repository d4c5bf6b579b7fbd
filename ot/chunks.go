package ot

// Chunked potentials.
//
// A pivot adds one constant to the potentials of a subtree (or of the rest
// of the tree), a segment of the thread; walking it node by node, one
// dependent load after the other, was most of a large solve's time. The
// network therefore groups runs of the thread into chunks: a chunk c is a
// run of meta[c].size consecutive nodes of the thread, from meta[c].first
// to meta[c].last, listed in members, and carries an offset off[c]. A
// node u's potential is nd[u].pi + off[nd[u].ch]; chunk 0 is the loose
// nodes', its offset always 0. A walk that meets a chunk whose run lies
// inside its segment adds the constant to the chunk's offset and jumps
// over the run to meta[c].next (or meta[c].prev walking backwards): two
// dependent loads instead of size of them.
//
// Invariant: each chunk's nodes are exactly the run of the thread from its
// first node, size long, ending at its last. A run stays intact as long as
// no thread link inside it changes, so every write of a thread link a→b
// in the tree update (setThread) first dissolves a's chunk unless a is the
// chunk's last node: the offset is folded into its nodes' pi, which become
// loose. A new link leaving a chunk's last node, or entering its first
// (setRev), keeps the run and updates next or prev. Walks form new chunks
// from the runs of loose nodes they visit. Potentials stay exact integers:
// an offset is the sum of the integer shifts its nodes would have
// received, and a node's potential is the same integer either way.
//
// Chunks are used on networks of chunkNodes nodes or more priced by the
// shield's tier (priceTierChunked); the full scans fold the offsets into
// pi first (foldOffsets), and plain block search (the cold coarsest level,
// the unshielded reference) runs without chunks.

// nodeRec is a node's entry in the network's node table.
type nodeRec struct {
	pi  int64 // potential, less the offset of the node's chunk
	ch  int32 // the node's chunk; 0: loose
	thr int32 // successor in the thread (preorder) of the tree
}

// chunkMeta describes a chunk: its run of the thread from first to last,
// size nodes, and the nodes before and after the run (prev, next), kept
// up to date by setRev and setThread.
type chunkMeta struct {
	first, last, size int32
	prev, next        int32
}

const (
	// chunkCap is the most nodes a chunk holds, chunkMin the fewest a new
	// chunk keeps (shorter runs stay loose: jumping over them saves
	// little). Measured against 32 and 8 (min CPU of alternating runs,
	// same pivots): 6–15% less time at 128×128, 2–6% at 64×64; 16 and 4
	// were 10–30% slower; 64/8, 64/16, 256/16 and 256/32 lay between or
	// level with 128/16.
	chunkCap = 128
	chunkMin = 16
	// chunkWalkMin is the segment length from which a walk looks at the
	// chunks; shorter ones add to pi node by node.
	chunkWalkMin = 24
	// chunkNodes is the network size from which potentials are chunked.
	// Measured against 2048 (min CPU of alternating runs, same pivots):
	// 5% less time on the 32×32 sets (3,072 nodes), whose walks from
	// both ends of the segment are faster than chunks; the same at 64×64
	// and 128×128; 1024 was slower, 8192 level with 4096.
	chunkNodes = 4096
)

// resetChunks makes every node loose; the potentials are then pi alone.
func (g *network) resetChunks() {
	n := g.nodes + 1
	nd := g.nd[:n]
	for u := range nd {
		nd[u].ch = 0
	}
	g.chunked = n >= chunkNodes && g.sh != nil
	maxCh := n/chunkMin + 3 // chunks of chunkMin nodes or more, two forming
	g.off = grow64(g.off, maxCh)
	clear(g.off)
	if cap(g.meta) < maxCh {
		g.meta = make([]chunkMeta, maxCh)
	}
	g.meta = g.meta[:maxCh]
	g.members = grow32(g.members, maxCh*chunkCap)
	g.freeCh = g.freeCh[:0]
	for c := maxCh - 1; c >= 1; c-- {
		g.freeCh = append(g.freeCh, int32(c))
	}
}

// foldOffsets adds every chunk's offset to its nodes' pi and sets the
// offsets to 0 (the chunks stay): a full scan of the arcs then reads pi
// alone.
func (g *network) foldOffsets() {
	if !g.chunked {
		return
	}
	nd, off := g.nd, g.off
	for u := range nd {
		nd[u].pi += off[nd[u].ch]
	}
	clear(off)
}

// potential is node u's potential.
func (g *network) potential(u int32) int64 { return g.nd[u].pi + g.off[g.nd[u].ch] }

// dissolve folds chunk c's offset into its nodes' potentials and makes
// them loose.
func (g *network) dissolve(c int32) {
	nd := g.nd
	d := g.off[c]
	for _, u := range g.members[int(c)*chunkCap : int(c)*chunkCap+int(g.meta[c].size)] {
		nd[u].pi += d
		nd[u].ch = 0
	}
	g.off[c] = 0
	g.freeCh = append(g.freeCh, c)
}

// setThread sets a's thread successor to b. It first dissolves a's chunk
// unless a ends it (then b becomes the node after the chunk).
func (g *network) setThread(a, b int32) {
	r := &g.nd[a]
	if r.ch != 0 {
		g.leaveChunk(a, b)
	}
	r.thr = b
}

// leaveChunk is setThread's work when a is in chunk c.
//
//go:noinline
func (g *network) leaveChunk(a, b int32) {
	c := g.nd[a].ch
	if g.meta[c].last != a {
		g.dissolve(c)
	} else {
		g.meta[c].next = b
	}
}

// setRev sets a's thread predecessor to b.
func (g *network) setRev(a, b int32) {
	if c := g.nd[a].ch; c != 0 && g.meta[c].first == a {
		g.meta[c].prev = b
	}
	g.revThread[a] = b
}

// shiftRange adds sigma to the potentials of the length nodes of the
// thread from start to last. It walks the segment from both ends at once
// (forward by the thread, backward by revThread: two independent chains),
// jumps over the chunks that lie inside it, and makes chunks of the runs
// of loose nodes it visits.
func (g *network) shiftRange(start, last, length int32, sigma int64) {
	nd, revThread := g.nd, g.revThread
	if length < chunkWalkMin && g.chunked {
		for u := start; length > 0; length-- {
			nd[u].pi += sigma
			u = nd[u].thr
		}
		return
	}
	if !g.chunked {
		// Node by node from both ends: two independent chains. (On the
		// large networks, whose short walks stay on one chain above,
		// the second chain's loads of revThread cost more than its
		// overlap saves: +3% at 64×64.)
		f, b := start, last
		for ; length >= 2; length -= 2 {
			nd[f].pi += sigma
			nd[b].pi += sigma
			f, b = nd[f].thr, revThread[b]
		}
		if length == 1 {
			nd[f].pi += sigma
		}
		return
	}
	off, meta, mem := g.off, g.meta, g.members
	rem := length
	f, b := start, last
	// the chunks being formed from loose nodes, by each lane, and their
	// node counts (fc, bc 0: none)
	var fc, fn, bc, bn int32
	for {
		// forward lane
		r := &nd[f]
		if c := r.ch; c != 0 {
			if fc != 0 {
				g.endChunk(fc, fn)
				fc = 0
			}
			if m := &meta[c]; m.first == f && m.size <= rem {
				off[c] += sigma
				rem -= m.size
				f = m.next
			} else {
				r.pi += sigma
				rem--
				f = r.thr
			}
		} else {
			r.pi += sigma
			rem--
			if fc == 0 && len(g.freeCh) > 0 {
				fc = g.freeCh[len(g.freeCh)-1]
				g.freeCh = g.freeCh[:len(g.freeCh)-1]
				fn = 0
				meta[fc].first = f
			}
			if fc != 0 {
				r.ch = fc
				mem[fc*chunkCap+fn] = f
				meta[fc].last = f
				if fn++; fn == chunkCap {
					g.endChunk(fc, fn)
					fc = 0
				}
			}
			f = r.thr
		}
		if rem == 0 {
			break
		}
		// backward lane
		r = &nd[b]
		if c := r.ch; c != 0 {
			if bc != 0 {
				g.endChunk(bc, bn)
				bc = 0
			}
			if m := &meta[c]; m.last == b && m.size <= rem {
				off[c] += sigma
				rem -= m.size
				b = m.prev
			} else {
				r.pi += sigma
				rem--
				b = revThread[b]
			}
		} else {
			r.pi += sigma
			rem--
			if bc == 0 && len(g.freeCh) > 0 {
				bc = g.freeCh[len(g.freeCh)-1]
				g.freeCh = g.freeCh[:len(g.freeCh)-1]
				bn = 0
				meta[bc].last = b
			}
			if bc != 0 {
				r.ch = bc
				mem[bc*chunkCap+bn] = b
				meta[bc].first = b
				if bn++; bn == chunkCap {
					g.endChunk(bc, bn)
					bc = 0
				}
			}
			b = revThread[b]
		}
		if rem == 0 {
			break
		}
	}
	if fc != 0 {
		g.endChunk(fc, fn)
	}
	if bc != 0 {
		g.endChunk(bc, bn)
	}
}

// endChunk ends the forming of chunk c at n nodes: it keeps it if it is
// long enough, and otherwise makes its nodes loose again (their potentials
// are already in pi: a forming chunk's offset is 0).
func (g *network) endChunk(c, n int32) {
	m := &g.meta[c]
	if n >= chunkMin {
		m.size = n
		m.next = g.nd[m.last].thr
		m.prev = g.revThread[m.first]
		return
	}
	for _, u := range g.members[c*chunkCap : c*chunkCap+n] {
		g.nd[u].ch = 0
	}
	g.freeCh = append(g.freeCh, c)
}
