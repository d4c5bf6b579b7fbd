package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// handData is a pairs file over the first n images of a test set, with
// the given pairs and made-up targets (nothing is trained on it).
func handData(t *testing.T, path string, n int, sel pairs.Selection) Data {
	t.Helper()
	s, err := dataset.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sub := s.Subset(idx)
	sub.Source, sub.SHA256 = path, "first"+s.SHA256
	ps, err := sel.Pairs(n)
	if err != nil {
		t.Fatal(err)
	}
	f := &pairs.File{Header: pairs.NewHeader(sub, ot.NewSolver(), sel.String(), len(ps)), Pairs: ps, W2Sq: make([]float64, len(ps))}
	for k := range f.W2Sq {
		f.W2Sq[k] = 1 + float64(k%7)
	}
	return Data{sub, f}
}

// A configuration whose epoch has no step is refused before any work,
// saying how much data the batch needs; nothing is written.
func TestZeroStepsRefused(t *testing.T) {
	val := handData(t, "../testdata/mnist-test-images-idx3-ubyte", 10, pairs.Selection{All: true})
	const train = "../testdata/mnist-train-images-idx3-ubyte"
	cases := []struct {
		name  string
		data  Data
		mode  string
		batch int
		want  string // "" if training must start
	}{
		{"pair mode, 7 pairs for batch 16", handData(t, train, 20, pairs.Selection{N: 7, Seed: 1}), ModePair, 16,
			"pair mode with batch 16 takes 8 training pairs per step, but there are 7: an epoch would have no step; give at least 8 training pairs or a batch of at most 14"},
		{"pair mode, 8 pairs for batch 16", handData(t, train, 20, pairs.Selection{N: 8, Seed: 1}), ModePair, 16, ""},
		{"block mode, 12 images for batch 16", handData(t, train, 12, pairs.Selection{All: true}), ModeBlock, 16,
			"block mode with batch 16 takes blocks of 16 images, but the training pairs use 12 images: an epoch would have no step; give at least 16 images in training pairs or a batch of at most 12"},
		{"block mode (default for all pairs), 12 images", handData(t, train, 12, pairs.Selection{All: true}), "", 16, "but the training pairs use 12 images"},
		{"block mode, 16 images for batch 16", handData(t, train, 16, pairs.Selection{All: true}), ModeBlock, 16, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "m.ckpt")
			_, err := Train(context.Background(), tiny(models.KindNaive), tc.data, val, Options{Epochs: 2, Batch: tc.batch, Mode: tc.mode, Out: out, stopAfterSteps: 1})
			if tc.want == "" {
				if !errors.Is(err, ErrInterrupted) {
					t.Fatalf("want training to start (and stop after a step), got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			for _, p := range []string{out, out + TrainSuffix} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s was written by a refused run", p)
				}
			}
		})
	}
}

