package build

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// testData makes exact pairs on small real subsets: training pairs among
// the first 60 MNIST train images, validation among 30 test images.
func testData(t *testing.T, all bool) (Data, Data) {
	t.Helper()
	load := func(path string, n int, sel pairs.Selection) Data {
		s, err := dataset.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i * (s.N / n)
		}
		sub := s.Subset(idx)
		sub.Source, sub.SHA256 = path, s.SHA256+"-sub"
		out := filepath.Join(t.TempDir(), "pairs.txt")
		if _, err := pairs.Generate(context.Background(), sub, sel, out, pairs.Options{Method: ot.NewSolver()}); err != nil {
			t.Fatal(err)
		}
		f, err := pairs.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return Data{sub, f}
	}
	sel := pairs.Selection{N: 256, Seed: 1}
	if all {
		sel = pairs.Selection{All: true}
	}
	return load("../testdata/mnist-train-images-idx3-ubyte", 60, sel), load("../testdata/mnist-test-images-idx3-ubyte", 30, pairs.Selection{All: true})
}

// tiny is a small 28×28 model of a kind; nil for a kind it lacks (see
// tinyOf).
func tiny(kind models.Kind) *models.Model {
	bb := models.Backbone{C1: 4, C2: 2, Hidden: 16, Out: 8}
	switch kind {
	case models.KindDWE:
		return smallModels(28, 28)[0]
	case models.KindDeepKENN:
		return models.DeepKENN(28, 28, bb)
	case models.KindODEKENN:
		return models.ODEKENN(28, 28, bb, 8, 3)
	case models.KindNaive:
		return models.Naive(28, 28, bb)
	case models.KindEnsemble:
		return models.Ensemble(models.ODEKENN(28, 28, bb, 8, 3), models.Naive(28, 28, bb))
	}
	return nil
}

// tinyOf is tiny for a kind of models.Kinds; t fails for a kind tiny
// lacks.
func tinyOf(t *testing.T, kind models.Kind) *models.Model {
	t.Helper()
	m := tiny(kind)
	if m == nil {
		t.Fatalf("no test model of kind %s: add one to tiny (build/train_test.go)", kind)
	}
	return m
}

// A short run lowers the validation error of every model below its first
// epoch's and below predicting the mean... and the training loss falls.
func TestShortTrainingLossFalls(t *testing.T) {
	tr, va := testData(t, true)
	for _, kind := range models.Trainable() {
		var losses []float64
		_, err := Train(context.Background(), tiny(kind), tr, va, Options{Epochs: 6, Batch: 16, Seed: 1, Patience: 10,
			Out:       filepath.Join(t.TempDir(), string(kind)+".ckpt"),
			EpochDone: func(e int, tl, vm float64, imp bool) { losses = append(losses, tl) }})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if !(losses[len(losses)-1] < losses[0]) {
			t.Errorf("%s: training loss did not fall: %v", kind, losses)
		}
		t.Logf("%s: training loss by epoch %.4g", kind, losses)
	}
}

// A run interrupted mid-epoch and resumed ends with exactly the weights of
// an uninterrupted run with the same seed.
func TestResumeEqualsUninterrupted(t *testing.T) {
	tr, va := testData(t, false)
	var plain *models.Checkpoint
	for _, tc := range []struct {
		kind    models.Kind
		augment string
	}{
		{models.KindDeepKENN, ""}, {models.KindODEKENN, ""}, {models.KindODEKENN, AugmentDihedral},
	} {
		kind := tc.kind
		dir := t.TempDir()
		opt := Options{Epochs: 2, Batch: 16, Seed: 7, Augment: tc.augment}
		opt.Out = filepath.Join(dir, "a.ckpt")
		a, err := Train(context.Background(), tiny(kind), tr, va, opt)
		if err != nil {
			t.Fatal(err)
		}
		opt.Out = filepath.Join(dir, "b.ckpt")
		opt.stopAfterSteps = 11 // mid second epoch (8 steps per epoch)
		if _, err := Train(context.Background(), tiny(kind), tr, va, opt); !errors.Is(err, ErrInterrupted) {
			t.Fatalf("want an interruption, got %v", err)
		}
		opt.stopAfterSteps = 0
		b, err := Train(context.Background(), nil, tr, va, opt)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range a.Tensors {
			w := b.Tensors[name]
			for i := range v {
				if v[i] != w[i] {
					t.Fatalf("%s %s: %s[%d] differs after resume: %v vs %v", kind, tc.augment, name, i, v[i], w[i])
				}
			}
		}
		if tc.augment == "" {
			plain = a
			continue
		}
		// the augmentation is in effect: the same run without it differs
		if b.Provenance.Augment != tc.augment {
			t.Fatalf("provenance records augmentation %q", b.Provenance.Augment)
		}
		same := true
		for name, v := range a.Tensors {
			for i := range v {
				same = same && v[i] == plain.Tensors[name][i]
			}
		}
		if same {
			t.Fatal("training with the dihedral augmentation gave the weights of training without")
		}
		// a state made with another augmentation is refused
		opt.Out, opt.stopAfterSteps = filepath.Join(dir, "c.ckpt"), 2
		if _, err := Train(context.Background(), tiny(kind), tr, va, opt); !errors.Is(err, ErrInterrupted) {
			t.Fatalf("want an interruption, got %v", err)
		}
		opt.Augment, opt.stopAfterSteps = "", 0
		if _, err := Train(context.Background(), nil, tr, va, opt); err == nil || !strings.Contains(err.Error(), "another run") {
			t.Fatalf("resuming without the augmentation: got %v", err)
		}
	}
}

