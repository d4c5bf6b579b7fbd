package ot

import (
	"context"
	"math/rand/v2"
	"testing"
)

// uncross keeps every source's and every target's mass, never raises the
// plan's cost, lowers it whenever two neighbouring sources' shipments
// cross, and, unless it spent its swap budget, leaves no crossing between
// 8-neighbour sources (checked by brute force over every pair of
// shipments). Targets near their sources make plans that uncross within
// the budget; targets anywhere, plans that may exhaust it.
func TestUncross(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	finished, exhausted := 0, 0
	for _, g := range [][2]int{{1, 6}, {6, 1}, {4, 4}, {7, 5}, {12, 12}, {20, 20}} {
		for _, rowsFirst := range []bool{true, false} {
			for trial := 0; trial < 30; trial++ {
				h, w := g[0], g[1]
				s := &Solver{rowsFirst: rowsFirst}
				xn, yn, sx, sy := int32(h), int32(w), int32(w), int32(1)
				if !rowsFirst {
					xn, yn, sx, sy = yn, xn, sy, sx
				}
				s.pixSrc = make([]int32, h*w)
				for k := range s.pixSrc {
					s.pixSrc[k] = -1
				}
				// sources on a random subset of the grid, targets anywhere
				for x := int32(0); x < xn; x++ {
					for y := int32(0); y < yn; y++ {
						if rng.IntN(3) > 0 {
							s.pixSrc[x*sx+y*sy] = int32(len(s.src))
							s.src = append(s.src, point{x, y, 0})
						}
					}
				}
				if len(s.src) == 0 {
					continue
				}
				near := trial%2 == 0
				for j := 0; j < 1+rng.IntN(20); j++ {
					s.dst = append(s.dst, point{int32(rng.IntN(int(xn))), int32(rng.IntN(int(yn))), 0})
				}
				if near { // one target beside each source
					s.dst = s.dst[:0]
					for _, p := range s.src {
						x, y := p.x+int32(rng.IntN(3))-1, p.y+int32(rng.IntN(3))-1
						s.dst = append(s.dst, point{min(max(x, 0), xn-1), min(max(y, 0), yn-1), 0})
					}
				}
				s.startShips(len(s.src))
				out := make([]int64, len(s.src))
				in := make([]int64, len(s.dst))
				for i := range s.src {
					js := rng.Perm(len(s.dst))[:1+rng.IntN(min(4, len(s.dst)))]
					if near { // its own target and those of the next sources
						js = js[:0]
						for k := i; k < min(i+1+rng.IntN(3), len(s.dst)); k++ {
							js = append(js, k)
						}
					}
					for _, j := range js {
						m := int64(1 + rng.IntN(5))
						s.pushShip(int32(i), int32(j), m)
						out[i] += m
						in[j] += m
					}
				}
				cost := func() (c int64) {
					for i, p := range s.src {
						for k := s.shipHead[i]; k >= 0; k = s.ships[k].next {
							q := s.dst[s.ships[k].j]
							c += s.ships[k].m * int64(sq(p.x-q.x)+sq(p.y-q.y))
						}
					}
					return c
				}
				crossings := func() (n int) {
					for i, p := range s.src {
						for i2, p2 := range s.src {
							dx, dy := p2.x-p.x, p2.y-p.y
							if i == i2 || max(dx, -dx) > 1 || max(dy, -dy) > 1 {
								continue
							}
							for a := s.shipHead[i]; a >= 0; a = s.ships[a].next {
								for b := s.shipHead[i2]; b >= 0; b = s.ships[b].next {
									q1, q2 := s.dst[s.ships[a].j], s.dst[s.ships[b].j]
									if s.ships[a].m > 0 && s.ships[b].m > 0 && (p.x-p2.x)*(q1.x-q2.x)+(p.y-p2.y)*(q1.y-q2.y) < 0 {
										n++
									}
								}
							}
						}
					}
					return n
				}
				before, crossed := cost(), crossings()
				swaps, err := s.uncross(context.Background(), xn, yn, sx, sy)
				if err != nil {
					t.Fatal(err)
				}
				after := cost()
				if swaps >= maxUncrossSwaps*len(s.src) {
					exhausted++
				} else if n := crossings(); n > 0 {
					t.Fatalf("%d×%d rowsFirst=%v trial %d: %d crossings left (of %d) after %d swaps", h, w, rowsFirst, trial, n, crossed, swaps)
				} else {
					finished++
				}
				if after > before || crossed > 0 && after == before {
					t.Fatalf("%d×%d rowsFirst=%v trial %d: cost %d -> %d with %d crossings", h, w, rowsFirst, trial, before, after, crossed)
				}
				gotOut := make([]int64, len(s.src))
				gotIn := make([]int64, len(s.dst))
				for i := range s.src {
					seen := map[int32]bool{}
					for k := s.shipHead[i]; k >= 0; k = s.ships[k].next {
						sp := s.ships[k]
						if sp.m <= 0 || seen[sp.j] {
							t.Fatalf("source %d: shipment %+v empty or repeated", i, sp)
						}
						if q := s.dst[sp.j]; sp.qx != q.x || sp.qy != q.y {
							t.Fatalf("source %d: shipment %+v records (%d, %d) for target at (%d, %d)", i, sp, sp.qx, sp.qy, q.x, q.y)
						}
						seen[sp.j] = true
						gotOut[i] += sp.m
						gotIn[sp.j] += sp.m
					}
				}
				for i := range out {
					if gotOut[i] != out[i] {
						t.Fatalf("source %d ships %d, want %d", i, gotOut[i], out[i])
					}
				}
				for j := range in {
					if gotIn[j] != in[j] {
						t.Fatalf("target %d receives %d, want %d", j, gotIn[j], in[j])
					}
				}
			}
		}
	}
	if finished < 100 || exhausted == 0 {
		t.Fatalf("%d plans uncrossed, %d exhausted the budget: the cases cover too little", finished, exhausted)
	}
	t.Logf("%d plans uncrossed, %d exhausted the budget", finished, exhausted)
}
