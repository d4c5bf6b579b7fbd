package runtime

import (
	"container/heap"
	"context"
	"fmt"
	"sort"
)

// Neighbor is one nearest neighbour: an index row and its model distance.
type Neighbor struct {
	Index    int
	Distance float32
}

// KNN returns, for each of the nq query rows, its k nearest index rows
// (nearest first; ties by lower index), streaming over index tiles so that
// the nq×ni matrix is never held: memory is O(tile·(tile + k)).
func (m *Model) KNN(ctx context.Context, index []float32, ni int, query []float32, nq int, k, tile int) ([][]Neighbor, error) {
	if k <= 0 || k > ni {
		return nil, fmt.Errorf("runtime: k = %d with %d index rows", k, ni)
	}
	if tile <= 0 {
		tile = 1024
	}
	out := make([][]Neighbor, nq)
	buf := make([]float32, tile*tile)
	for q0 := 0; q0 < nq; q0 += tile {
		nqt := min(tile, nq-q0)
		heaps := make([]maxHeap, nqt)
		for i0 := 0; i0 < ni; i0 += tile {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			nit := min(tile, ni-i0)
			d := buf[:nqt*nit]
			if err := m.PairwiseTile(query[q0*m.F:], nqt, index[i0*m.F:], nit, d); err != nil {
				return nil, err
			}
			for r := 0; r < nqt; r++ {
				h := &heaps[r]
				for c := 0; c < nit; c++ {
					nb := Neighbor{i0 + c, d[r*nit+c]}
					if h.Len() < k {
						heap.Push(h, nb)
					} else if less(nb, (*h)[0]) {
						(*h)[0] = nb
						heap.Fix(h, 0)
					}
				}
			}
		}
		for r := range heaps {
			nbs := []Neighbor(heaps[r])
			sort.Slice(nbs, func(a, b int) bool { return less(nbs[a], nbs[b]) })
			out[q0+r] = nbs
		}
	}
	return out, nil
}

func less(a, b Neighbor) bool {
	if a.Distance != b.Distance {
		return a.Distance < b.Distance
	}
	return a.Index < b.Index
}

// maxHeap keeps the k best so far with the worst on top.
type maxHeap []Neighbor

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return less(h[j], h[i]) }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(Neighbor)) }
func (h *maxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
