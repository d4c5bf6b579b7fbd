package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/models"
	msnn "github.com/kenn-ot/kenn/models/snn"
	"github.com/kenn-ot/kenn/pairs"
)

// loadPairsData reads a pairs file and its images (the header's path
// unless overridden), checking that they belong together.
func loadPairsData(pairsPath, imagesPath string) (build.Data, error) {
	pf, err := pairs.ReadFile(pairsPath)
	if err != nil {
		return build.Data{}, err
	}
	if imagesPath == "" {
		imgs, err := headerImages(pairsPath, pf.Header)
		if err != nil {
			return build.Data{}, err
		}
		return build.Data{Images: imgs, Pairs: pf}, nil
	}
	imgs, err := dataset.Load(imagesPath)
	if err != nil {
		return build.Data{}, fmt.Errorf("images of %s: %w", pairsPath, err)
	}
	if err := pf.Header.CheckImages(imgs); err != nil {
		return build.Data{}, fmt.Errorf("%s: %w", pairsPath, err)
	}
	return build.Data{Images: imgs, Pairs: pf}, nil
}

// parseBackbone reads --backbone C1,C2,HIDDEN,OUT ("" is the default).
func parseBackbone(s string) (models.Backbone, error) {
	if s == "" {
		return models.DefaultBackbone, nil
	}
	var b models.Backbone
	if _, err := fmt.Sscanf(s, "%d,%d,%d,%d", &b.C1, &b.C2, &b.Hidden, &b.Out); err != nil || b.C1 <= 0 || b.C2 <= 0 || b.Hidden <= 0 || b.Out <= 0 {
		return b, fmt.Errorf("--backbone %q: want four positive sizes C1,C2,HIDDEN,OUT", s)
	}
	return b, nil
}

func newModel(kind string, h, w, steps, match int, backbone string) (*models.Model, error) {
	b, err := parseBackbone(backbone)
	if err != nil {
		return nil, err
	}
	k := models.Kind(kind)
	if match == 0 && k != models.KindDWE {
		match = models.DeepKENN(h, w, b).NumDistanceParams()
	}
	switch {
	case k == models.KindDWE:
		return models.DWE(h, w), nil
	case k.Known() && !k.Composite(): // on a KENN backbone at matched size; Matched refuses a kind without that form
		return models.Matched(k, h, w, match, b, 64, steps)
	}
	return nil, fmt.Errorf("unknown model %q (want %s)", kind, strings.Join(models.Names(models.Trainable()...), ", "))
}