func mustCheckpoint(t *testing.T, m *models.Model) *models.Checkpoint {
	t.Helper()
	c, err := models.NewCheckpoint(m, 1)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Options without a default are refused, never replaced.
func TestOptionsValidated(t *testing.T) {
	tr := handData(t, "../testdata/mnist-train-images-idx3-ubyte", 20, pairs.Selection{All: true})
	va := handData(t, "../testdata/mnist-test-images-idx3-ubyte", 10, pairs.Selection{All: true})
	cases := []struct {
		name string
		opt  Options
		want string
	}{
		{"epochs", Options{Epochs: -1}, "Options.Epochs -1: want ≥ 1"},
		{"batch", Options{Batch: -4}, "Options.Batch -4: want ≥ 2"},
		{"patience", Options{Patience: -2}, "Options.Patience -2: want ≥ 1"},
		{"lr", Options{LR: -1e-3}, "Options.LR -0.001: want a finite rate > 0"},
		{"odd batch in pair mode", Options{Batch: 5, Mode: ModePair}, "batch 5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Out = filepath.Join(t.TempDir(), "m.ckpt")
			if _, err := Train(context.Background(), tiny(models.KindNaive), tr, va, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("no validation pairs", func(t *testing.T) {
		empty := Data{va.Images, &pairs.File{Header: va.Pairs.Header}}
		empty.Pairs.Header.Count = 0
		_, err := Train(context.Background(), tiny(models.KindNaive), tr, empty, Options{Out: filepath.Join(t.TempDir(), "m.ckpt")})
		if err == nil || !strings.Contains(err.Error(), "build: no validation pairs") {
			t.Fatalf("got %v", err)
		}
		if _, err := EvaluateCheckpoint(mustCheckpoint(t, tiny(models.KindNaive)), empty); err == nil || !strings.Contains(err.Error(), "no pairs to evaluate") {
			t.Fatalf("Evaluate on no pairs: %v", err)
		}
	})
}

// A resume given other options names each difference with its saved and
// given values: the ones that change what was trained are refused, the
// others applied and reported.
func TestResumeNamesDifferences(t *testing.T) {
	tr, va := testData(t, false)
	tr2 := handData(t, "../testdata/mnist-train-images-idx3-ubyte", 60, pairs.Selection{N: 256, Seed: 9})
	dir := t.TempDir()
	base := Options{Epochs: 2, Batch: 16, Seed: 3, Out: filepath.Join(dir, "m.ckpt"), stopAfterSteps: 3}
	if _, err := Train(context.Background(), tiny(models.KindNaive), tr, va, base); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("want an interruption, got %v", err)
	}
	state, err := os.ReadFile(base.Out + TrainSuffix)
	if err != nil {
		t.Fatal(err)
	}
	base.stopAfterSteps = 0
	other := models.Naive(28, 28, models.Backbone{C1: 4, C2: 2, Hidden: 12, Out: 8})
	cases := []struct {
		name    string
		model   *models.Model
		train   Data
		change  func(*Options)
		refused []string // each named in the error
		notices []string // each reported, training then completes
	}{
		{"same options, same model", tiny(models.KindNaive), tr, func(*Options) {}, nil, nil},
		{"same options, no model", nil, tr, func(*Options) {}, nil, nil},
		{"batch and seed", nil, tr, func(o *Options) { o.Batch, o.Seed = 32, 4 },
			[]string{"batch: saved 16, given 32", "seed: saved 3, given 4"}, nil},
		{"mode, loss and augmentation", nil, tr, func(o *Options) { o.Mode, o.Loss, o.Augment = ModeBlock, LossW2Sq, AugmentDihedral },
			[]string{"mode: saved pair, given block", "loss: saved model, given w2sq", "augment: saved none, given dihedral"}, nil},
		{"model description", other, tr, func(*Options) {}, []string{"model: saved naive 28x28 description sha256 "}, nil},
		{"training pairs", nil, tr2, func(*Options) {}, []string{"pairs: saved ", "random n=256 seed=1, given ", "random n=256 seed=9", "images: saved"}, nil},
		{"lr, epochs, patience", nil, tr, func(o *Options) { o.LR, o.Epochs, o.Patience, o.LRPatience = 5e-4, 3, 7, -1 }, nil,
			[]string{"epochs: saved 2, given 3: training goes on to epoch 3", "patience: saved 5, given 7", "lr-patience: saved 3, given -1", "lr: saved 0.001, given 0.0005 (the rate is 0.001 now): training goes on at 0.0005"}},
		{"epochs left to the default", nil, tr, func(o *Options) { o.Epochs = 0 /* default 20 */ }, nil, []string{"epochs: saved 2, given 20"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := base
			opt.Out = filepath.Join(t.TempDir(), "m.ckpt")
			if err := os.WriteFile(opt.Out+TrainSuffix, state, 0o644); err != nil {
				t.Fatal(err)
			}
			tc.change(&opt)
			var notices []string
			opt.Notice = func(s string) { notices = append(notices, s) }
			if tc.name == "epochs left to the default" {
				opt.stopAfterSteps = 1 // 20 epochs: just check that it goes on
			}
			c, err := Train(context.Background(), tc.model, tc.train, va, opt)
			if tc.refused != nil {
				if err == nil {
					t.Fatal("resume with other options accepted")
				}
				for _, w := range tc.refused {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if !strings.Contains(err.Error(), "another run") || len(notices) > 0 {
					t.Errorf("error %q, notices %q", err, notices)
				}
				return
			}
			if tc.name == "epochs left to the default" {
				if !errors.Is(err, ErrInterrupted) {
					t.Fatal(err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(notices) != len(tc.notices) {
				t.Fatalf("notices %q, want %d", notices, len(tc.notices))
			}
			for k, w := range tc.notices {
				if !strings.Contains(notices[k], w) {
					t.Errorf("notice %q does not say %q", notices[k], w)
				}
			}
			if tc.name == "lr, epochs, patience" {
				if c.State.Epoch != 3 || c.State.LR != 5e-4 || c.State.Options["lr"] != "0.0005" {
					t.Errorf("state after resume: %d epochs, lr %g, options %v", c.State.Epoch, c.State.LR, c.State.Options)
				}
			}
		})
	}
}

// The validation split is by images: a validation pair on an image that
// training pairs use is refused, whether both sets index one file or the
// validation file copies training images; disjoint sets pass.
func TestValidationDisjoint(t *testing.T) {
	const mn = "../testdata/mnist-train-images-idx3-ubyte"
	train := handData(t, mn, 20, pairs.Selection{All: true})
	sameFile := handData(t, mn, 20, pairs.Selection{All: true})
	copied := handData(t, mn, 10, pairs.Selection{All: true}) // the first 10 training images, another file
	copied.Images.SHA256 = "copy"
	other := handData(t, "../testdata/mnist-test-images-idx3-ubyte", 10, pairs.Selection{All: true})
	for _, c := range []struct {
		name string
		val  Data
		want string
	}{
		{"same file", sameFile, "which training pairs use too"},
		{"copied images", copied, "the same pixels as training image"},
		{"disjoint", other, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := disjoint(train, c.val)
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("disjoint: %v, want %q", err, c.want)
			}
		})
	}
}
