package fit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/outpath"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Result is what Run made.
type Result struct {
	Out, Card string   // NAME.onnx and NAME.card.md
	Files     []string // every file of the exported set
	Split     Split
	Plan      Plan
	Test      TestResult
	// Seconds is the wall time of this call; FitSeconds that of every
	// stage of the fit, over all the calls that made it (a stage killed
	// mid-way counts from its last restart).
	Seconds, FitSeconds float64
	// Resumed lists the stages found done or partly done in the work folder.
	Resumed []string
}

// Run makes a validated model from a collection of images: see the
// package documentation for the stages, files and budget. A rerun with the
// same options resumes where a killed run stopped; a rerun with other
// options for the same work folder is refused, naming what differs.
func Run(ctx context.Context, opt Options) (*Result, error) {
	start := time.Now()
	o := opt.withDefaults()
	// The outputs first: an output that names the input is the worst
	// mistake, and says so before any other complaint.
	embed, pw, pair := export.Paths(o.Out)
	if !strings.HasSuffix(o.Out, ".onnx") {
		embed = o.Out // refused below, but first compared with the input
	}
	guard, err := outpath.Prepare([]outpath.Path{{Flag: "-o", Path: embed}, {Flag: "-o (sibling)", Path: pw}, {Flag: "-o (sibling)", Path: pair}, {Flag: "-o (card)", Path: CardPath(o.Out)}, {Flag: "-o (checkpoint)", Path: CheckpointPath(o.Out)}},
		[]outpath.Path{{Flag: "--images", Path: o.Images}})
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	defer guard.Release()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Work, 0o755); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	f := &fitRun{o: o, res: &Result{Out: o.Out, Card: CardPath(o.Out)}}
	if err := f.loadTimes(); err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{StageSplit, f.stageSplit}, {StagePlan, f.stagePlan}, {StagePairs, f.stagePairs}, {StageTrain, f.stageTrain},
		{StageExport, f.stageExport}, {StageTest, f.stageTest}, {StageCard, f.stageCard},
	}
	for k, s := range steps {
		f.hook(s.name, 0)
		if err := ctx.Err(); err != nil {
			return nil, f.interrupted(s.name, err)
		}
		f.logf("fit: stage %d/%d: %s", k+1, len(steps), s.name)
		t := time.Now()
		if err := s.run(ctx); err != nil {
			if ctx.Err() != nil {
				f.addTime(s.name, time.Since(t))
				return nil, f.interrupted(s.name, ctx.Err())
			}
			return nil, err
		}
		if err := f.addTime(s.name, time.Since(t)); err != nil {
			return nil, err
		}
	}
	f.res.Seconds = time.Since(start).Seconds()
	f.res.FitSeconds = f.total()
	return f.res, nil
}

// ErrInterrupted is returned when a fit stops before its end (a cancelled
// context); rerunning the same call resumes it.
var ErrInterrupted = errors.New("fit interrupted")

// interrupted is the error of a fit stopped by its context (cause): what
// the stage had done is saved.
func (f *fitRun) interrupted(stage string, cause error) error {
	return fmt.Errorf("%w in stage %s (%w); rerun the same command to resume from %s", ErrInterrupted, stage, cause, f.o.Work)
}

// fitRun is the state of one call of Run.
type fitRun struct {
	o                Options
	res              *Result
	times            map[string]float64
	imgs             *dataset.Images // the collection
	train, val, test *dataset.Images // the split's files
	trainP, valP, tP *pairs.File
	model            *models.Checkpoint
	evalOnnx         string
}

func (f *fitRun) path(name string) string { return filepath.Join(f.o.Work, name) }

func (f *fitRun) logf(format string, a ...any) {
	if f.o.Log != nil {
		fmt.Fprintf(f.o.Log, format+"\n", a...)
	}
}

func (f *fitRun) hook(stage string, done int) {
	if f.o.stageHook != nil {
		f.o.stageHook(stage, done)
	}
}

func (f *fitRun) progress(stage string, done, total int) {
	if f.o.Progress != nil {
		f.o.Progress(stage, done, total)
	}
	f.hook(stage, done)
}

