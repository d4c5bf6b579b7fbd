package ot

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// byMove orders a plan's entries as a stable comparison sort does: by
// squared move length, longest first, then by mass, heaviest first, then
// in the plan's order.
func TestByMove(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := &Solver{}
	for _, g := range [][2]int{{1, 1}, {1, 7}, {7, 7}, {14, 14}, {5, 9}, {32, 32}} {
		h2, w2 := g[0], g[1]
		for trial := 0; trial < 20; trial++ {
			entries := make([]planEntry, rng.IntN(300))
			for i := range entries {
				// few masses, so that equal lengths and masses occur
				entries[i] = planEntry{int32(rng.IntN(h2 * w2)), int32(rng.IntN(h2 * w2)), int64(1 + rng.IntN(4))}
			}
			w := int32(w2)
			move := func(e planEntry) int32 { return sq(e.from/w-e.to/w) + sq(e.from%w-e.to%w) }
			want := slices.Clone(entries)
			slices.SortStableFunc(want, func(a, b planEntry) int {
				if c := cmp.Compare(move(b), move(a)); c != 0 {
					return c
				}
				return cmp.Compare(b.m, a.m)
			})
			if got := s.byMove(slices.Clone(entries), h2, w2); !slices.Equal(got, want) {
				t.Fatalf("%d×%d, %d entries: %v, want %v", h2, w2, len(entries), got, want)
			}
		}
	}
}
