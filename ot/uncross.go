package ot

import "context"

// Uncrossing the refined plan.
//
// The refinement (warmFromCoarse) ships each coarse entry's mass between
// the fine pixels of its two blocks, nearest pairs first, one entry after
// another. Measured on MNIST 28×28, the plan it builds costs about 20%
// more than the optimum, and the simplex spends most of its fine pivots
// undoing that. Much of the excess is crossings: two shipments p1 → q1
// and p2 → q2 with
//
//	|p1−q2|² + |p2−q1|² − |p1−q1|² − |p2−q2|² = 2·(p1−p2)·(q1−q2) < 0,
//
// which swapping their partners removes, for the smaller amount, keeping
// every pixel's mass: the plan stays feasible and its cost drops by
// 2·amount·|(p1−p2)·(q1−q2)|. An optimal plan has no crossing (it is
// cyclically monotone). uncross removes the crossings between the
// shipments of neighbouring source pixels (8-neighbours) until none is
// left: on MNIST the start then costs 6% above the optimum, and the
// finest level takes 40% fewer pivots. Only the starting point changes:
// the simplex still proves the optimum on every arc.

// refShip is one shipment of the refined plan: m units to target j, at
// (qx, qy). next links the shipments of one source (-1 ends the list).
type refShip struct {
	m      int64
	j      int32
	qx, qy int32
	next   int32
}

// uncrossOff is uncross's k-th offset: the forward half of the
// 8-neighbourhood, so that each pair of neighbours is one source and the
// source at an offset from it. A source's box holds, per offset o, the
// largest o·q of its shipments' targets, then the smallest: sources i and
// i2 = i + o have a crossing pair iff box(i).hi[o] > box(i2).lo[o].
func uncrossOff(k int) (dx, dy int32) {
	switch k {
	case 0:
		return 0, 1
	case 1:
		return 1, -1
	case 2:
		return 1, 0
	}
	return 1, 1
}

// maxUncrossSwaps bounds uncross's swaps per source. Each swap lowers the
// plan's integer cost, so uncross ends anyway; the bound keeps a
// pathological plan from costing more time than the pivots it saves, and
// bounds the shipments (each swap adds at most two) for the size guard
// (see bytesPerNode). Measured on every benchmark class: at most 1.8
// swaps per source at one level, 0.6 on average.
const maxUncrossSwaps = 4

// startShips empties the shipments of nS sources.
func (s *Solver) startShips(nS int) {
	s.ships = s.ships[:0]
	s.shipHead = grow32(s.shipHead, nS)
	for i := range s.shipHead {
		s.shipHead[i] = -1
	}
}

// pushShip adds a shipment of m units from source i to target j, which
// i must not ship to yet.
func (s *Solver) pushShip(i, j int32, m int64) {
	q := s.dst[j]
	s.ships = append(s.ships, refShip{m, j, q.x, q.y, s.shipHead[i]})
	s.shipHead[i] = int32(len(s.ships) - 1)
}

// addShip adds m units from source i to target j, to i's shipment to j
// when there is one.
func (s *Solver) addShip(i, j int32, m int64) {
	ships := s.ships
	for k := s.shipHead[i]; k >= 0; k = ships[k].next {
		if ships[k].j == j {
			ships[k].m += m
			return
		}
	}
	s.pushShip(i, j, m)
}

