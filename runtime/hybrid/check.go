package hybrid

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Promise is what a model's metadata says of its error: the relative MSE
// on W2² it reached on held-out pairs, and where that figure comes from.
type Promise struct {
	RelMSE float64 // upper end of the card's 95% interval, or the figure itself
	Source string  // e.g. "kenn fit card: test relative MSE 0.0021 [0.0018, 0.0025]"
}

// ReadPromise reads the promise of a model from its metrics: an exported
// model's metadata (kenn.metrics), or a checkpoint's (.ckpt), which
// export copies there. It is the test figures of a kenn fit card when
// present, otherwise the validation figures of training. ok is false when
// the model records neither.
func ReadPromise(path string) (p Promise, ok bool, err error) {
	var m map[string]float64
	if strings.HasSuffix(path, ".ckpt") {
		c, err := models.LoadCheckpoint(path)
		if err != nil {
			return Promise{}, false, fmt.Errorf("hybrid: %w", err)
		}
		m = c.Metrics
	} else {
		f, err := export.ReadModel(path)
		if err != nil {
			return Promise{}, false, fmt.Errorf("hybrid: %w", err)
		}
		if s := f.Meta[models.MetaMetrics]; s != "" && s != "null" {
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				return Promise{}, false, fmt.Errorf("hybrid: %s: kenn.metrics: %w", path, err)
			}
		}
	}
	if v, has := m["test_rel_mse_w2sq"]; has {
		hi, hasHi := m["test_rel_mse_w2sq_hi"]
		if !hasHi {
			hi = v
		}
		return Promise{RelMSE: hi, Source: fmt.Sprintf("its card (kenn fit): test relative MSE on W2² %.3g, 95%% interval up to %.3g", v, hi)}, true, nil
	}
	if v, has := m["rel_mse_w2sq"]; has {
		return Promise{RelMSE: v, Source: fmt.Sprintf("its training record: validation relative MSE on W2² %.3g", v)}, true, nil
	}
	return Promise{}, false, nil
}

// CheckResult compares a model with exact W2 on sampled pairs.
type CheckResult struct {
	Pairs   int
	Pearson metrics.Interval // on W2², 95% over resampled images
	RelMSE  metrics.Interval // Σ(p−t)²/Σt² on W2², 95%
	// MeanRelErr is the mean of |p − t| / t over the pairs (W2²).
	MeanRelErr float64
	// Promise is the model's own figure (Found false: none recorded).
	Promise Promise
	Found   bool
	// Warning is set when the error is well above the promise: the lower
	// end of the check's interval exceeds WarnFactor times the promise.
	Warning string
}

// WarnFactor is how far above its promise a model's checked relative MSE
// must be, beyond doubt (the interval's lower end), to warn.
const WarnFactor = 2.0

// CheckOptions configures Check.
type CheckOptions struct {
	Pairs   int       // random pairs to solve exactly (at least 20)
	Seed    uint64    // their choice
	Workers int       // exact-solver goroutines (0: all CPUs)
	Method  ot.Method // nil: exact
}

