package fit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/pairs"
)

const testImages = "../testdata/mnist-train-images-idx3-ubyte" // 1,000 digits with labels

// small is a fit that takes seconds: a fixed plan of 4 groups of 8
// training images, 2 epochs, 2 seeds (an ensemble), 50 test images.
func small(dir string) Options {
	return Options{Images: testImages, Out: filepath.Join(dir, "m.onnx"), Group: 8, TrainPairs: 112, Epochs: 2, Seeds: 2,
		TestImages: 50, ValImages: 16, Workers: 1}
}

// A fit killed in every stage, each time rerun, ends with the model of an
// uninterrupted fit: the same pairs files byte for byte, the same model id
// and the same test figures.
func TestFitResumesFromEveryStage(t *testing.T) {
	ref := t.TempDir()
	want, err := Run(context.Background(), small(ref))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	interrupts := []struct {
		stage string
		done  int
	}{
		{StageSplit, 0}, {StagePlan, 0}, {"pairs train", 40}, {"pairs val", 20}, {"pairs test", 600},
		{"train seed 1", 5}, {"train seed 2", 3}, {StageExport, 0}, {StageTest, 0}, {StageCard, 0},
	}
	for _, in := range interrupts {
		ctx, cancel := context.WithCancel(context.Background())
		hit := false
		o := WithStageHook(small(dir), func(stage string, done int) {
			if stage == in.stage && done >= in.done && !hit {
				hit = true
				cancel()
			}
		})
		_, err := Run(ctx, o)
		cancel()
		if !hit {
			t.Fatalf("the fit never reached %s at %d", in.stage, in.done)
		}
		if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted in %s: %v, want ErrInterrupted wrapping context.Canceled", in.stage, err)
		}
	}
	got, err := Run(context.Background(), small(dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"split.json", "plan.json", "train.pairs", "val.pairs", "test.pairs"} {
		a, _ := os.ReadFile(filepath.Join(ref, "m.fit", f))
		b, _ := os.ReadFile(filepath.Join(dir, "m.fit", f))
		// Only the folder in the paths recorded in headers may differ.
		a, b = bytes.ReplaceAll(a, []byte(ref), []byte("DIR")), bytes.ReplaceAll(b, []byte(dir), []byte("DIR"))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs from the uninterrupted fit's (%d and %d bytes)", f, len(a), len(b))
		}
	}
	ia, err := export.ReadSet(want.Out)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := export.ReadSet(got.Out)
	if err != nil {
		t.Fatal(err)
	}
	if ia.Main.ModelID() != ib.Main.ModelID() {
		t.Errorf("model id %s after interruptions, %s uninterrupted", ib.Main.ModelID(), ia.Main.ModelID())
	}
	if got.Test.Intervals.Pearson != want.Test.Intervals.Pearson || got.Test.Intervals.RelMSE != want.Test.Intervals.RelMSE {
		t.Errorf("test figures %v %v, uninterrupted %v %v", got.Test.Intervals.Pearson, got.Test.Intervals.RelMSE, want.Test.Intervals.Pearson, want.Test.Intervals.RelMSE)
	}
	for _, s := range []string{StageSplit, StagePlan, "pairs train", "train seed 1", "train seed 2"} {
		if !strings.Contains(strings.Join(got.Resumed, ","), s) && !strings.Contains(strings.Join(got.Resumed, ","), strings.Split(s, " ")[0]) {
			t.Errorf("the last run does not report %s as resumed: %v", s, got.Resumed)
		}
	}
}

