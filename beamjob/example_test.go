package beamjob_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/beamjob"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// Exact W2² for 300 random pairs as a Beam pipeline on the in-process
// prism runner, in shards of 100 pairs: the file is the one kenn pairs
// writes.
func ExampleRunPairs() {
	dir, _ := os.MkdirTemp("", "kenn-example")
	defer os.RemoveAll(dir)
	sum, err := beamjob.RunPairs(context.Background(), beamjob.PairsJob{
		Images:    "../testdata/mnist-test-images-idx3-ubyte",
		Sel:       pairs.Selection{N: 300, Seed: 1},
		Method:    ot.NewSolver(),
		Out:       filepath.Join(dir, "pairs.txt"),
		ShardSize: 100,
		Runner:    beamjob.Runner{Name: "prism"},
	})
	if err != nil {
		panic(err)
	}
	f, err := pairs.ReadFile(filepath.Join(dir, "pairs.txt"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d shards, %d pairs, first W2² %.6f px²\n", sum.Shards, len(f.Pairs), f.W2Sq[0])
	// Output: 3 shards, 300 pairs, first W2² 20.273270 px²
}
