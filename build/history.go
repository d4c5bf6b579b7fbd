package build

import (
	"fmt"
	"math/rand/v2"

	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/pairs"
)

// Epoch is one finished epoch of Train, as Options.History receives it:
// the errors after the epoch's last step, all in evaluation mode with the
// current (not the best) weights, so that Train and Val are measured alike
// and their difference is the generalization gap. MSE fields of
// metrics.Result are on W2² (pixel⁴), TargetMSE on the model's target scale.
type Epoch struct {
	Epoch     int     // 1-based
	TrainLoss float64 // mean loss of the epoch's steps (training mode, the loss scale of Options.Loss)
	// Train scores Options.TrainSample pairs of the training set (the
	// same pairs every epoch); N is 0 when TrainSample is 0.
	Train metrics.Result
	Val   metrics.Result // the validation pairs
	// ValLoss is the value early stopping follows (EpochDone's valMSE):
	// Val.TargetMSE, or Val.MSE for Options.Loss LossW2Sq on a W2 model.
	ValLoss float64
	// Monitor scores Options.Monitor's pairs; N is 0 when there are none.
	// They are never used for early stopping or the learning rate.
	Monitor  metrics.Result
	Improved bool    // ValLoss is the best so far: these weights are kept
	LR       float64 // the learning rate of the epoch's steps
}

// historySample is the fixed sample of n training pairs that
// Options.History scores every epoch (all of them if there are at most n),
// drawn from seed alone: a resumed run scores the same pairs.
func historySample(d Data, n int, seed uint64) Data {
	if n <= 0 {
		return Data{}
	}
	if n >= len(d.Pairs.Pairs) {
		return d
	}
	rng := rand.New(rand.NewPCG(seed, 0x68697374)) // "hist"
	pick := rng.Perm(len(d.Pairs.Pairs))[:n]
	f := &pairs.File{Header: d.Pairs.Header, Pairs: make([]pairs.Pair, n), W2Sq: make([]float64, n)}
	for k, idx := range pick {
		f.Pairs[k], f.W2Sq[k] = d.Pairs.Pairs[idx], d.Pairs.W2Sq[idx]
	}
	f.Header.Count = n
	return Data{Images: d.Images, Pairs: f}
}

// checkHistory refuses history options that would fail only after the
// first epoch.
func (o *Options) checkHistory() error {
	switch {
	case o.TrainSample < 0:
		return fmt.Errorf("build: Options.TrainSample %d: want ≥ 0 training pairs", o.TrainSample)
	case o.Monitor.Pairs != nil || o.Monitor.Images != nil:
		if err := checkData(o.Monitor, "monitor"); err != nil {
			return err
		}
	}
	return nil
}
