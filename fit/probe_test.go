package fit

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

// fakeClock is a clock that only the fake solves move.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// slowStart is a Method whose first slow solves take slowCost of the fake
// clock and the others cost; it counts its solves.
type slowStart struct {
	clock          *fakeClock
	slow           int
	slowCost, cost time.Duration
	calls          *int
}

func (m slowStart) Name() string              { return "slow-start" }
func (m slowStart) String() string            { return "slow-start" }
func (m slowStart) Options() ot.MethodOptions { return ot.MethodOptions{} }
func (m slowStart) Clone() ot.Method          { return m }
func (m slowStart) W2SqContext(ctx context.Context, a, b ot.Image) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.clock.mu.Lock()
	defer m.clock.mu.Unlock()
	*m.calls++
	d := m.cost
	if *m.calls <= m.slow {
		d = m.slowCost
	}
	m.clock.t = m.clock.t.Add(d)
	return 1, nil
}

// The probe times the steady state: the slow first pairs are not counted,
// it stops once its window is timed, and a cancelled fit is an error.
func TestExactProbeTimesTheSteadyState(t *testing.T) {
	imgs := &dataset.Images{N: 5, H: 2, W: 2, Pix: make([]float32, 5*4)}
	ms := time.Millisecond
	for _, c := range []struct {
		name                   string
		slow                   int
		slowCost, cost         time.Duration
		warmup, window         time.Duration
		minPairs               int
		want                   time.Duration // seconds per pair, ±2%
		callsAtLeast, callsMax int
	}{
		// 34 slow pairs end the warm-up at 102 ms; the window then
		// holds 6 slow pairs and 482 fast ones. Counted from the
		// start, the 522 pairs would take 1.15 ms each.
		{"slow start", 40, 3 * ms, 1 * ms, 100 * ms, 500 * ms, 16, 1025 * time.Microsecond, 522, 522},
		// every pair slower than the window: at least minPairs are timed
		{"slow pairs", 0, 0, 400 * ms, 100 * ms, 500 * ms, 4, 400 * ms, 5, 5},
		// all probeMaxPairs pairs within the warm-up: timed over all
		{"tiny pairs", 10, 2 * ms, 1 * time.Microsecond, time.Hour, time.Hour, 16, time.Duration(float64(20*ms+time.Duration(probeMaxPairs-10)*time.Microsecond) / probeMaxPairs), probeMaxPairs, probeMaxPairs},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(0, 0)}
			calls := 0
			m := slowStart{clock: clock, slow: c.slow, slowCost: c.slowCost, cost: c.cost, calls: &calls}
			p := exactProbe{method: m, workers: 1, now: clock.now, warmup: c.warmup, window: c.window, minPairs: c.minPairs}
			spp, err := p.secondsPerPair(context.Background(), imgs, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := spp, c.want.Seconds(); math.Abs(got-want) > 0.02*want {
				t.Errorf("%.4g ms per pair, want %.4g", 1e3*got, 1e3*want)
			}
			if calls < c.callsAtLeast || calls > c.callsMax {
				t.Errorf("%d solves, want %d to %d", calls, c.callsAtLeast, c.callsMax)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		clock := &fakeClock{t: time.Unix(0, 0)}
		calls := 0
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p := exactProbe{method: slowStart{clock: clock, cost: ms, calls: &calls}, workers: 2, now: clock.now, warmup: ms, window: ms, minPairs: 1}
		if _, err := p.secondsPerPair(ctx, imgs, 1); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want an error wrapping context.Canceled", err)
		}
	})
	t.Run("one image", func(t *testing.T) {
		p := exactProbe{method: ot.NewSolver(), workers: 1, now: time.Now, warmup: ms, window: ms, minPairs: 1}
		if _, err := p.secondsPerPair(context.Background(), &dataset.Images{N: 1, H: 2, W: 2, Pix: make([]float32, 4)}, 1); err == nil {
			t.Fatal("a collection of one image was timed")
		}
	})
}