// The split is disjoint, recorded, and the card's figures are those of the
// test pairs as scored independently by the Gorgonia graph of the model.
func TestFitCardMatchesTheTestSet(t *testing.T) {
	dir := t.TempDir()
	res, err := Run(context.Background(), small(dir))
	if err != nil {
		t.Fatal(err)
	}
	var s Split
	if _, err := readJSON(filepath.Join(dir, "m.fit", "split.json"), &s); err != nil {
		t.Fatal(err)
	}
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
	if s.N != 1000 || len(s.Test) != 50 || !s.Stratified {
		t.Errorf("split of %d images, %d test, stratified %v", s.N, len(s.Test), s.Stratified)
	}
	// The test images are the split's, and no training or validation pair uses them.
	all, err := dataset.Load(testImages)
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(filepath.Join(dir, "m.fit", "test-images-idx3-ubyte"))
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range s.Test {
		if !slices.Equal(test.Row(k), all.Row(i)) {
			t.Fatalf("test image %d is not collection image %d", k, i)
		}
	}
	c, err := models.LoadCheckpoint(filepath.Join(dir, "m.fit", "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	tp, err := pairs.ReadFile(filepath.Join(dir, "m.fit", "test.pairs"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := build.EvaluateCheckpoint(c, build.Data{Images: test, Pairs: tp})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Pearson-res.Test.Intervals.Pearson.Value) > 1e-4 || math.Abs(r.RelMSE-res.Test.Intervals.RelMSE.Value) > 1e-4*math.Max(1, r.RelMSE) {
		t.Errorf("card: Pearson %v relMSE %v; Gorgonia on the test pairs: %v %v", res.Test.Intervals.Pearson, res.Test.Intervals.RelMSE, r.Pearson, r.RelMSE)
	}
	card, err := os.ReadFile(res.Card)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ensemble of 2 seeds", "All 1225 pairs of 50 test images", "W2 in pixels", fmt.Sprintf("| Pearson correlation (W2²) | %.4f |", res.Test.Intervals.Pearson.Value)} {
		if !strings.Contains(string(card), want) {
			t.Errorf("the card lacks %q:\n%s", want, card)
		}
	}
	set, err := export.ReadSet(res.Out)
	if err != nil {
		t.Fatal(err)
	}
	var meta Card
	if err := json.Unmarshal([]byte(set.Main.Meta["kenn.card"]), &meta); err != nil {
		t.Fatalf("kenn.card: %v", err)
	}
	if meta.Test.Intervals.Pearson != res.Test.Intervals.Pearson || meta.Split.Test != 50 || meta.Plan.TrainPairs != 112 || meta.Members != 2 {
		t.Errorf("kenn.card holds %+v", meta)
	}
	if !strings.Contains(set.Main.Meta["kenn.metrics"], `"test_pearson"`) {
		t.Errorf("the ONNX metadata lacks the test figures: %s", set.Main.Meta["kenn.metrics"])
	}
	// The checkpoint beside the output holds the card, and exporting it
	// again gives the same model (kenn export NAME.ckpt).
	saved, err := models.LoadCheckpoint(CheckpointPath(res.Out))
	if err != nil {
		t.Fatal(err)
	}
	if string(saved.Card) != set.Main.Meta["kenn.card"] {
		t.Errorf("the checkpoint's card differs from the ONNX metadata's")
	}
	// The domain is the whole training split's (the 112 training pairs use
	// fewer images than a domain needs).
	trainSplit, err := dataset.Load(filepath.Join(dir, "m.fit", "train-images-idx3-ubyte"))
	if err != nil {
		t.Fatal(err)
	}
	if d := saved.Domain; d == nil || d.Images != len(s.Train) || trainSplit.N != len(s.Train) || !strings.Contains(d.Source, "training images of the split of ") ||
		set.Main.Meta[models.MetaDomain] == "" {
		t.Errorf("fit's domain %+v, want the %d training images'", d, len(s.Train))
	}
	again, err := export.Export(saved)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := export.ModelID(saved); err != nil || id != set.Main.ModelID() || again.Embed == nil {
		t.Errorf("the checkpoint's model id %s (%v), the exported set's %s", id, err, set.Main.ModelID())
	}
}

// Refusals before any work: a collection too small to split names the
// images it needs; an output that names the input; bad options.
func TestFitRefusals(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{"too few images", Options{Images: "../testdata/fashion-test-images-idx3-ubyte", Out: filepath.Join(dir, "f.onnx"), Group: 64, TrainPairs: 2016, Epochs: 1}, "needs at least 242"},
		{"output is the input", Options{Images: filepath.Join(dir, "in.onnx"), Out: filepath.Join(dir, "in.onnx")}, "in.onnx"},
		{"not .onnx", Options{Images: testImages, Out: filepath.Join(dir, "m.ckpt")}, "want NAME.onnx"},
		{"dwe ensemble", Options{Images: testImages, Out: filepath.Join(dir, "m.onnx"), Kind: "dwe", Seeds: 2}, "ensembles need"},
		{"half a plan", Options{Images: testImages, Out: filepath.Join(dir, "m.onnx"), TrainPairs: 100}, "give both"},
	}
	if err := os.WriteFile(filepath.Join(dir, "in.onnx"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(context.Background(), c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v, want an error containing %q", err, c.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "in.onnx")); string(b) != "x" {
		t.Error("the input was changed")
	}
}

// A fit resumed with another fixed plan, or with none, is refused before
// any work: the plan on disk made the pairs already there.
func TestFitResumeRefusesAnotherPlan(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	o := WithStageHook(small(dir), func(stage string, _ int) {
		if stage == "pairs train" {
			cancel()
		}
	})
	if _, err := Run(ctx, o); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted fit", err)
	}
	cancel()
	for _, c := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"more pairs", func(o *Options) { o.TrainPairs = 224 }, "fixes 112 training pairs and 2 epochs; given 224 pairs"},
		{"more epochs", func(o *Options) { o.Epochs = 3 }, "given 112 pairs (112 in whole groups) and 3 epochs"},
		{"a measured plan", func(o *Options) { o.TrainPairs, o.Epochs = 0, 0 }, "fixes 112 training pairs and 2 epochs; given none"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := small(dir)
			c.edit(&o)
			if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}
