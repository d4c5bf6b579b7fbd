package pairs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// Exact W2² for a list of pairs, in parallel across pairs.
func ExampleCompute() {
	imgs, err := dataset.Load("../testdata/mnist-train-images-idx3-ubyte")
	if err != nil {
		panic(err)
	}
	ps := []pairs.Pair{{I: 0, J: 1}, {I: 2, J: 900}}
	vals, err := pairs.Compute(context.Background(), imgs, ps, pairs.Options{Method: ot.NewSolver()})
	if err != nil {
		panic(err)
	}
	for k, p := range ps {
		fmt.Printf("W2²(%d, %d) = %.6f\n", p.I, p.J, vals[k])
	}
	// Output:
	// W2²(0, 1) = 1.103046
	// W2²(2, 900) = 6.842850
}

// A resumable ground-truth job: rerunning after an interruption computes
// only the missing pairs.
func ExampleGenerate() {
	imgs, err := dataset.Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "pairs")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "train-pairs.txt")
	sum, err := pairs.Generate(context.Background(), imgs, pairs.Selection{N: 100, Seed: 1}, out, pairs.Options{Method: ot.NewSolver()})
	if err != nil {
		panic(err)
	}
	f, err := pairs.ReadFile(out)
	if err != nil {
		panic(err)
	}
	fmt.Println(sum.Total, len(f.Pairs), f.Header.Selection)
	// Output: 100 100 random n=100 seed=1
}
