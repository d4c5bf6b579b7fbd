package hybrid

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/runtime"
)

// Rerank re-orders every query's candidates (a model's nearest index
// images, as runtime.Model.KNN returns them) by exact W2 and keeps the k
// nearest, with their exact W2 in pixels as Distance. Ties in exact W2 keep
// the index order. With C candidates per query it solves C exact problems a
// query, where brute-force exact kNN solves one per index image.
func Rerank(ctx context.Context, index, query *dataset.Images, cands [][]runtime.Neighbor, k int, opt pairs.Options) ([][]runtime.Neighbor, error) {
	if len(cands) != query.N {
		return nil, fmt.Errorf("hybrid: %d candidate lists for %d queries", len(cands), query.N)
	}
	if index.H != query.H || index.W != query.W {
		return nil, fmt.Errorf("hybrid: index %s is %dx%d, queries %s are %dx%d", index.Source, index.H, index.W, query.Source, query.H, query.W)
	}
	both := &dataset.Images{N: index.N + query.N, H: index.H, W: index.W, Pix: append(append([]float32(nil), index.Pix...), query.Pix...),
		Source: index.Source + " + " + query.Source}
	var ps []pairs.Pair
	for q, cs := range cands {
		if len(cs) < k {
			return nil, fmt.Errorf("hybrid: query %d has %d candidates, fewer than k = %d", q, len(cs), k)
		}
		for _, c := range cs {
			if c.Index < 0 || c.Index >= index.N {
				return nil, fmt.Errorf("hybrid: query %d: candidate %d is outside the index of %d images", q, c.Index, index.N)
			}
			ps = append(ps, pairs.Pair{I: c.Index, J: index.N + q})
		}
	}
	w2sq, err := pairs.Compute(ctx, both, ps, opt)
	if err != nil {
		return nil, fmt.Errorf("hybrid: %w", err)
	}
	out := make([][]runtime.Neighbor, len(cands))
	at := 0
	for q, cs := range cands {
		rs := make([]runtime.Neighbor, len(cs))
		for c, n := range cs {
			rs[c] = runtime.Neighbor{Index: n.Index, Distance: float32(math.Sqrt(w2sq[at+c]))}
		}
		at += len(cs)
		sort.SliceStable(rs, func(x, y int) bool {
			if rs[x].Distance != rs[y].Distance {
				return rs[x].Distance < rs[y].Distance
			}
			return rs[x].Index < rs[y].Index
		})
		out[q] = rs[:k]
	}
	return out, nil
}