// uncross removes the crossings between the shipments of neighbouring
// sources (see above), and returns how many swaps it made. It stops once
// it has made maxUncrossSwaps per source (a few more, the last pair's);
// unless it made that many, no crossing is left between neighbours. A source at (x, y) is the pixel
// x·sx + y·sy of s.pixSrc; xn and yn bound x and y. It looks at ctx
// every passCheckEvery sources, and returns ctx's error once ctx is done,
// its shipments still a valid plan.
func (s *Solver) uncross(ctx context.Context, xn, yn, sx, sy int32) (int, error) {
	nS := int32(len(s.src))
	// nb[8i+k]: the source at i + offs[k] for k < 4, at i − offs[k−4]
	// for k ≥ 4, or -1
	nb := grow32(s.shipNb, 8*int(nS))
	pixSrc := s.pixSrc
	for i, p := range s.src {
		if err := lookEvery(ctx, i, passCheckEvery); err != nil {
			return 0, err
		}
		row := nb[8*i : 8*i+8]
		for k := 0; k < 4; k++ {
			dx, dy := uncrossOff(k)
			row[k], row[4+k] = -1, -1
			if x, y := p.x+dx, p.y+dy; x < xn && 0 <= y && y < yn {
				row[k] = pixSrc[x*sx+y*sy]
			}
			if x, y := p.x-dx, p.y-dy; 0 <= x && y < yn && 0 <= y {
				row[4+k] = pixSrc[x*sx+y*sy]
			}
		}
	}
	s.shipNb = nb
	s.shipBox = grow32(s.shipBox, 8*int(nS))
	for i := int32(0); i < nS; i++ {
		s.boxOf(i)
	}
	box := s.shipBox
	queued := growBool(s.shipQueued, int(nS))
	clear(queued)
	work := s.shipWork[:0]
	budget := maxUncrossSwaps * int(nS)
	// One look at every pair, then at the pairs of every source whose
	// shipments changed, until none has a crossing.
	for i := int32(0); i < nS; i++ {
		if err := lookEvery(ctx, int(i), passCheckEvery); err != nil {
			return 0, err
		}
		w := 0
		for k, i2 := range nb[8*i : 8*i+4] {
			if i2 >= 0 && box[8*i+int32(k)] > box[8*i2+4+int32(k)] && budget > 0 {
				budget -= s.uncrossPair(i, i2, k)
				w++
				if !queued[i2] {
					queued[i2] = true
					work = append(work, i2)
				}
			}
		}
		if w > 0 && !queued[i] {
			queued[i] = true
			work = append(work, i)
		}
	}
	for looks := 0; len(work) > 0 && budget > 0; looks++ {
		if err := lookEvery(ctx, looks, passCheckEvery); err != nil {
			return 0, err
		}
		i := work[len(work)-1]
		work = work[:len(work)-1]
		queued[i] = false
		for k, i2 := range nb[8*i : 8*i+8] {
			a, b := i, i2
			if k >= 4 {
				a, b, k = i2, i, k-4
			}
			if i2 < 0 || box[8*a+int32(k)] <= box[8*b+4+int32(k)] || budget <= 0 {
				continue
			}
			budget -= s.uncrossPair(a, b, k)
			if !queued[i] {
				queued[i] = true
				work = append(work, i)
			}
			if !queued[i2] {
				queued[i2] = true
				work = append(work, i2)
			}
		}
	}
	s.shipQueued, s.shipWork = queued, work[:0]
	return maxUncrossSwaps*int(nS) - budget, nil
}

// boxOf sets source i's box (see uncrossOffs) from its shipments.
func (s *Solver) boxOf(i int32) {
	const big = 1 << 30
	h0, h1, h2, h3 := int32(-big), int32(-big), int32(-big), int32(-big)
	l0, l1, l2, l3 := int32(big), int32(big), int32(big), int32(big)
	ships := s.ships
	for k := s.shipHead[i]; k >= 0; k = ships[k].next {
		x, y := ships[k].qx, ships[k].qy
		h0, l0 = max(h0, y), min(l0, y)
		h1, l1 = max(h1, x-y), min(l1, x-y)
		h2, l2 = max(h2, x), min(l2, x)
		h3, l3 = max(h3, x+y), min(l3, x+y)
	}
	b := s.shipBox[8*i : 8*i+8 : 8*i+8]
	b[0], b[1], b[2], b[3] = h0, h1, h2, h3
	b[4], b[5], b[6], b[7] = l0, l1, l2, l3
}

// uncrossPair swaps the partners of every crossing pair of shipments from
// sources i and i2 = i + uncrossOff(k), updates both boxes, and returns
// how many swaps it made.
func (s *Solver) uncrossPair(i, i2 int32, k int) int {
	dx, dy := uncrossOff(k)
	swaps := 0
	for a := s.shipHead[i]; a >= 0; a = s.ships[a].next {
		for b := s.shipHead[i2]; b >= 0 && s.ships[a].m > 0; b = s.ships[b].next {
			sa, sb := &s.ships[a], &s.ships[b]
			// (p1−p2)·(q1−q2) < 0 with p1 − p2 = −(dx, dy)
			if sb.m == 0 || dx*(sa.qx-sb.qx)+dy*(sa.qy-sb.qy) <= 0 {
				continue
			}
			amt := min(sa.m, sb.m)
			ja, jb := sa.j, sb.j
			sa.m -= amt
			sb.m -= amt
			s.addShip(i2, ja, amt)
			s.addShip(i, jb, amt)
			swaps++
		}
	}
	s.dropEmpty(i)
	s.dropEmpty(i2)
	s.boxOf(i)
	s.boxOf(i2)
	return swaps
}

// dropEmpty unlinks the shipments of source i whose mass is gone.
func (s *Solver) dropEmpty(i int32) {
	ships := s.ships
	prev := int32(-1)
	for k := s.shipHead[i]; k >= 0; k = ships[k].next {
		if ships[k].m != 0 {
			prev = k
			continue
		}
		if prev < 0 {
			s.shipHead[i] = ships[k].next
		} else {
			ships[prev].next = ships[k].next
		}
	}
}
