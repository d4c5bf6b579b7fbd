package fit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/models"
)

// Card holds the facts of a model card: what the model is, what it was
// trained on, how it scored on held-out images, and how to check it on
// new data. NAME.card.md shows it to people; the same facts are in the
// checkpoint (Checkpoint.Card) and in every ONNX file (kenn.card, JSON),
// and the test figures also in kenn.metrics (test_* keys).
type Card struct {
	Name               string
	Kind               models.Kind
	Target             string
	Members            int // seeds averaged (1: a single model)
	H, W               int
	Split              SplitSummary
	Plan               Plan
	Test               TestResult
	TrainSeconds       []float64 // per seed
	Epochs, BestEpochs []int     // per seed
	StopReasons        []string  // per seed
	FitSeconds         float64
	Files              []string
}

// testMetrics are the card's figures as checkpoint / ONNX metrics.
func (c Card) testMetrics() map[string]float64 {
	t := c.Test.Intervals
	m := map[string]float64{
		"test_images": float64(c.Test.Images), "test_pairs": float64(c.Test.Pairs),
		"test_pearson": t.Pearson.Value, "test_pearson_lo": t.Pearson.Lo, "test_pearson_hi": t.Pearson.Hi,
		"test_rel_mse_w2sq": t.RelMSE.Value, "test_rel_mse_w2sq_lo": t.RelMSE.Lo, "test_rel_mse_w2sq_hi": t.RelMSE.Hi,
		"test_knn_recall10": t.KNNRecall.Value, "test_knn_recall10_lo": t.KNNRecall.Lo, "test_knn_recall10_hi": t.KNNRecall.Hi,
		"fit_seconds": c.FitSeconds, "train_pairs": float64(c.Plan.TrainPairs), "train_images": float64(c.Plan.TrainImages),
	}
	for k, v := range m {
		if v != v { // NaN: undefined, omitted
			delete(m, k)
		}
	}
	return m
}

func (f *fitRun) stageCard(ctx context.Context) error {
	c := f.model
	card := Card{Name: strings.TrimSuffix(filepath.Base(f.o.Out), ".onnx"), Kind: models.Kind(f.res.Plan.Kind), Target: c.Model.Target, Members: 1,
		H: c.Model.H, W: c.Model.W, Split: f.res.Split.Summary(), Plan: f.res.Plan, Test: f.res.Test, FitSeconds: f.total()}
	members := []*models.Checkpoint{c}
	if c.Model.Kind == models.KindEnsemble {
		members = members[:0]
		for k := range c.Model.Members {
			mc, err := models.LoadCheckpoint(f.path(fmt.Sprintf("seed%d.ckpt", f.res.Plan.FirstSeed+uint64(k))))
			if err != nil {
				return fmt.Errorf("fit: %w", err)
			}
			members = append(members, mc)
		}
		card.Members = len(members)
	}
	for _, m := range members {
		if st := m.State; st != nil {
			card.TrainSeconds = append(card.TrainSeconds, st.Seconds)
			card.Epochs = append(card.Epochs, st.Epoch)
			card.BestEpochs = append(card.BestEpochs, st.BestEpoch)
			card.StopReasons = append(card.StopReasons, st.StopReason)
		}
	}
	if c.Metrics == nil {
		c.Metrics = map[string]float64{}
	}
	for k, v := range card.testMetrics() {
		c.Metrics[k] = v
	}
	embed, pw, pair := export.Paths(f.o.Out)
	card.Files = []string{filepath.Base(embed), filepath.Base(pw), filepath.Base(pair), filepath.Base(CheckpointPath(f.o.Out))}
	js, err := json.Marshal(card)
	if err != nil {
		return fmt.Errorf("fit: card: %w", err)
	}
	c.Card = js
	files, err := export.WriteFiles(c, f.o.Out)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	// The checkpoint with its card and test metrics: kenn export of it
	// writes these ONNX files again, byte for byte.
	if err := c.Save(CheckpointPath(f.o.Out)); err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	f.res.Files = append(files, CheckpointPath(f.o.Out))
	if err := atomicfile.WriteFile(f.res.Card, func(w io.Writer) error { return card.WriteMarkdown(w) }); err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	f.logf("fit: wrote %s and its card %s", strings.Join(files, ", "), f.res.Card)
	return nil
}

func secs(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Second).String()
}