func runTrain(ctx context.Context, args []string) error {
	fs := newFlags("train", "--model dwe|deepkenn|odekenn|naive --pairs TRAIN --val VAL -o M.ckpt [flags]")
	kind := fs.String("model", "", "dwe | deepkenn | odekenn | naive (a stochastic neural network on a table: kenn snn train)")
	trainPath := fs.String("pairs", "", "training pairs: a kenn pairs file (one of all pairs, from kenn pairs --all, trains in block mode)")
	valPath := fs.String("val", "", "validation pairs, on images disjoint from the training images")
	images := fs.String("images", "", "images of the training pairs (default: the path in their header)")
	valImages := fs.String("val-images", "", "images of the validation pairs (default: the path in their header)")
	out := fs.String("o", "", "output checkpoint")
	epochs := fs.Int("epochs", 20, "maximum epochs")
	batch := fs.Int("batch", 64, "images per step (block size in block mode, twice the pairs in pair mode)")
	lr := fs.Float64("lr", 0, "Adam learning rate (default 1e-4 for dwe, 1e-3 otherwise)")
	steps := fs.Int("steps", 8, "odekenn: RK4 steps K")
	match := fs.Int("match", 0, "deepkenn/odekenn/naive: target parameter count (default: DeepKENN's with the backbone)")
	backbone := fs.String("backbone", "", "deepkenn/odekenn/naive: CNN sizes C1,C2,HIDDEN,OUT: Conv(C1, 3×3) → Conv(C2, 5×5) → Dense(HIDDEN) → Dense(OUT); HIDDEN is then varied to match the parameter count (default 16,4,128,32)")
	mode := fs.String("mode", "", "pair | block (default: block for all-pairs files, else pair)")
	seed := fs.Uint64("seed", 1, "seed of initialization and data order")
	patience := fs.Int("patience", 5, "early stopping: epochs without validation gain")
	lrPatience := fs.Int("lr-patience", 3, "the learning rate halves after every N epochs without validation gain (-1: never)")
	loss := fs.String("loss", "model", "model | w2sq: the training loss on the model's scale (W2² for dwe, W2 otherwise) or on squared distances against W2² (the scale of the reported relative MSE and correlations)")
	augment := fs.String("augment", "none", "none | dihedral: transform every batch by a random rotation or reflection of the pixel grid, which keeps exact W2 (targets stay exact)")
	history := fs.String("history", "", "write a CSV of every epoch's errors (rewritten after each epoch): MSE on W2² (pixel⁴) and relative MSE on a sample of training pairs, the validation and the --monitor pairs, in evaluation mode with the epoch's weights")
	historySample := fs.Int("history-sample", 10000, "with --history: training pairs scored every epoch (a fixed random sample; all if fewer)")
	monitor := fs.String("monitor", "", "with --history: pairs (e.g. the test pairs, a kenn pairs file; images from its header) scored every epoch, never used for early stopping")
	err := parse(fs, args)
	if *kind == msnn.Kind { // also when its table flags failed the parse
		return usagef("--model snn: stochastic neural networks on tables are trained by kenn snn train (the same flags, without --model; see kenn snn train -h)")
	}
	if err != nil {
		return err
	}
	fc := check(fs).required("model", "pairs", "val", "o").ints("epochs", 1, math.MaxInt).ints("batch", 2, math.MaxInt).
		oneOf("mode", "", build.ModePair, build.ModeBlock).positiveIfGiven("lr").ints("steps", 1, math.MaxInt).
		intsIfGiven("match", 1, math.MaxInt).ints("patience", 1, math.MaxInt).patience("lr-patience").ints("history-sample", 0, math.MaxInt).
		oneOf("loss", build.LossModel, build.LossW2Sq).oneOf("augment", build.AugmentNone, build.AugmentDihedral)
	checkModel(fc, *kind, *backbone)
	if *history == "" && *monitor != "" {
		fc.failf("--monitor %s: its errors go to the --history file; give --history FILE.csv", *monitor)
	}
	if *history == "" && fc.c.Given("history-sample") {
		fc.failf("--history-sample %d: the sample is scored for the --history file; give --history FILE.csv", *historySample)
	}
	if *mode == build.ModePair && *batch%2 != 0 {
		fc.failf("--batch %d: pair mode takes an even number ≥ 2 (half the images are each pair's first)", *batch)
	}
	if err := fc.err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out), arg("-o (training state)", *out+build.TrainSuffix), arg("--history", *history)},
		arg("--pairs", *trainPath), arg("--val", *valPath), arg("--images", *images), arg("--val-images", *valImages), arg("--monitor", *monitor))
	if err != nil {
		return err
	}
	defer unlock()
	train, err := loadPairsData(*trainPath, *images)
	if err != nil {
		return err
	}
	val, err := loadPairsData(*valPath, *valImages)
	if err != nil {
		return err
	}
	m, err := newModel(*kind, train.Images.H, train.Images.W, *steps, *match, *backbone)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d parameters (%d in the distance), %d training pairs on %d images, %d validation pairs\n",
		m.Kind, m.NumParams(), m.NumDistanceParams(), len(train.Pairs.Pairs), train.Images.N, len(val.Pairs.Pairs))
	var bar *progress.Bar
	units := build.LossUnits(m, *loss)
	opt := build.Options{
		Epochs: *epochs, Batch: *batch, LR: *lr, Seed: *seed, Patience: *patience, LRPatience: *lrPatience, Mode: *mode, Out: *out, Augment: *augment, Loss: *loss,
		Notice: func(msg string) { fmt.Fprintln(os.Stderr, msg) },
		Progress: func(epoch, step, n int, loss float64) {
			if bar == nil || step == 1 { // step > 1 first when resuming mid-epoch
				bar = progress.New(fmt.Sprintf("epoch %d", epoch), n, "steps")
			}
			bar.Describe(fmt.Sprintf("epoch %d loss %.4g", epoch, loss))
			bar.Set(step)
		},
		EpochDone: func(epoch int, tl, vm float64, improved bool) {
			if bar != nil {
				bar.Finish()
				bar = nil
			}
			mark := ""
			if improved {
				mark = " *"
			}
			fmt.Fprintf(os.Stderr, "epoch %d: train loss %.5g, validation MSE %.5g (%s)%s\n", epoch, tl, vm, units, mark)
		},
	}
	var histErr error
	if *history != "" {
		if *monitor != "" {
			if opt.Monitor, err = loadPairsData(*monitor, ""); err != nil {
				return err
			}
		}
		h, err := openHistory(*history, *out+build.TrainSuffix)
		if err != nil {
			return err
		}
		opt.TrainSample = *historySample
		opt.History = func(e build.Epoch) {
			if err := h.add(e); err != nil && histErr == nil {
				histErr = err
			}
		}
	}
	ck, err := build.Train(ctx, m, train, val, opt)
	if err != nil {
		return err
	}
	if histErr != nil {
		return histErr
	}
	fmt.Fprintf(os.Stderr, "%s: %s; best epoch %d\n", *out, ck.State.StopReason, ck.State.BestEpoch)
	return printMetrics(os.Stdout, ck.Metrics, false)
}

