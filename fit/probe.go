package fit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// measure times the exact solver on random training pairs (see
// exactProbe) and a few training steps of the model.
func measure(ctx context.Context, o Options, train *dataset.Images, m *models.Model) (spp, pps float64, err error) {
	p := exactProbe{method: ot.NewSolver(), workers: o.Workers, now: time.Now, warmup: probeWarmup, window: probeWindow, minPairs: probeMinPairs}
	if spp, err = p.secondsPerPair(ctx, train, o.Seed); err != nil {
		return 0, 0, err
	}
	sp, err := build.Benchmark(m, train, build.ModeBlock, o.Group, 8, o.Seed)
	if err != nil {
		return 0, 0, fmt.Errorf("fit: measuring training: %w", err)
	}
	return spp, sp.PairsPerSec, nil
}

// The exact solver's probe. The pairs finished in its first probeWarmup
// are not counted: a process's first second runs slower, and each
// worker's solver grows its buffers on its first pairs. The pairs
// finished over the next probeWindow, and at least probeMinPairs of them,
// are timed; at most probeMaxPairs are drawn. Measured on Fashion-MNIST
// (kenn fit --budget 15m, 2 workers, 3 runs against the seconds per pair
// of the same fit's first 30 s of training pairs): 0.95–1.04 times the
// fit's own speed. The probe it replaces timed 300 pairs from the start:
// 1.02–1.63 times (0.555 ms where the fit of
// pretrained/fashion-odekenn.fit.log then took 0.45 ms), so the plan
// bought fewer pairs than the budget paid for.
const (
	probeWarmup   = time.Second
	probeWindow   = 3 * time.Second
	probeMinPairs = 16
	probeMaxPairs = 1 << 16
)

// exactProbe times a Method on random pairs of a collection, with every
// worker busy: the wall seconds per pair of a long job.
type exactProbe struct {
	method         ot.Method
	workers        int
	now            func() time.Time
	warmup, window time.Duration
	minPairs       int
}

// errProbed ends the probe's job once its window is timed.
var errProbed = errors.New("fit: the exact solver's probe is done")

// secondsPerPair draws random pairs of imgs (with seed) and returns the
// wall seconds per pair over the probe's window, after its warm-up. A
// collection whose pairs all finish within the warm-up is timed over all
// of them.
func (p exactProbe) secondsPerPair(ctx context.Context, imgs *dataset.Images, seed uint64) (float64, error) {
	if imgs.N < 2 {
		return 0, fmt.Errorf("fit: timing the exact solver needs 2 images, the collection has %d", imgs.N)
	}
	rng := rand.New(rand.NewPCG(seed, 0x70726f6265)) // "probe"
	ps := make([]pairs.Pair, probeMaxPairs)
	for k := range ps {
		i, j := rng.IntN(imgs.N), rng.IntN(imgs.N-1)
		if j >= i {
			j++
		}
		ps[k] = pairs.Pair{I: min(i, j), J: max(i, j)}
	}
	job, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	c := &probeClock{p: p, start: p.now(), n0: -1, stop: stop}
	_, err := pairs.Compute(job, imgs, ps, pairs.Options{Method: timedMethod{p.method, c}, Workers: p.workers})
	if err != nil && !(errors.Is(context.Cause(job), errProbed) && ctx.Err() == nil) {
		return 0, fmt.Errorf("fit: timing the exact solver: %w", err)
	}
	return c.secondsPerPair(), nil
}

// probeClock counts the probe's pairs as their solves return.
type probeClock struct {
	p      exactProbe
	mu     sync.Mutex
	start  time.Time
	n      int       // pairs finished
	n0     int       // pairs finished when the warm-up ended (-1: not yet)
	t0, t1 time.Time // when the warm-up ended, when the last pair finished
	stop   context.CancelCauseFunc
}

func (c *probeClock) finished() {
	t := c.p.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.t1 = t
	switch {
	case c.n0 < 0:
		if t.Sub(c.start) >= c.p.warmup {
			c.n0, c.t0 = c.n, t
		}
	case t.Sub(c.t0) >= c.p.window && c.n-c.n0 >= c.p.minPairs:
		c.stop(errProbed)
	}
}

func (c *probeClock) secondsPerPair() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n0 < 0 || c.n == c.n0 {
		return c.t1.Sub(c.start).Seconds() / float64(c.n)
	}
	return c.t1.Sub(c.t0).Seconds() / float64(c.n-c.n0)
}

// timedMethod is a Method whose solves the probe counts.
type timedMethod struct {
	ot.Method
	c *probeClock
}

func (m timedMethod) W2SqContext(ctx context.Context, a, b ot.Image) (float64, error) {
	v, err := m.Method.W2SqContext(ctx, a, b)
	if err == nil {
		m.c.finished()
	}
	return v, err
}

func (m timedMethod) Clone() ot.Method { return timedMethod{m.Method.Clone(), m.c} }
