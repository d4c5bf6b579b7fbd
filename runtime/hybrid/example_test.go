package hybrid_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/hybrid"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// The shipped MNIST model used on Fashion-MNIST images: the check finds
// it far off its promise.
func ExampleCheck() {
	rt, err := runtime.Open(runtime.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	m, err := rt.Load("../../pretrained/odekenn-ensemble.onnx")
	if err != nil {
		log.Fatal(err)
	}
	imgs, err := dataset.Load("../../testdata/fashion-test-images-idx3-ubyte")
	if err != nil {
		log.Fatal(err)
	}
	f, err := m.Embed(context.Background(), imgs, tiling.EmbedOptions{})
	if err != nil {
		log.Fatal(err)
	}
	r, err := hybrid.Check(context.Background(), m, m.Path, imgs, f, nil, dataset.Features{}, hybrid.CheckOptions{Pairs: 100, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Pairs, "pairs; promise found:", r.Found, "; warning:", r.Warning != "")
	// Output: 100 pairs; promise found: true ; warning: true
}
