package fit

import (
	"strings"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/models"
)

// A measured plan spends the budget and no more; a budget below the minimum
// it names is refused, and that minimum is enough.
func TestMeasuredPlanSpendsTheBudget(t *testing.T) {
	s, err := MakeSplit(60000, nil, 36, 500, 600, 1)
	if err != nil {
		t.Fatal(err)
	}
	const spp, pps = 0.001, 18000.0 // Fashion-MNIST-like exact pairs, ODE-KENN training
	for _, c := range []struct {
		budget time.Duration
		seeds  int
	}{{15 * time.Minute, 2}, {30 * time.Minute, 3}, {5 * time.Minute, 1}} {
		o := Options{Images: "x", Out: "m.onnx", Budget: c.budget, Seeds: c.seeds}.withDefaults()
		p, err := measuredPlan(o, s, spp, pps)
		if err != nil {
			t.Fatalf("%s: %v", c.budget, err)
		}
		if p.EstimateSeconds > useShare*c.budget.Seconds()+1e-9 || p.EstimateSeconds < 0.8*useShare*c.budget.Seconds() {
			t.Errorf("%s: the plan takes %.0f s of a %.0f s budget", c.budget, p.EstimateSeconds, c.budget.Seconds())
		}
		if p.TrainPairs%groupPairs(36) != 0 || p.TrainImages != p.TrainPairs/groupPairs(36)*36 || p.Epochs != epochsTarget {
			t.Errorf("%s: %d pairs over %d images, %d epochs", c.budget, p.TrainPairs, p.TrainImages, p.Epochs)
		}
		if vg, tg := p.ValPairs/groupPairs(36), p.TrainPairs/groupPairs(36); vg != min(len(s.Val)/36, max(minValGroups, (tg+valRatio-1)/valRatio)) {
			t.Errorf("%s: %d validation groups for %d training groups, want about a sixth (at most the split)", c.budget, vg, tg)
		}
		if float64(p.TestPairs)*spp > testShare*c.budget.Seconds() {
			t.Errorf("%s: %d test pairs exceed the test share", c.budget, p.TestPairs)
		}
	}
	// A slower machine (or model): one minute cannot train three seeds.
	const slowSPP, slowPPS = 0.01, 1500.0
	o := Options{Images: "x", Out: "m.onnx", Budget: time.Minute, Seeds: 3}.withDefaults()
	_, err = measuredPlan(o, s, slowSPP, slowPPS)
	if err == nil || !strings.Contains(err.Error(), "it needs at least") {
		t.Fatalf("1 minute for 3 seeds: %v, want a refusal naming the minimum", err)
	}
	var need time.Duration
	for _, f := range strings.Fields(err.Error()[strings.Index(err.Error(), "at least"):]) {
		if d, perr := time.ParseDuration(f); perr == nil {
			need = d
			break
		}
	}
	o.Budget = need
	if _, err := measuredPlan(o, s, slowSPP, slowPPS); err != nil {
		t.Errorf("the minimum budget it named (%s): %v", need, err)
	}
}

// With few training images every one is used and the rest buys epochs.
func TestPlanSmallCollectionBuysEpochs(t *testing.T) {
	s, err := MakeSplit(400, nil, 36, 500, 600, 1)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Images: "x", Out: "m.onnx", Budget: 10 * time.Minute, Seeds: 1}.withDefaults()
	p, err := measuredPlan(o, s, 0.001, 18000)
	if err != nil {
		t.Fatal(err)
	}
	if p.TrainImages != len(s.Train)/36*36 || p.Epochs != maxEpochs {
		t.Errorf("%d of %d training images, %d epochs: want all whole groups and %d epochs", p.TrainImages, len(s.Train), p.Epochs, maxEpochs)
	}
}

// The seeds of a measured plan share the training budget left as they
// start: a seed that stopped early (or a machine faster than the probe)
// leaves its time to the next ones, and each seed's cap is recorded so a
// resumed fit trains it as far as an uninterrupted one.
func TestSeedEpochsRefundTheBudget(t *testing.T) {
	p := Plan{Measured: true, BudgetSeconds: 1800, Seeds: 3, FirstSeed: 1, TrainPairs: 120330, TrainPairsPerSec: 7200, Epochs: 25}
	newRun := func(dir string, spent float64) *fitRun {
		return &fitRun{o: Options{Work: dir}, res: &Result{Plan: p}, times: map[string]float64{StagePairs: spent}}
	}
	spe := float64(p.TrainPairs) * valOverhead / p.TrainPairsPerSec // the plan's seconds per epoch
	left := useShare*p.BudgetSeconds - 100 - overhead.Seconds()
	for _, c := range []struct {
		name    string
		members []*models.Checkpoint
		k       int
		want    int
	}{
		{"first seed: the plan's speed", nil, 0, int(left / 3 / spe)},
		{"after a seed that ran 20 epochs in 400 s", []*models.Checkpoint{{State: &models.TrainState{Epoch: 20, Seconds: 400}}}, 1, int((left - 400) / 2 / 20)},
		{"after two slow seeds", []*models.Checkpoint{{State: &models.TrainState{Epoch: 30, Seconds: 900}}, {State: &models.TrainState{Epoch: 30, Seconds: 900}}}, 2, minEpochs},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			f := newRun(dir, 100)
			for _, m := range c.members { // their time, as a resumed fit's times.json has it
				f.times[StageTrain] += m.State.Seconds
			}
			got, err := f.seedEpochs(c.k, c.members, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			// The test's own clock runs between the two computations: allow one epoch.
			if got != c.want && got != c.want-1 {
				t.Errorf("seed %d: %d epochs, want %d", c.k+1, got, c.want)
			}
			// Resumed later, with more time spent: the recorded cap stays.
			again, err := newRun(dir, 1000).seedEpochs(c.k, c.members, time.Now())
			if err != nil || again != got {
				t.Errorf("resumed: %d epochs (%v), want the recorded %d", again, err, got)
			}
		})
	}
	// An explicit plan keeps its epochs.
	f := newRun(t.TempDir(), 0)
	f.res.Plan.Measured = false
	if e, err := f.seedEpochs(0, nil, time.Now()); err != nil || e != p.Epochs {
		t.Errorf("explicit plan: %d epochs (%v), want %d", e, err, p.Epochs)
	}
}
