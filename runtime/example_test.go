package runtime_test

import (
	"context"
	"fmt"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// The W2 matrix of a collection with an exported model (compiled, not
// run: it needs libonnxruntime.so.1 and a model file).
func ExampleModel_AllPairsNPY() {
	ctx := context.Background()
	rt, err := runtime.Open(runtime.Options{Device: "cpu", Threads: 2})
	if err != nil {
		panic(err) // says how to get the library when it is missing
	}
	defer rt.Close() // destroys sessions and tensors, then the environment
	model, err := rt.Load("odekenn.onnx")
	if err != nil {
		panic(err)
	}
	imgs, err := dataset.Load("images.idx")
	if err != nil {
		panic(err)
	}
	feats, err := model.Embed(ctx, imgs, tiling.EmbedOptions{}) // [imgs.N, model.F], batches of 256
	if err != nil {
		panic(err)
	}
	// one triangle computed, mirrored, streamed to disk in 1024² tiles
	if err := model.AllPairsNPY(ctx, feats, "D.npy", runtime.PairwiseOptions{}); err != nil {
		panic(err)
	}
	// the 10 nearest neighbours of the first image (itself first, at 0)
	nn, err := model.KNN(ctx, feats, feats.Rows(0, 1), 10, tiling.TileOptions{Tile: 1024})
	if err != nil {
		panic(err)
	}
	fmt.Println(nn[0][1].Index, nn[0][1].Distance)
}
