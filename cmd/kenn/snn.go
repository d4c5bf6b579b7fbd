package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	bsnn "github.com/kenn-ot/kenn/build/snn"
	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/dataset"
	esnn "github.com/kenn-ot/kenn/export/snn"
	msnn "github.com/kenn-ot/kenn/models/snn"
	"github.com/kenn-ot/kenn/runtime"
)

// snnCommand is one subcommand of kenn snn.
type snnCommand struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

// snnCommands are the subcommands of kenn snn: stochastic neural
// networks for conditional laws P(y | x) of tables (packages models/snn,
// build/snn, export/snn; runtime.LoadSampler), a product apart from the
// image W2 surrogates of the other commands.
func snnCommands() map[string]snnCommand {
	return map[string]snnCommand{
		"train":  {summary: "train an snn (or an mse / cross-entropy baseline) on a CSV table, early stopping on validation local W2²", run: runSNNTrain},
		"export": {summary: "compile an snn checkpoint to ONNX: NAME.onnx samples y | x, NAME.noise.onnx takes the noise as inputs", run: runSNNExport},
		"sample": {summary: "samples of y | x from an snn, via onnxruntime (.onnx) or Gorgonia (.ckpt)", run: runSNNSample},
	}
}

func snnUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: kenn snn <subcommand> [flags]\n\nStochastic neural networks (SNN) for conditional laws P(y | x) of tables: continuous and\ncategorical outputs, trained with the local generalized W2 loss (docs/results/snn/README.md).\n\nSubcommands:\n")
	subs := snnCommands()
	for _, n := range slices.Sorted(maps.Keys(subs)) {
		fmt.Fprintf(w, "  %-7s %s\n", n, subs[n].summary)
	}
	fmt.Fprintf(w, "\nRun `kenn snn <subcommand> -h` for the flags of one subcommand.\n")
}