// times.json: seconds per stage, over every call.
func (f *fitRun) loadTimes() error {
	f.times = map[string]float64{}
	b, err := os.ReadFile(f.path("times.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = json.Unmarshal(b, &f.times)
	}
	if err != nil {
		return fmt.Errorf("fit: %s: %w", f.path("times.json"), err)
	}
	return nil
}

func (f *fitRun) addTime(stage string, d time.Duration) error {
	f.times[stage] += d.Seconds()
	return writeJSON(f.path("times.json"), f.times)
}

func (f *fitRun) total() float64 {
	var s float64
	for _, v := range f.times {
		s += v
	}
	return s
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("fit: %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// readJSON reads path into v; found is false when the file does not exist.
func readJSON(path string, v any) (found bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return true, fmt.Errorf("fit: %s: %w", path, err)
	}
	return true, nil
}

// split reads the collection and makes (or checks) the split and its files.
func (f *fitRun) stageSplit(ctx context.Context) error {
	imgs, err := dataset.Load(f.o.Images)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	f.imgs = imgs
	var s Split
	found, err := readJSON(f.path("split.json"), &s)
	if err != nil {
		return err
	}
	if found {
		if s.SHA256 != imgs.SHA256 || s.N != imgs.N || s.Seed != f.o.Seed {
			return fmt.Errorf("fit: %s is the split of another collection or seed (%d images, sha256 %.12s…, seed %d; given %d images, sha256 %.12s…, seed %d): use another --work folder", f.path("split.json"), s.N, s.SHA256, s.Seed, imgs.N, imgs.SHA256, f.o.Seed)
		}
		if err := s.check(); err != nil {
			return err
		}
		f.res.Resumed = append(f.res.Resumed, StageSplit)
	} else {
		if s, err = MakeSplit(imgs.N, imgs.Labels, f.o.Group, f.o.TestImages, f.o.ValImages, f.o.Seed); err != nil {
			return err
		}
		s.Images, s.SHA256, s.H, s.W = f.o.Images, imgs.SHA256, imgs.H, imgs.W
		if err := writeJSON(f.path("split.json"), s); err != nil {
			return err
		}
	}
	f.res.Split = s
	for _, part := range []struct {
		name string
		idx  []int
		dst  **dataset.Images
	}{{"train", s.Train, &f.train}, {"val", s.Val, &f.val}, {"test", s.Test, &f.test}} {
		if *part.dst, err = f.partFile(part.name, part.idx); err != nil {
			return err
		}
	}
	f.logf("fit: %d images %dx%d (%s): %d train, %d validation, %d test%s", imgs.N, imgs.H, imgs.W, f.o.Images, len(s.Train), len(s.Val), len(s.Test), map[bool]string{true: ", stratified by label"}[s.Stratified])
	return nil
}

// partFile writes (once) and reads the images of one part of the split.
// Integer pixels in 0..255 go to IDX (with labels), others to .npy.
func (f *fitRun) partFile(name string, idx []int) (*dataset.Images, error) {
	sub := f.imgs.Subset(idx)
	path := f.path(name + "-images-idx3-ubyte")
	if !bytePixels(sub) {
		if sub.H != sub.W {
			return nil, fmt.Errorf("fit: %s: pixels that are not integers 0..255 are kept as .npy, which holds square images only; this collection is %dx%d", f.o.Images, sub.H, sub.W)
		}
		path = f.path(name + "-images.npy")
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		var err error
		if filepath.Ext(path) == ".npy" {
			err = tiling.WriteNPY(path, sub.N, sub.H*sub.W, sub.Pix)
		} else {
			err = sub.WriteIDX(f.path(name))
		}
		if err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
	}
	got, err := dataset.Load(path)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	if got.N != sub.N || got.H != sub.H || got.W != sub.W || !reflect.DeepEqual(got.Pix, sub.Pix) {
		return nil, fmt.Errorf("fit: %s does not hold the %d %s images of the split recorded in %s: remove the work folder %s and rerun", path, sub.N, name, f.path("split.json"), f.o.Work)
	}
	return got, nil
}

func bytePixels(s *dataset.Images) bool {
	for _, v := range s.Pix {
		if v < 0 || v > 255 || v != float32(math.Trunc(float64(v))) {
			return false
		}
	}
	return true
}

// planKey is what a resume must share with the recorded plan.
func planKey(p Plan) map[string]any {
	return map[string]any{"budget": p.BudgetSeconds, "kind": p.Kind, "seeds": p.Seeds, "group": p.Group, "seed": p.FirstSeed, "patience": p.Patience}
}

func (f *fitRun) stagePlan(ctx context.Context) error {
	var p Plan
	found, err := readJSON(f.path("plan.json"), &p)
	if err != nil {
		return err
	}
	want := basePlan(f.o, f.res.Split)
	if found {
		if got, w := planKey(p), planKey(want); !reflect.DeepEqual(got, w) {
			return fmt.Errorf("fit: %s was planned with %v; given %v: rerun with the same options or use another --work folder", f.path("plan.json"), got, w)
		}
		switch explicit := f.o.TrainPairs > 0; {
		case p.Measured && explicit:
			return fmt.Errorf("fit: %s was planned by measuring this machine; given --train-pairs %d: rerun without it or use another --work folder", f.path("plan.json"), f.o.TrainPairs)
		case !p.Measured && !explicit:
			return fmt.Errorf("fit: %s fixes %d training pairs and %d epochs; given none: rerun with them or use another --work folder", f.path("plan.json"), p.TrainPairs, p.Epochs)
		case !p.Measured:
			e, err := explicitPlan(f.o, f.res.Split)
			if err != nil {
				return err
			}
			if e.TrainPairs != p.TrainPairs || p.Epochs != f.o.Epochs {
				return fmt.Errorf("fit: %s fixes %d training pairs and %d epochs; given %d pairs (%d in whole groups) and %d epochs", f.path("plan.json"), p.TrainPairs, p.Epochs, f.o.TrainPairs, e.TrainPairs, f.o.Epochs)
			}
		}
		f.res.Resumed = append(f.res.Resumed, StagePlan)
	} else {
		if f.o.TrainPairs > 0 {
			p, err = explicitPlan(f.o, f.res.Split)
		} else {
			m, merr := NewModel(f.o.Kind, f.train.H, f.train.W)
			if merr != nil {
				return merr
			}
			f.logf("fit: measuring the exact solver and training speed")
			spp, pps, merr := measure(ctx, f.o, f.train, m)
			if merr != nil {
				return merr
			}
			p, err = measuredPlan(f.o, f.res.Split, spp, pps)
		}
		if err != nil {
			return err
		}
		if err := writeJSON(f.path("plan.json"), p); err != nil {
			return err
		}
	}
	f.res.Plan = p
	est := ""
	if p.EstimateSeconds > 0 {
		est = fmt.Sprintf("; estimated %s of %s", time.Duration(p.EstimateSeconds*float64(time.Second)).Round(time.Second), f.o.Budget)
	}
	f.logf("fit: plan: %d training pairs within groups of %d over %d images, %d validation pairs, %d test pairs (all pairs of %d images), %d seed(s) of at most %d epochs%s (%s)",
		p.TrainPairs, p.Group, p.TrainImages, p.ValPairs, p.TestPairs, p.TestImages, p.Seeds, p.Epochs, est, p.Note)
	return nil
}

// NewModel is the model a fit trains for a kind: kenn train's defaults
// (DeepKENN's parameter count for the three KENN kinds, 8 RK4 steps).
func NewModel(kind models.Kind, h, w int) (*models.Model, error) {
	if kind == models.KindDWE {
		return models.DWE(h, w), nil
	}
	b := models.DefaultBackbone
	return models.Matched(kind, h, w, models.DeepKENN(h, w, b).NumDistanceParams(), b, 64, 8)
}

func (f *fitRun) stagePairs(ctx context.Context) error {
	p := f.res.Plan
	jobs := []struct {
		name string
		imgs *dataset.Images
		sel  pairs.Selection
		dst  **pairs.File
	}{
		{"train", f.train, pairs.Selection{Groups: p.Group, Seed: f.o.Seed, First: p.TrainImages}, &f.trainP},
		{"val", f.val, pairs.Selection{Groups: p.Group, Seed: f.o.Seed + 1, First: p.ValImages}, &f.valP},
		{"test", f.test, pairs.Selection{All: true, First: p.TestImages}, &f.tP},
	}
	for _, j := range jobs {
		out := f.path(j.name + ".pairs")
		stage := "pairs " + j.name
		sum, err := pairs.Generate(ctx, j.imgs, j.sel, out, pairs.Options{Method: ot.NewSolver(), Workers: f.o.Workers,
			Progress: func(done, total int) { f.progress(stage, done, total) }})
		if err != nil {
			return err
		}
		if sum.UpToDate || sum.Resumed > 0 {
			f.res.Resumed = append(f.res.Resumed, stage)
		}
		if *j.dst, err = pairs.ReadFile(out); err != nil {
			return err
		}
		f.logf("fit: %s: %d exact pairs (W2², px²) in %s", out, sum.Total, sum.Elapsed.Round(time.Millisecond))
	}
	return nil
}

// seedEpochs is the epoch cap of the seed k of a measured plan, chosen when
// it starts and recorded in epochs.json, so that a resumed fit trains it
// as far as the uninterrupted one: the training budget left (useShare of
// the budget, less the time spent so far and the last stages' overhead)
// shared by the seeds not yet trained, at the seconds per epoch of the
// seeds done (the plan's estimate before the first). A seed that stops
// early, or a machine faster than the probe said, leaves its time to the
// next seeds; a slower one takes it from them.
func (f *fitRun) seedEpochs(k int, members []*models.Checkpoint, trainStart time.Time) (int, error) {
	p := f.res.Plan
	if !p.Measured {
		return p.Epochs, nil
	}
	rec := map[string]int{}
	if _, err := readJSON(f.path("epochs.json"), &rec); err != nil {
		return 0, err
	}
	seed := fmt.Sprint(p.FirstSeed + uint64(k))
	if e, ok := rec[seed]; ok {
		if e < 1 {
			return 0, fmt.Errorf("fit: %s: seed %s: %d epochs", f.path("epochs.json"), seed, e)
		}
		return e, nil
	}
	spe := float64(p.TrainPairs) * valOverhead / p.TrainPairsPerSec
	var secs float64
	var epochs int
	for _, c := range members {
		secs += c.State.Seconds
		epochs += c.State.Epoch
	}
	if epochs > 0 && secs > 0 {
		spe = secs / float64(epochs)
	}
	left := useShare*p.BudgetSeconds - f.total() - time.Since(trainStart).Seconds() - overhead.Seconds()
	e := max(minEpochs, min(maxEpochs, int(left/float64(p.Seeds-k)/spe)))
	rec[seed] = e
	if err := writeJSON(f.path("epochs.json"), rec); err != nil {
		return 0, err
	}
	return e, nil
}

func (f *fitRun) stageTrain(ctx context.Context) error {
	p := f.res.Plan
	start := time.Now()
	var members []*models.Checkpoint
	for k := 0; k < p.Seeds; k++ {
		seed := p.FirstSeed + uint64(k)
		out := f.path(fmt.Sprintf("seed%d.ckpt", seed))
		if c, err := models.LoadCheckpoint(out); err == nil {
			f.res.Resumed = append(f.res.Resumed, fmt.Sprintf("train seed %d", seed))
			members = append(members, c)
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("fit: %w", err)
		}
		m, err := NewModel(models.Kind(p.Kind), f.train.H, f.train.W)
		if err != nil {
			return err
		}
		if _, err := os.Stat(out + build.TrainSuffix); err == nil {
			m = nil // resumed from its state
			f.res.Resumed = append(f.res.Resumed, fmt.Sprintf("train seed %d", seed))
		}
		stage := fmt.Sprintf("train seed %d", seed)
		epochs, err := f.seedEpochs(k, members, start)
		if err != nil {
			return err
		}
		if epochs != p.Epochs {
			f.logf("fit: %s: at most %d epochs (the budget left; planned %d)", stage, epochs, p.Epochs)
		}
		var perEpoch int
		c, err := build.Train(ctx, m, build.Data{Images: f.train, Pairs: f.trainP}, build.Data{Images: f.val, Pairs: f.valP}, build.Options{
			Epochs: epochs, Batch: p.Group, Seed: seed, Patience: p.Patience, Mode: build.ModeBlock, Out: out,
			Progress: func(epoch, step, steps int, loss float64) {
				perEpoch = steps
				f.progress(stage, (epoch-1)*steps+step, epochs*steps)
			},
			EpochDone: func(epoch int, trainLoss, valMSE float64, improved bool) {
				f.progress(stage, epoch*perEpoch, epochs*perEpoch)
			},
			Notice: func(msg string) { f.logf("fit: %s: %s", stage, msg) },
		})
		if err != nil {
			return err
		}
		f.logf("fit: %s: %s after %d epochs, best %d, %.0f s", out, c.State.StopReason, c.State.Epoch, c.State.BestEpoch, c.State.Seconds)
		members = append(members, c)
	}
	if len(members) == 1 {
		f.model = members[0]
	} else {
		c, err := models.NewEnsemble(members...)
		if err != nil {
			return fmt.Errorf("fit: %w", err)
		}
		f.model = c
	}
	// The model's domain is the whole training split, not only the images
	// the pairs use (a small budget pairs few of them, whose ranges are
	// too narrow).
	if err := build.RecordDomain(f.model, f.train); err != nil {
		f.model.Domain = nil
		f.logf("fit: no domain recorded: %v", err)
	} else {
		f.model.Domain.Source = fmt.Sprintf("the %d training images of the split of %s", f.train.N, filepath.Base(f.o.Images))
	}
	return nil
}