// checkModel adds the rules of --model (a W2 model kind, when given) and
// --backbone.
func checkModel(fc *checker, kind, backbone string) {
	if kind != "" {
		fc.oneOf("model", models.Names(models.Trainable()...)...)
	}
	if _, err := parseBackbone(backbone); err != nil {
		fc.failf("%v", err)
	}
	// a size flag the kind does not have would be accepted and ignored
	k := models.Kind(kind)
	for _, f := range []struct {
		name    string
		applies bool
	}{
		{"backbone", k != models.KindDWE},
		{"match", k != models.KindDWE},
		{"steps", k == models.KindODEKENN},
	} {
		if k.Known() && !f.applies && fc.c.Given(f.name) {
			fc.failf("%s does not apply to a %s model", flagName(f.name), kind)
		}
	}
}

func printMetrics(w *os.File, m map[string]float64, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%-14s %.6g\n", k, m[k])
	}
	return nil
}

// historyColumns is the header of kenn train --history: MSE on W2² in
// pixel⁴, relative MSE (ΣΔ²/Σ exact², no unit); val_loss is what early
// stopping follows (the model's target scale, or W2² with --loss w2sq);
// empty fields where nothing was scored (no sample, no --monitor).
const historyColumns = "epoch,lr,train_loss,train_mse_w2sq_px4,train_rel_mse_w2sq,val_mse_w2sq_px4,val_rel_mse_w2sq,val_loss,monitor_mse_w2sq_px4,monitor_rel_mse_w2sq,improved"

// historyFile is the CSV of kenn train --history, rewritten atomically
// after every epoch. A resumed run (the training state exists) keeps the
// rows of the epochs before the one it resumes at.
type historyFile struct {
	path string
	rows []string // data lines, by epoch
}

func openHistory(path, statePath string) (*historyFile, error) {
	h := &historyFile{path: path}
	if _, err := os.Stat(statePath); err != nil {
		return h, nil // a fresh run
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--history: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) == 0 || lines[0] != historyColumns {
		return nil, fmt.Errorf("--history %s: not a kenn train history (want the header %s); remove it or give another path", path, historyColumns)
	}
	h.rows = lines[1:]
	return h, nil
}

func (h *historyFile) add(e build.Epoch) error {
	keep := h.rows[:0]
	for _, r := range h.rows {
		if n, err := strconv.Atoi(strings.SplitN(r, ",", 2)[0]); err == nil && n < e.Epoch {
			keep = append(keep, r)
		}
	}
	opt := func(r metrics.Result, v float64) string {
		if r.N == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 8, 64)
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
	h.rows = append(keep, strings.Join([]string{strconv.Itoa(e.Epoch), g(e.LR), g(e.TrainLoss),
		opt(e.Train, e.Train.MSE), opt(e.Train, e.Train.RelMSE), g(e.Val.MSE), g(e.Val.RelMSE), g(e.ValLoss),
		opt(e.Monitor, e.Monitor.MSE), opt(e.Monitor, e.Monitor.RelMSE), strconv.FormatBool(e.Improved)}, ","))
	return atomicfile.WriteFile(h.path, func(w io.Writer) error {
		_, err := io.WriteString(w, historyColumns+"\n"+strings.Join(h.rows, "\n")+"\n")
		return err
	})
}