func runSNN(ctx context.Context, args []string) error {
	if len(args) == 0 {
		snnUsage(os.Stderr)
		return usagef("kenn snn needs a subcommand: %s", strings.Join(slices.Sorted(maps.Keys(snnCommands())), ", "))
	}
	switch args[0] {
	case "-h", "--help", "help":
		snnUsage(os.Stderr)
		return flag.ErrHelp
	}
	sub, ok := snnCommands()[args[0]]
	if !ok {
		return usagef("unknown subcommand %q (want %s)", args[0], strings.Join(slices.Sorted(maps.Keys(snnCommands())), ", "))
	}
	return sub.run(ctx, args[1:])
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

func intList(s string) ([]int, error) {
	var out []int
	for _, p := range splitList(s) {
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", p)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseCategorical reads "c1=0:1:2,c2": names, optionally with their codes.
func parseCategorical(s string) (map[string][]float64, error) {
	out := map[string][]float64{}
	for _, p := range splitList(s) {
		name, codes, has := strings.Cut(p, "=")
		out[name] = nil
		if has {
			for _, c := range strings.Split(codes, ":") {
				v, err := strconv.ParseFloat(c, 64)
				if err != nil {
					return nil, fmt.Errorf("--categorical %s: code %q is not a number", name, c)
				}
				out[name] = append(out[name], v)
			}
		}
	}
	return out, nil
}

// checkColumns adds the rules of --x and --y: no column twice, none both
// an input and an output.
func checkColumns(fc *checker, x, y []string) {
	seen := map[string]string{}
	for _, l := range []struct {
		flag string
		cols []string
	}{{"--x", x}, {"--y", y}} {
		for _, col := range l.cols {
			switch prev := seen[col]; {
			case col == "":
				fc.failf("%s: an empty column name", l.flag)
			case prev == l.flag:
				fc.failf("%s: column %q named twice", l.flag, col)
			case prev != "":
				fc.failf("column %q is in both --x and --y: a column is an input or an output, not both", col)
			}
			seen[col] = l.flag
		}
	}
}

// latentSpec maps --latent to build/snn.Spec.Latent (whose 0 is the default).
func latentSpec(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func tableData(t *dataset.Table, x, y []string) (bsnn.Data, error) {
	xs, err := t.Select(x)
	if err != nil {
		return bsnn.Data{}, err
	}
	ys, err := t.Select(y)
	if err != nil {
		return bsnn.Data{}, err
	}
	return bsnn.Data{X: xs, Y: ys}, nil
}

func runSNNTrain(ctx context.Context, args []string) error {
	fs := newFlags("snn train", "--table TRAIN.csv --x X1[,…] --y Y1[,…] [--categorical C1[=code:code…],…] [--val VAL.csv] [--loss w2|mse|ce] [--seed S] -o S.ckpt")
	table := fs.String("table", "", "training table: CSV with a header")
	val := fs.String("val", "", "validation table (default: every 5th row of --table, held out)")
	xcols := fs.String("x", "", "input columns")
	ycols := fs.String("y", "", "output columns (continuous and categorical)")
	catcols := fs.String("categorical", "", "categorical outputs, each optionally with its codes: c1=0:1:2 (default: the codes in the training table)")
	loss := fs.String("loss", msnn.LossW2, "w2 (stochastic network, local generalized W2² loss) | mse | ce (deterministic baselines)")
	hidden := fs.String("hidden", "64,64", "hidden layer widths")
	lambda := fs.Float64("lambda", 1, "cost of a categorical mismatch, in squared standardized units")
	latent := fs.Int("latent", 2, "latent standard normal inputs beside x, noise shared by every output (w2; 0: none)")
	initSigma := fs.Float64("init-sigma", 0.01, "initial σ of every weight (w2)")
	centers := fs.Int("centers", 8, "neighbourhoods per step")
	neighbors := fs.Int("neighbors", 32, "rows per neighbourhood (nearest in x)")
	delta := fs.Float64("delta", 0, "if positive: neighbourhoods only within δ of their centre (standardized x)")
	epochs := fs.Int("epochs", 200, "maximum epochs")
	lr := fs.Float64("lr", 1e-3, "Adam learning rate")
	patience := fs.Int("patience", 40, "early stopping: epochs without validation gain")
	lrPatience := fs.Int("lr-patience", 10, "the learning rate halves after every N epochs without validation gain (-1: never)")
	seed := fs.Uint64("seed", 1, "seed of initialization, batches and noise")
	out := fs.String("o", "", "output checkpoint")
	if err := parse(fs, args); err != nil {
		return err
	}
	fc := check(fs).required("table", "x", "y", "o").oneOf("loss", msnn.LossW2, msnn.LossMSE, msnn.LossCE).
		positive("lambda").ints("centers", 1, math.MaxInt).ints("neighbors", 1, math.MaxInt).nonNegative("delta").
		ints("epochs", 1, math.MaxInt).positive("lr").ints("patience", 1, math.MaxInt).patience("lr-patience").
		ints("latent", 0, math.MaxInt).positive("init-sigma")
	checkColumns(fc, splitList(*xcols), splitList(*ycols))
	cats, err := parseCategorical(*catcols)
	if err != nil {
		fc.failf("%v", err)
	}
	for _, name := range slices.Sorted(maps.Keys(cats)) {
		if !slices.Contains(splitList(*ycols), name) {
			fc.failf("--categorical %s: not one of the --y columns %s", name, *ycols)
		}
	}
	if *loss != msnn.LossW2 {
		for _, f := range []string{"latent", "init-sigma"} {
			if cli.Visited(fs, f) {
				fc.failf("--%s applies to --loss w2 (the stochastic network), not to the %s baseline", f, *loss)
			}
		}
	}
	if len(cats) == 0 && cli.Visited(fs, "lambda") {
		fc.failf("--lambda is the cost of a categorical mismatch: it needs a --categorical output")
	}
	hid, err := intList(*hidden)
	if err == nil && len(hid) == 0 {
		err = errors.New("no width")
	}
	for _, h := range hid {
		if h < 1 && err == nil {
			err = fmt.Errorf("width %d", h)
		}
	}
	if err != nil {
		fc.failf("--hidden %q: want widths ≥ 1, comma-separated (%v)", *hidden, err)
	}
	if err := fc.err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out), arg("-o (training state)", *out+bsnn.TrainSuffix)}, arg("--table", *table), arg("--val", *val))
	if err != nil {
		return err
	}
	defer unlock()
	t, err := dataset.ReadTable(*table)
	if err != nil {
		return err
	}
	x, y := splitList(*xcols), splitList(*ycols)
	all, err := tableData(t, x, y)
	if err != nil {
		return err
	}
	tr, va := all, bsnn.Data{}
	if *val != "" {
		vt, err := dataset.ReadTable(*val)
		if err != nil {
			return err
		}
		if va, err = tableData(vt, x, y); err != nil {
			return err
		}
	} else {
		tr = bsnn.Data{}
		for i := range all.X {
			if i%5 == 4 {
				va.X, va.Y = append(va.X, all.X[i]), append(va.Y, all.Y[i])
			} else {
				tr.X, tr.Y = append(tr.X, all.X[i]), append(tr.Y, all.Y[i])
			}
		}
	}
	m, err := bsnn.NewModel(tr.X, tr.Y, bsnn.Spec{X: x, Y: y, Categorical: cats, Hidden: hid, Loss: *loss, Lambda: *lambda,
		Latent: latentSpec(*latent), InitSigma: *initSigma})
	if err != nil {
		return fmt.Errorf("%s: %w", *table, err)
	}
	fmt.Fprintf(os.Stderr, "snn (%s loss): %d parameters, %d training rows, %d validation rows\n", *loss, m.NumParams(), len(tr.X), len(va.X))
	c, err := bsnn.Train(ctx, m, y, tr, va, bsnn.Options{Epochs: *epochs, Centers: *centers, Neighbors: *neighbors, Delta: *delta,
		LR: *lr, Seed: *seed, Patience: *patience, LRPatience: *lrPatience, Out: *out,
		Notice: func(msg string) { fmt.Fprintln(os.Stderr, "snn train: "+msg) },
		OnEpoch: func(e msnn.EpochLog) {
			mark := ""
			if e.Improved {
				mark = " (best so far)"
			}
			sig := ""
			if e.CatSigma > 0 {
				sig = fmt.Sprintf(", categorical score σ %.4f", e.CatSigma)
			}
			fmt.Fprintf(os.Stderr, "epoch %d: training local W2² %.5f, validation local W2² %.5f (standardized units²)%s%s\n", e.Epoch, e.TrainW2, e.ValW2, sig, mark)
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: best validation local W2² %.5f (standardized units²) at epoch %d (%s, %.0f s); training curve in %s\n", *out, c.State.BestVal, c.State.BestEpoch, c.State.StopReason, c.State.Seconds, *out+bsnn.CurveSuffix)
	return nil
}

// runSNNExport writes an snn checkpoint's two ONNX files (export/snn),
// the in-graph sampling seeded with the checkpoint's training seed (a
// runtime may rewrite the seeds: kenn snn sample does).
func runSNNExport(ctx context.Context, args []string) error {
	fs := newFlags("snn export", "S.ckpt -o S.onnx")
	out := fs.String("o", "", "output: NAME.onnx (one sample of y | x per row, noise drawn in the graph), NAME.noise.onnx beside it (the noise as inputs)")
	ckpt, args := positional(args)
	if err := parse(fs, args); err != nil {
		return err
	}
	if ckpt == "" || *out == "" {
		return usagef("usage: kenn snn export S.ckpt -o S.onnx")
	}
	unlock, err := guard(onnxSet("-o", *out), arg("checkpoint", ckpt))
	if err != nil {
		return err
	}
	defer unlock()
	c, err := msnn.LoadCheckpoint(ckpt)
	if err != nil {
		return err
	}
	files, err := esnn.Write(c, *out, c.Provenance.Seed)
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintln(os.Stderr, f)
	}
	return nil
}

func runSNNSample(ctx context.Context, args []string) error {
	fs := newFlags("snn sample", "--model S.onnx|S.ckpt --x X.csv -n N [--seed S] -o samples.csv")
	model := fs.String("model", "", "an exported snn (.onnx, run by onnxruntime) or a checkpoint (run by Gorgonia)")
	xpath := fs.String("x", "", "CSV with a header holding the model's input columns (others are ignored)")
	n := fs.Int("n", 100, "samples per row")
	seed := fs.Uint64("seed", 1, "seed of the noise")
	out := fs.String("o", "", "output CSV: row,sample,<y columns>")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(fs).required("model", "x", "o").ints("n", 1, math.MaxInt).err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)}, plus(modelInput("--model", *model), paths{arg("--x", *xpath)})...)
	if err != nil {
		return err
	}
	defer unlock()
	t, err := dataset.ReadTable(*xpath)
	if err != nil {
		return err
	}
	var s *msnn.Model
	var samples [][][]float64
	if strings.HasSuffix(*model, ".onnx") {
		rt, err := runtime.Open(runtime.Options{})
		if err != nil {
			return err
		}
		defer rt.Close()
		sm, err := rt.LoadSampler(*model, *seed)
		if err != nil {
			return err
		}
		s = sm.SNN
		x, err := t.Select(s.Inputs)
		if err != nil {
			return err
		}
		if samples, err = sm.Sample(x, *n); err != nil {
			return err
		}
	} else {
		c, err := msnn.LoadCheckpoint(*model)
		if err != nil {
			return err
		}
		s = c.Model
		x, err := t.Select(s.Inputs)
		if err != nil {
			return err
		}
		if samples, err = bsnn.Sample(c, x, *n, *seed); err != nil {
			return err
		}
	}
	rows := make([][]float64, 0, len(samples)**n)
	for i, ss := range samples {
		for k, y := range ss {
			rows = append(rows, append([]float64{float64(i), float64(k)}, y...))
		}
	}
	return dataset.WriteTable(*out, append([]string{"row", "sample"}, s.Outputs...), rows)
}

