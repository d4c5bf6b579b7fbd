package build_test

import (
	"context"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/pairs"
)

// Train ODE-KENN on exact pairs (compiled, not run: it takes minutes).
func ExampleTrain() {
	load := func(pairsPath string) build.Data {
		pf, err := pairs.ReadFile(pairsPath)
		if err != nil {
			panic(err)
		}
		imgs, err := dataset.Load(pf.Header.Images)
		if err != nil {
			panic(err)
		}
		return build.Data{Images: imgs, Pairs: pf}
	}
	m, err := models.Matched(models.KindODEKENN, 28, 28, 400000, models.DefaultBackbone, 64, 8)
	if err != nil {
		panic(err)
	}
	// all pairs of the training images: block mode
	ck, err := build.Train(context.Background(), m, load("train-all.txt"), load("val.txt"),
		build.Options{Epochs: 60, Batch: 64, Patience: 8, Out: "odekenn.ckpt"})
	if err != nil {
		panic(err) // an interruption says how to resume
	}
	_ = ck.Metrics["pearson"]
}
