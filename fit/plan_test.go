package fit

import (
	"strings"
	"testing"
	"time"
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