// Predicted distances are symmetric, zero on identical images, and (for
// the W2 models) satisfy the triangle inequality; for dwe the W2
// prediction is the square root of its W2² output.
func TestMetricProperties(t *testing.T) {
	s, err := dataset.Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	for _, kind := range models.Kinds() {
		m := tinyOf(t, kind)
		c, _ := models.NewCheckpoint(m, 11)
		net, err := NewNet(m, 8, tensor.Float32, false)
		if err != nil {
			t.Fatal(err)
		}
		net.SetWeights(c)
		w := c.DistanceWeights()
		for trial := 0; trial < 20; trial++ {
			i, j, k := rng.IntN(s.N), rng.IntN(s.N), rng.IntN(s.N)
			e, err := net.Embed([][]float32{s.Row(i), s.Row(j), s.Row(k), s.Row(i)})
			if err != nil {
				t.Fatal(err)
			}
			dij, dji := models.Distance(m, w, e[0], e[1]), models.Distance(m, w, e[1], e[0])
			if dij != dji {
				t.Fatalf("%s: asymmetric %v %v", kind, dij, dji)
			}
			if d := models.Distance(m, w, e[0], e[3]); d != 0 {
				t.Fatalf("%s: d(x, x) = %v", kind, d)
			}
			a := models.PredictW2(m, dij)
			b := models.PredictW2(m, models.Distance(m, w, e[1], e[2]))
			cc := models.PredictW2(m, models.Distance(m, w, e[0], e[2]))
			if kind == models.KindDWE {
				if math.Abs(a*a-dij) > 1e-9*dij {
					t.Fatalf("dwe: W2 %v is not √W2² %v", a, dij)
				}
			}
			if cc > a+b+1e-9 {
				t.Fatalf("%s: triangle inequality violated: %v > %v + %v", kind, cc, a, b)
			}
		}
		net.Close()
	}
}

func TestValidationMustBeSplitByImages(t *testing.T) {
	tr, _ := testData(t, false)
	_, err := Train(context.Background(), tiny(models.KindNaive), tr, tr, Options{Epochs: 1, Batch: 16, Out: filepath.Join(t.TempDir(), "x.ckpt")})
	if err == nil {
		t.Fatal("validation sharing images with training was accepted")
	}
}

// Training pairs not computed by the exact solver, and validation or
// monitor pairs computed by another method than the training pairs, are
// refused: the model would learn, or early stopping measure it against,
// other values than exact W2².
func TestPairsMustBeExactAndOfOneMethod(t *testing.T) {
	tr, va := testData(t, false)
	other := *va.Pairs
	other.Header.Method = "sliced directions=64"
	sliced := Data{va.Images, &other}
	trOther := *tr.Pairs
	trOther.Header.Method = "sliced directions=64"
	trSliced := Data{tr.Images, &trOther}
	for _, c := range []struct {
		name       string
		train, val Data
		mon        Data
		want       string
	}{
		{"validation", tr, sliced, Data{}, `the validation pairs by "sliced directions=64"`},
		{"monitor", tr, va, sliced, `the monitor pairs by "sliced directions=64"`},
		{"training", trSliced, sliced, Data{}, `training pairs hold W2² by method "sliced directions=64", not exact`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Train(context.Background(), tiny(models.KindNaive), c.train, c.val, Options{Epochs: 1, Batch: 16, Monitor: c.mon, Out: filepath.Join(t.TempDir(), "x.ckpt")})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

// A resumable state of another model kind is refused, not silently used.
func TestResumeRefusesOtherKind(t *testing.T) {
	tr, va := testData(t, false)
	out := filepath.Join(t.TempDir(), "m.ckpt")
	opt := Options{Epochs: 2, Batch: 16, Seed: 3, Out: out, stopAfterSteps: 2}
	if _, err := Train(context.Background(), tiny(models.KindNaive), tr, va, opt); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("want an interruption, got %v", err)
	}
	opt.stopAfterSteps = 0
	_, err := Train(context.Background(), tiny(models.KindDeepKENN), tr, va, opt)
	if err == nil || !strings.Contains(err.Error(), "holds a naive model") {
		t.Fatalf("got %v", err)
	}
}

// With pairs within groups of B images (kenn pairs --groups B), every block
// is one whole group: all B(B−1)/2 pairs supervised, none lost.
func TestBlocksFollowGroups(t *testing.T) {
	s, err := dataset.Load("../testdata/mnist-train-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	const B = 6
	ps, err := pairs.Selection{Groups: B, Seed: 2}.Pairs(s.N)
	if err != nil {
		t.Fatal(err)
	}
	f := &pairs.File{Pairs: ps, W2Sq: make([]float64, len(ps))}
	for k := range f.W2Sq {
		f.W2Sq[k] = float64(k + 1)
	}
	sch := newSchedule(models.Naive(28, 28, models.DefaultBackbone), Data{s, f}, ModeBlock, B)
	batches := sch.epoch(1, 0)
	if len(batches) != s.N/B {
		t.Fatalf("%d blocks, want %d", len(batches), s.N/B)
	}
	total := 0
	for k, bt := range batches {
		if len(bt.Pairs) != B*(B-1)/2 {
			t.Fatalf("block %d carries %d pairs, want %d", k, len(bt.Pairs), B*(B-1)/2)
		}
		total += len(bt.Pairs)
	}
	if total != len(ps) {
		t.Fatalf("%d pairs supervised in an epoch, want %d", total, len(ps))
	}
}