// WriteMarkdown writes the card for people.
func (c Card) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	t := c.Test.Intervals
	kind := string(c.Kind)
	if c.Members > 1 {
		kind = fmt.Sprintf("%s, ensemble of %d seeds (their mean distance)", c.Kind, c.Members)
	}
	unit := "W2 in pixels (its square is W2² in pixels²)"
	if c.Target == models.TargetW2Sq {
		unit = "W2² in pixels²"
	}
	p("# Model card: %s", c.Name)
	p("")
	p("Made by `kenn fit` (%s). Every figure below was measured by that run.", export.Version)
	p("")
	p("| | |")
	p("|---|---|")
	p("| model | %s |", kind)
	p("| predicts | %s between two images |", unit)
	p("| input | %d×%d grayscale images, nonnegative pixels; each image is normalized to unit total mass inside the model |", c.H, c.W)
	p("| files | %s |", strings.Join(c.Files, ", "))
	p("")
	p("## Held-out test")
	p("")
	p("All %d pairs of %d test images that took no part in training or validation; distances by onnxruntime from the exported files, exact W2² by kenn's network simplex. Intervals: 95%%, from %d bootstrap resamples of the test images.", c.Test.Pairs, c.Test.Images, t.Reps)
	p("")
	p("| metric | value | 95%% interval |")
	p("|---|---|---|")
	p("| Pearson correlation (W2²) | %.4f | %.4f – %.4f |", t.Pearson.Value, t.Pearson.Lo, t.Pearson.Hi)
	p("| relative MSE on W2² (Σ(p−t)²/Σt²) | %.4g | %.4g – %.4g |", t.RelMSE.Value, t.RelMSE.Lo, t.RelMSE.Hi)
	if t.KNNRecall.Value == t.KNNRecall.Value {
		p("| kNN recall@10 | %.3f | %.3f – %.3f |", t.KNNRecall.Value, t.KNNRecall.Lo, t.KNNRecall.Hi)
	}
	if v, ok := c.Test.Scores["mse_w2sq"]; ok {
		p("| MSE on W2² (px⁴) | %.4g | |", v)
	}
	if v, ok := c.Test.Scores["spearman"]; ok {
		p("| Spearman correlation (W2²) | %.4f | |", v)
	}
	p("")
	p("## Data")
	p("")
	s := c.Split
	strat := "random"
	if s.Stratified {
		strat = "stratified by label"
	}
	p("- collection: `%s`, %d images of %d×%d, sha256 `%s`", s.Images, s.N, s.H, s.W, s.SHA256)
	p("- split by image (seed %d, %s): %d train, %d validation, %d test; the indices are in split.json of the work folder", s.Seed, strat, s.Train, s.Val, s.Test)
	pl := c.Plan
	p("- exact pairs (W2², px²): %d for training (all pairs within %d groups of %d over the first %d training images), %d for validation (groups over %d images), %d for the test", pl.TrainPairs, pl.TrainImages/max(pl.Group, 1), pl.Group, pl.TrainImages, pl.ValPairs, pl.ValImages, pl.TestPairs)
	p("")
	p("## Training")
	p("")
	if pl.Measured {
		p("- budget %s; measured on this machine: %.3g ms per exact pair (all workers), %.0f training pairs/s; plan: %s", secs(pl.BudgetSeconds), 1e3*pl.SecondsPerPair, pl.TrainPairsPerSec, pl.Note)
	} else {
		p("- sizes given explicitly (no budget plan)")
	}
	if pl.Measured && pl.Seeds > 1 {
		p("- block mode, batch %d images, early stopping after %d epochs without validation gain; at most %d epochs planned per seed, each seed's cap re-funded from the budget left when it starts", pl.Group, pl.Patience, pl.Epochs)
	} else {
		p("- block mode, batch %d images, early stopping after %d epochs without validation gain, at most %d epochs", pl.Group, pl.Patience, pl.Epochs)
	}
	for k := range c.TrainSeconds {
		why := c.StopReasons[k]
		if why == models.CapStopReason(c.Epochs[k]) { // models.TrainState.StoppedAtCap, from the card's copy
			why = "stopped at its cap"
		}
		p("- seed %d: %d epochs (best %d; %s), %s", pl.FirstSeed+uint64(k), c.Epochs[k], c.BestEpochs[k], why, secs(c.TrainSeconds[k]))
	}
	p("- the whole fit: %s of wall time", secs(c.FitSeconds))
	p("")
	p("## Use and limits")
	p("")
	p("- Trust the figures above for images like the collection's. On other images (another domain, size or preprocessing) the model can be far off without looking wrong.")
	p("- Every model command screens the images it is given against the training images' spread, centroid offset and support (kenn.domain, shown by `kenn info`) and warns when more than 5%% lie outside their ranges; inside them is no promise.")
	p("- Check it on your images: `kenn pairwise --model %s.onnx --images NEW --check 200 -o D.npy` (or `kenn knn … --check 200`) solves 200 random pairs of NEW exactly and warns when the model's error is well above this card's.", c.Name)
	p("- Distances are symmetric and nonnegative by construction; the model is not guaranteed to be a metric.")
	_, err := io.WriteString(w, b.String())
	return err
}
