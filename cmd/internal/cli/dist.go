package cli

import (
	"context"
	"errors"
	"flag"
	"strings"
	"time"

	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// Env is what a binary gives the commands of this package: its name, for
// the usage lines, and how it runs work distributed.
type Env struct {
	Prog string      // "kenn", "kenn-beam"
	Dist Distributed // NoBeam in kenn; Beam's runners in kenn-beam
}

// Distributed adds distributed runs to pairs, pairwise and knn.
type Distributed interface {
	// Flags registers the flags that choose a distributed run on fs; the
	// returned function, called once fs is parsed and checked, gives the
	// runner, or nil for a local run.
	Flags(fs *flag.FlagSet) func() (Runner, error)
}

// Runner runs a command's work as pipelines and writes the file the local
// command writes (package beamjob: byte for byte the same).
type Runner interface {
	Name() string
	Pairs(ctx context.Context, job PairsJob) (Summary, error)
	Matrix(ctx context.Context, job MatrixJob) (Summary, error)
	KNN(ctx context.Context, job KNNJob) (Summary, error)
}

// PairsJob is kenn pairs' work: W2² of the selected pairs, into a kenn pairs file.
type PairsJob struct {
	Images    string
	Sel       pairs.Selection
	Method    ot.Method
	Out       string
	ShardSize int // pairs per shard
}

// MatrixJob is kenn pairwise's work: a model's distance matrix, into a .npy.
type MatrixJob struct {
	Model, Images, Against, Out string
	Tile, Threads               int
}

// KNNJob is kenn knn's work: the K nearest index images of every query, into a CSV.
type KNNJob struct {
	Model, Index, Query, Out string
	K, Threads               int
	Column                   string // the distances' CSV column (DistanceColumn)
}

// Summary reports a distributed job.
type Summary struct {
	Shards, Resumed, Computed int // shards in all, found done, computed now
	Pipelines                 int // pipelines submitted
	Rows, Cols                int // a matrix job's shape (its .npy's sidecar)
}

// NoBeam is kenn's Distributed: its commands run locally, and --runner
// (and the other Beam flags, accepted but not listed) says that the
// kenn-beam binary runs the same command with the same flags on Beam.
type NoBeam struct{}

// ErrNeedsKennBeam is the error (a usage error) of a Beam flag given to kenn.
var ErrNeedsKennBeam = errors.New("kenn links no Apache Beam: its runners are in the kenn-beam binary (go build ./cmd/kenn-beam; make build writes bin/kenn-beam)")

// Flags registers --runner (listed: it points to kenn-beam) and kenn-beam's
// other Beam flags (not listed), so that a command line written for
// kenn-beam fails in kenn with a message saying where it runs.
func (NoBeam) Flags(fs *flag.FlagSet) func() (Runner, error) {
	runner := fs.String("runner", "", "distributed runs (Apache Beam: prism, universal, flink, spark, dataflow) are kenn-beam's: the same command and flags, run by the kenn-beam binary")
	fs.String("endpoint", "", hiddenPrefix+"kenn-beam")
	fs.String("worker-binary", "", hiddenPrefix+"kenn-beam")
	fs.Duration("connect-timeout", 20*time.Second, hiddenPrefix+"kenn-beam")
	fs.Int("attempts", 3, hiddenPrefix+"kenn-beam")
	fs.Func("beam-opt", hiddenPrefix+"kenn-beam", func(string) error { return nil })
	cmd := fs.Name()
	if _, c, ok := strings.Cut(cmd, " "); ok {
		cmd = c
	}
	return func() (Runner, error) {
		given := ""
		if *runner != "" {
			given = "--runner " + *runner
		}
		for _, n := range [...]string{"endpoint", "worker-binary", "connect-timeout", "attempts", "beam-opt", "shard"} {
			if given == "" && Visited(fs, n) {
				given = FlagName(n)
			}
		}
		if given == "" {
			return nil, nil
		}
		return nil, Usagef("%s: %w: run kenn-beam %s with the same flags", given, ErrNeedsKennBeam, cmd)
	}
}

// NotWithRunner refuses the flags names given on the command line when r
// (nil: a local run) runs the command: its pipelines do not apply them,
// and a flag accepted but ignored gives another result than asked for.
func NotWithRunner(fs *flag.FlagSet, r Runner, names ...string) error {
	if r == nil {
		return nil
	}
	for _, n := range names {
		if Visited(fs, n) {
			return Usagef("%s is not applied by the %s runner: run without --runner to use it", FlagName(n), r.Name())
		}
	}
	return nil
}