// infoSNN describes an snn checkpoint (kenn info S.ckpt).
func infoSNN(w io.Writer, path string, c *msnn.Checkpoint) error {
	s := c.Model
	fmt.Fprintf(w, "%s: kenn checkpoint\nkind: snn (stochastic neural network, %s loss; train, export and sample with kenn snn)\n", path, s.Loss)
	fmt.Fprintf(w, "inputs: %s\n", strings.Join(s.Inputs, ","))
	outs := slices.Clone(s.Outputs[:s.Cont])
	for i, codes := range s.Categories {
		outs = append(outs, fmt.Sprintf("%s (categorical: %v)", s.Outputs[s.Cont+i], codes))
	}
	fmt.Fprintf(w, "outputs: %s\nhidden: %v\nparameters: %d\n", strings.Join(outs, ", "), s.Hidden, s.NumParams())
	if st := c.State; st != nil {
		fmt.Fprintf(w, "training: %d epochs (best %d), %.0f s, %s; seed %d\n", st.Epoch, st.BestEpoch, st.Seconds, st.StopReason, c.Provenance.Seed)
	}
	if len(c.Metrics) > 0 {
		fmt.Fprintf(w, "metrics (val_local_w2sq: the validation loss, the generalized W2² in model space: squared standardized outputs, λ per categorical mismatch):\n")
		writeMetricValues(w, c.Metrics)
	}
	return nil
}
