package fit

import (
	"fmt"
	"math"
	"time"
)

// Shares of the budget, from the runs in docs/results*: the test set's
// exact pairs take at most testShare, training and pairs what remains of
// useShare after the test and validation pairs and the fixed overhead.
const (
	testShare = 0.07
	useShare  = 0.95
	// epochsTarget is the epochs a seed is planned for when the training
	// images allow more pairs than the budget pays for: the budget buys
	// pairs first, then epochs ("spread beats count"). Measured on MNIST
	// at equal training compute per seed (about 3.2 million pair-visits):
	// 39,690 pairs for 80 epochs reached validation Pearson 0.987
	// (docs/results/fit-mnist/fit.log before this rule), 136,080 pairs for 20–50
	// epochs 0.993 (docs/results/mnist-ensemble/README.md). The seeds are re-funded
	// from the budget left as they finish (seedEpochs).
	epochsTarget = 25
	minEpochs    = 10
	minGroups    = 2
	// valRatio: the validation pairs are about 1/valRatio of the training
	// pairs (groups over the validation images), at least minValGroups
	// groups and at most the validation split.
	valRatio     = 6
	minValGroups = 2
	maxEpochs    = 300
	// valOverhead is the share of an epoch spent scoring the validation
	// pairs and saving the state.
	valOverhead = 1.15
	// overhead is the fixed time of loading, export and the test embedding.
	overhead = 15 * time.Second
)

// Plan is what a budget buys on this machine: the measured speeds and the
// sizes chosen from them. It is recorded in plan.json at the start of a
// fit, so that a resumed fit makes the same model.
type Plan struct {
	BudgetSeconds    float64 `json:"budget_s"`
	Measured         bool    `json:"measured"`             // false: sizes given explicitly
	SecondsPerPair   float64 `json:"exact_s_per_pair"`     // wall time per exact pair, all workers
	TrainPairsPerSec float64 `json:"train_pairs_per_s"`    // training throughput, block mode
	Workers          int     `json:"workers"`              // exact-solver goroutines
	Group            int     `json:"group"`                // images per group and per batch
	TrainImages      int     `json:"train_images"`         // the first ones of the training split
	TrainPairs       int     `json:"train_pairs"`          // all pairs within groups of Group
	ValImages        int     `json:"val_images"`           // likewise for validation
	ValPairs         int     `json:"val_pairs"`            //
	TestImages       int     `json:"test_images"`          // all their pairs
	TestPairs        int     `json:"test_pairs"`           //
	Seeds            int     `json:"seeds"`                //
	Epochs           int     `json:"epochs"`               // at most, per seed (early stopping may end sooner)
	EstimateSeconds  float64 `json:"estimate_s,omitempty"` // the plan's predicted wall time
	Kind             string  `json:"kind"`                 //
	Patience         int     `json:"patience"`             //
	FirstSeed        uint64  `json:"first_seed"`           //
	Note             string  `json:"note,omitempty"`       // what limited the sizes
}

func groupPairs(g int) int { return g * (g - 1) / 2 }

// basePlan fills in the sizes every plan shares: validation groups and the
// cap of the test set.
func basePlan(o Options, s Split) Plan {
	g := o.Group
	return Plan{
		BudgetSeconds: o.Budget.Seconds(), Workers: o.Workers, Group: g,
		ValImages: len(s.Val) / g * g, ValPairs: len(s.Val) / g * groupPairs(g),
		TestImages: min(len(s.Test), o.TestImages), Seeds: o.Seeds, Kind: string(o.Kind), Patience: o.Patience, FirstSeed: o.Seed,
	}
}

// valGroups returns the number of validation groups for a number of
// training groups.
func valGroups(o Options, s Split) func(train int) int {
	most := len(s.Val) / o.Group
	return func(train int) int { return min(most, max(minValGroups, (train+valRatio-1)/valRatio)) }
}

