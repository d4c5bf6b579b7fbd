// Command kenn-beam is kenn's pairs, pairwise and knn with Apache Beam
// runners: the same commands and flags as kenn's, plus --runner prism
// (in-process) | universal, flink, spark (a portable Beam job server at
// --endpoint) | dataflow, --endpoint, --worker-binary, --connect-timeout,
// --attempts and --beam-opt. A distributed run writes the file of the
// local run byte for byte (package beamjob); without --runner a command
// runs locally, as kenn's does.
//
// It is a second main package so that kenn itself links no Beam, GCP,
// OpenTelemetry or docker package (internal/archtest checks it): the
// commands live in cmd/internal/cli, which both binaries import; kenn
// gives them cli.NoBeam (its --runner says to use kenn-beam), this one
// Beam's runners. A portable runner's workers run this same executable
// (or --worker-binary): beamjob.WorkerMain serves them.
//
//	go build ./cmd/kenn-beam    # make build writes bin/kenn-beam
//	kenn-beam pairs --images digits.idx3 --all -o pairs.txt --runner prism
package main

import (
	"os"

	"github.com/kenn-ot/kenn/beamjob"
	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/pairs"
)

const about = "kenn-beam: kenn's pairs, pairwise and knn, locally or as Apache Beam pipelines (--runner)."

func commands() map[string]cli.Command {
	env := cli.Env{Prog: "kenn-beam", Dist: beam{}}
	return map[string]cli.Command{
		"pairs":    {Summary: "resumable ground-truth W2² for random pairs or all pairs of a collection", Run: env.Pairs},
		"pairwise": {Summary: "model distance matrix of one or two collections, tiled, streamed to .npy", Run: env.Pairwise},
		"knn":      {Summary: "k nearest neighbours of queries in an index, without the full matrix", Run: env.KNN},
	}
}

func main() {
	if beamjob.WorkerMain(os.Args[1:]) {
		return
	}
	os.Exit(cli.Main("kenn-beam", about, commands(), os.Args[1:], pairs.ErrInterrupted))
}
