package fit

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/pairs"
	kruntime "github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// TestResult is the model's score on the held-out test images, computed
// by onnxruntime from the exported files (what ships, not the training
// graph), with 95% intervals from resampling the test images.
type TestResult struct {
	Images, Pairs int
	Scores        map[string]float64   // metrics.Result.Map: on W2² (and W2)
	Intervals     metrics.Bootstrapped // Pearson, relative MSE, recall@10
	EmbedSeconds  float64              // onnxruntime, test images
}

// bootstrapReps and the seed of the intervals.
const bootstrapReps = 1000

func (f *fitRun) stageExport(ctx context.Context) error {
	dir := f.path("eval")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	if err := f.model.Save(f.path("model.ckpt")); err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	f.evalOnnx = filepath.Join(dir, "model.onnx")
	if _, err := export.WriteFiles(f.model, f.evalOnnx); err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	return nil
}

func (f *fitRun) stageTest(ctx context.Context) error {
	var tr TestResult
	if found, err := readJSON(f.path("result.json"), &tr); err != nil {
		return err
	} else if found && tr.Pairs == len(f.tP.Pairs) {
		f.res.Test = tr
		f.res.Resumed = append(f.res.Resumed, StageTest)
		return nil
	}
	tr, err := Evaluate(ctx, f.evalOnnx, f.test, f.tP, f.o.Seed)
	if err != nil {
		return err
	}
	f.res.Test = tr
	f.logf("fit: test (%d pairs of %d unseen images, onnxruntime): Pearson %s, relative MSE %s on W2², recall@10 %s (95%% intervals over images)",
		tr.Pairs, tr.Images, tr.Intervals.Pearson, tr.Intervals.RelMSE, tr.Intervals.KNNRecall)
	return writeJSON(f.path("result.json"), tr)
}

// Evaluate scores an exported model (NAME.onnx) on exact pairs of images,
// through onnxruntime, with image-bootstrap 95% intervals.
func Evaluate(ctx context.Context, onnx string, imgs *dataset.Images, pf *pairs.File, seed uint64) (TestResult, error) {
	if err := pf.Header.CheckImages(imgs); err != nil {
		return TestResult{}, fmt.Errorf("fit: %w", err)
	}
	rt, err := kruntime.Open(kruntime.Options{})
	if err != nil {
		return TestResult{}, fmt.Errorf("fit: %w", err)
	}
	defer rt.Close()
	m, err := rt.Load(onnx)
	if err != nil {
		return TestResult{}, fmt.Errorf("fit: %w", err)
	}
	start := time.Now()
	feat, err := m.Embed(ctx, imgs, tiling.EmbedOptions{})
	if err != nil {
		return TestResult{}, fmt.Errorf("fit: %w", err)
	}
	tr := TestResult{Pairs: len(pf.Pairs), EmbedSeconds: time.Since(start).Seconds()}
	used := map[int]bool{}
	is, js := make([]int, len(pf.Pairs)), make([]int, len(pf.Pairs))
	for k, p := range pf.Pairs {
		is[k], js[k] = p.I, p.J
		used[p.I], used[p.J] = true, true
	}
	tr.Images = len(used)
	pred, err := m.PairsW2Sq(feat, is, js)
	if err != nil {
		return TestResult{}, fmt.Errorf("fit: %w", err)
	}
	sc := metrics.Score(is, js, pred, pf.W2Sq, 0)
	sc.TargetMSE, sc.PairsPerSecond = math.NaN(), math.NaN()
	tr.Scores = sc.Map()
	if tr.Intervals, err = metrics.BootstrapImages(is, js, pred, pf.W2Sq, 10, bootstrapReps, 0.95, seed); err != nil {
		return TestResult{}, fmt.Errorf("fit: %w", err)
	}
	return tr, nil
}