// explicitPlan is the plan of given TrainPairs and Epochs.
func explicitPlan(o Options, s Split) (Plan, error) {
	p := basePlan(o, s)
	g := o.Group
	groups := (o.TrainPairs + groupPairs(g) - 1) / groupPairs(g)
	if max := len(s.Train) / g; groups > max {
		return Plan{}, fmt.Errorf("fit: %d training pairs need %d groups of %d images; the training split has %d images (%d groups, %d pairs)", o.TrainPairs, groups, g, len(s.Train), max, max*groupPairs(g))
	}
	p.TrainImages, p.TrainPairs = groups*g, groups*groupPairs(g)
	v := valGroups(o, s)(groups)
	p.ValImages, p.ValPairs = v*g, v*groupPairs(g)
	p.TestPairs = groupPairs(p.TestImages)
	p.Epochs = o.Epochs
	p.Note = "sizes given explicitly"
	return p, nil
}

// measuredPlan spends the budget given the measured speeds.
func measuredPlan(o Options, s Split, spp, pps float64) (Plan, error) {
	p := basePlan(o, s)
	p.Measured, p.SecondsPerPair, p.TrainPairsPerSec = true, spp, pps
	g, B := o.Group, o.Budget.Seconds()
	// The test set: all pairs of as many test images as testShare pays for.
	for p.TestImages > minTest && float64(groupPairs(p.TestImages))*spp > testShare*B {
		p.TestImages--
	}
	p.TestPairs = groupPairs(p.TestImages)
	gp := float64(groupPairs(g))
	epochCost := float64(o.Seeds) * valOverhead / pps // training seconds per pair per epoch, all seeds
	avail := useShare*B - float64(p.TestPairs)*spp - overhead.Seconds()
	valFor := valGroups(o, s)
	// cost is the exact pairs and training of groups training groups for
	// epochs epochs, with their validation groups.
	cost := func(groups, epochs int) float64 {
		n := float64(groups) * gp
		return n*(spp+float64(epochs)*epochCost) + float64(valFor(groups))*gp*spp
	}
	groupsMax := len(s.Train) / g
	groups := int(avail / (gp * (spp*(1+1.0/valRatio) + epochsTarget*epochCost)))
	for groups > 0 && cost(groups, epochsTarget) > avail {
		groups--
	}
	p.Epochs = epochsTarget
	p.Note = fmt.Sprintf("pairs and epochs (%d per seed) balanced by the budget", epochsTarget)
	fund := func(groups int) int { // the epochs the rest of the budget buys
		n := float64(groups) * gp
		return min(maxEpochs, int((avail-cost(groups, 0))/(n*epochCost)))
	}
	switch {
	case groups >= groupsMax: // every training image used: the rest buys epochs
		groups = groupsMax
		p.Epochs = fund(groups)
		p.Note = fmt.Sprintf("every training image used; the rest of the budget buys epochs (at most %d)", maxEpochs)
	case groups < minGroups: // the fewest groups, and what epochs remain
		groups = min(minGroups, groupsMax)
		p.Epochs = fund(groups)
		p.Note = fmt.Sprintf("a small budget: the fewest training groups (%d) and the epochs it leaves", groups)
	}
	p.ValImages, p.ValPairs = valFor(groups)*g, valFor(groups)*groupPairs(g)
	if groups < minGroups || p.Epochs < minEpochs || p.TestImages < minTest || avail <= 0 {
		return Plan{}, fmt.Errorf("fit: a budget of %s is too small for %d seed(s) on this machine (exact pairs take %.3g ms each, training runs %.0f pairs/s): it needs at least %s (or fewer seeds)", o.Budget, o.Seeds, 1e3*spp, pps, minBudget(o, p, spp, epochCost))
	}
	p.TrainImages, p.TrainPairs = groups*g, groups*groupPairs(g)
	p.EstimateSeconds = float64(p.TestPairs)*spp + overhead.Seconds() + cost(groups, p.Epochs)
	return p, nil
}

// minBudget is the least budget with minGroups training groups and
// minEpochs epochs, rounded up to a minute: the test set takes at most
// testShare of any budget, so the rest must pay for validation, overhead
// and training.
func minBudget(o Options, p Plan, spp, epochCost float64) time.Duration {
	n := float64(minGroups * groupPairs(o.Group))
	need := (float64(minValGroups*groupPairs(o.Group))*spp + overhead.Seconds() + n*(spp+minEpochs*epochCost)) / (useShare - testShare)
	need = math.Max(need, float64(groupPairs(minTest))*spp/testShare) // the smallest test set within its share
	return time.Duration(math.Ceil(need/60)) * time.Minute
}
