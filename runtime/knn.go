package runtime

import (
	"context"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Neighbor is one nearest neighbour: an index row and its model distance
// (tiling.Neighbor, shared with runtime/onnxgo).
type Neighbor = tiling.Neighbor

// KNN returns, for each row of query, its k nearest rows of index
// (nearest first; ties by lower index), streaming over tiles of
// opt.Tile×opt.Tile (0: tiling.DefaultTile) so that the query.N×index.N
// matrix is never held (tiling.KNN). k must be in [1, index.N]. With the
// native kernel the tiles are centred on the mean row of the index, so a
// query's distances do not depend on the other queries (kenn-beam's
// blocks of queries give kenn knn's bits).
func (m *Model) KNN(ctx context.Context, index, query dataset.Features, k int, opt tiling.TileOptions) ([][]Neighbor, error) {
	return m.surf.KNN(ctx, index, query, k, opt)
}
