package fit_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/fit"
)

// A fit of a fixed small plan on 1,000 MNIST digits: in real use give a
// Budget instead of TrainPairs and Epochs, and the plan is measured.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "kenn-fit-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	res, err := fit.Run(context.Background(), fit.Options{
		Images: "../testdata/mnist-train-images-idx3-ubyte",
		Out:    filepath.Join(dir, "digits.onnx"),
		Group:  8, TrainPairs: 112, Epochs: 2, Seeds: 1,
		TestImages: 50, ValImages: 16,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range res.Files {
		fmt.Println(filepath.Base(f))
	}
	fmt.Println(filepath.Base(res.Card))
	fmt.Printf("split %d/%d/%d; %d test pairs of %d unseen images\n", len(res.Split.Train), len(res.Split.Val), len(res.Split.Test), res.Test.Pairs, res.Test.Images)
	// Output:
	// digits.onnx
	// digits.pairwise.onnx
	// digits.pair.onnx
	// digits.ckpt
	// digits.card.md
	// split 934/16/50; 1225 test pairs of 50 unseen images
}