// Check solves opt.Pairs random pairs of two different images (pixels
// that differ) exactly and compares the model's distances with them. a
// holds the images with their features fa (as Embed returns them: a.N
// rows of m.F); b and fb, when b is not nil, a second collection (fb is
// ignored when b is nil): the pairs then join a and b, as the rows and columns of a distance matrix
// or the queries and index of a kNN search. modelPath is the model's
// file, an exported model or the checkpoint it was exported from, whose
// metrics hold its promise (ReadPromise).
func Check(ctx context.Context, m *runtime.Model, modelPath string, a *dataset.Images, fa dataset.Features, b *dataset.Images, fb dataset.Features, opt CheckOptions) (CheckResult, error) {
	if opt.Pairs < 20 {
		return CheckResult{}, fmt.Errorf("hybrid: a check of %d pairs: want at least 20", opt.Pairs)
	}
	if err := checkFeatures(fa, a, m.F); err != nil {
		return CheckResult{}, err
	}
	if b != nil {
		if err := checkFeatures(fb, b, m.F); err != nil {
			return CheckResult{}, err
		}
	}
	// Pairs (i, j) index the images of a, then of b (offset a.N).
	both := a
	nb := a.N
	if b != nil {
		if b.H != a.H || b.W != a.W {
			return CheckResult{}, fmt.Errorf("hybrid: %s is %dx%d, %s is %dx%d", a.Source, a.H, a.W, b.Source, b.H, b.W)
		}
		both = &dataset.Images{N: a.N + b.N, H: a.H, W: a.W, Pix: append(append([]float32(nil), a.Pix...), b.Pix...), Source: a.Source + " + " + b.Source}
		nb = b.N
	}
	max := a.N * nb
	if b == nil {
		max = a.N * (a.N - 1) / 2
	}
	if opt.Pairs > max {
		opt.Pairs = max
		if max < 20 {
			return CheckResult{}, fmt.Errorf("hybrid: the images have only %d distinct pairs: a check needs 20", max)
		}
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x636865636b)) // "check"
	seen := map[pairs.Pair]bool{}
	var ps []pairs.Pair
	for tries := 0; len(ps) < opt.Pairs; tries++ {
		if tries > 100*opt.Pairs+1000 {
			return CheckResult{}, fmt.Errorf("hybrid: %d draws found only %d pairs of two different images: a check needs %d", tries, len(ps), opt.Pairs)
		}
		i, j := rng.IntN(a.N), rng.IntN(nb)
		if b != nil {
			j += a.N
		} else if i == j {
			continue
		} else if i > j {
			i, j = j, i
		}
		// one image twice (the queries are the index, or a duplicate):
		// its W2 of 0 says nothing of the model and dilutes the errors
		if slices.Equal(both.Row(i), both.Row(j)) {
			continue
		}
		p := pairs.Pair{I: i, J: j}
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	exact, err := pairs.Compute(ctx, both, ps, pairs.Options{Method: opt.Method, Workers: opt.Workers})
	if err != nil {
		return CheckResult{}, fmt.Errorf("hybrid: %w", err)
	}
	feat := func(i int) []float32 {
		if i < a.N {
			return fa.Row(i)
		}
		return fb.Row(i - a.N)
	}
	pred := make([]float64, len(ps))
	is, js := make([]int, len(ps)), make([]int, len(ps))
	var rel float64
	for k, p := range ps {
		d := models.ToW2Sq(m.Target, m.Distance(feat(p.I), feat(p.J)))
		pred[k], is[k], js[k] = d, p.I, p.J
		if exact[k] > 0 {
			rel += math.Abs(d-exact[k]) / exact[k]
		}
	}
	bs, err := metrics.BootstrapImages(is, js, pred, exact, 10, 1000, 0.95, opt.Seed)
	if err != nil {
		return CheckResult{}, fmt.Errorf("hybrid: %w", err)
	}
	r := CheckResult{Pairs: len(ps), Pearson: bs.Pearson, RelMSE: bs.RelMSE, MeanRelErr: rel / float64(len(ps))}
	if r.Promise, r.Found, err = ReadPromise(modelPath); err != nil {
		return CheckResult{}, err
	}
	if r.Found && r.RelMSE.Lo > WarnFactor*r.Promise.RelMSE {
		r.Warning = fmt.Sprintf("on these images the model's relative MSE on W2² is %s, above %g× what %s: these images may be outside the model's domain; its distances may be wrong here", r.RelMSE, WarnFactor, r.Promise.Source)
	}
	return r, nil
}

// checkFeatures refuses features that are not one row of f values per
// image of imgs.
func checkFeatures(x dataset.Features, imgs *dataset.Images, f int) error {
	if err := tiling.CheckFeatures(x, f); err != nil {
		return fmt.Errorf("hybrid: %s: %w", imgs.Source, err)
	}
	if x.N != imgs.N {
		return fmt.Errorf("hybrid: %d feature rows for the %d images of %s", x.N, imgs.N, imgs.Source)
	}
	return nil
}

// Report is the check's one-paragraph summary.
func (r CheckResult) Report() string {
	s := fmt.Sprintf("check: %d random pairs solved exactly: Pearson %s, relative MSE on W2² %s (95%% intervals), mean relative error on W2² %.3g", r.Pairs, r.Pearson, r.RelMSE, r.MeanRelErr)
	if r.Found {
		s += "; promised by " + r.Promise.Source
	} else {
		s += "; the model records no error figure to compare with"
	}
	return s
}
