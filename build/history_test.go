package build

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/kenn-ot/kenn/models"
)

// Options.History reports per epoch what an independent evaluation of the
// kept weights measures: the best epoch's validation, training-sample and
// monitor errors equal EvaluateCheckpoint's on the final checkpoint (whose
// weights are that epoch's), and the final checkpoint records the same
// validation MSE. Monitoring changes no weight.
func TestHistory(t *testing.T) {
	tr, va := testData(t, true) // 1,770 training pairs (all of 60 images), 435 validation pairs
	ctx := context.Background()
	plain, err := Train(ctx, tiny(models.KindODEKENN), tr, va, Options{Epochs: 3, Batch: 16, Seed: 3, Patience: 10, Out: filepath.Join(t.TempDir(), "plain.ckpt")})
	if err != nil {
		t.Fatal(err)
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }
	for _, tc := range []struct {
		name       string
		sample     int
		monitor    bool
		wantSample int // pairs in Epoch.Train
	}{
		{"validation only", 0, false, 0},
		{"a sample and a monitor", 500, true, 500},
		{"a sample larger than the training set", 10000, false, len(tr.Pairs.Pairs)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rows []Epoch
			var doneVal []float64
			opt := Options{Epochs: 3, Batch: 16, Seed: 3, Patience: 10, Out: filepath.Join(t.TempDir(), "m.ckpt"), TrainSample: tc.sample,
				EpochDone: func(_ int, _, vm float64, _ bool) { doneVal = append(doneVal, vm) },
				History:   func(e Epoch) { rows = append(rows, e) }}
			if tc.monitor {
				opt.Monitor = va
			}
			ck, err := Train(ctx, tiny(models.KindODEKENN), tr, va, opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 3 {
				t.Fatalf("%d history rows for 3 epochs", len(rows))
			}
			best := -1
			for k, e := range rows {
				if e.Epoch != k+1 || e.ValLoss != doneVal[k] || e.Train.N != tc.wantSample || e.Val.N != len(va.Pairs.Pairs) || !(e.LR > 0) || !(e.TrainLoss > 0) {
					t.Errorf("row %d: epoch %d, val loss %g (EpochDone %g), %d sample pairs (want %d), %d validation pairs, lr %g, train loss %g",
						k, e.Epoch, e.ValLoss, doneVal[k], e.Train.N, tc.wantSample, e.Val.N, e.LR, e.TrainLoss)
				}
				if e.ValLoss != e.Val.TargetMSE {
					t.Errorf("epoch %d: ValLoss %g, want the validation TargetMSE %g (loss on the model's scale)", e.Epoch, e.ValLoss, e.Val.TargetMSE)
				}
				if tc.monitor && (e.Monitor.N != len(va.Pairs.Pairs) || e.Monitor.MSE != e.Val.MSE) {
					t.Errorf("epoch %d: monitor on the validation pairs: %d pairs, MSE %g; validation MSE %g", e.Epoch, e.Monitor.N, e.Monitor.MSE, e.Val.MSE)
				}
				if !tc.monitor && e.Monitor.N != 0 {
					t.Errorf("epoch %d: %d monitor pairs without a monitor", e.Epoch, e.Monitor.N)
				}
				if e.Improved {
					best = k
				}
			}
			if best < 0 || rows[best].Epoch != ck.State.BestEpoch {
				t.Fatalf("last improved row %d, checkpoint's best epoch %d", best, ck.State.BestEpoch)
			}
			b := rows[best]
			if got := ck.Metrics["mse_w2sq"]; !close(b.Val.MSE, got) {
				t.Errorf("best epoch %d: history validation MSE %g px⁴, checkpoint records %g", b.Epoch, b.Val.MSE, got)
			}
			if tc.sample > 0 {
				s := historySample(tr, tc.sample, 3)
				r, err := EvaluateCheckpoint(ck, s)
				if err != nil {
					t.Fatal(err)
				}
				if !close(b.Train.MSE, r.MSE) || !close(b.Train.RelMSE, r.RelMSE) {
					t.Errorf("best epoch %d: history train MSE %g (rel %g), the checkpoint on the same sample %g (rel %g)", b.Epoch, b.Train.MSE, b.Train.RelMSE, r.MSE, r.RelMSE)
				}
			}
			for name, v := range plain.Tensors {
				w := ck.Tensors[name]
				for i := range v {
					if v[i] != w[i] {
						t.Fatalf("%s[%d]: %v with History, %v without: the history changed training", name, i, w[i], v[i])
					}
				}
			}
		})
	}
	t.Run("negative sample refused", func(t *testing.T) {
		_, err := Train(ctx, tiny(models.KindODEKENN), tr, va, Options{TrainSample: -1, Out: filepath.Join(t.TempDir(), "m.ckpt")})
		if err == nil {
			t.Fatal("TrainSample -1 accepted")
		}
	})
}
