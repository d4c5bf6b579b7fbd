package metrics

import "time"

// Score is the one scoring of a model's predictions on pairs, shared by
// every evaluation (kenn eval of a checkpoint through Gorgonia or of an
// exported model through onnxruntime, training's validation): Compute's
// metrics of the predicted against the exact W2² (pixels²) of the pairs
// (is[k], js[k]); kNN recall@10 when the pairs are all pairs of a set
// (KNNRecall; else NaN); and pairs per second over elapsed, the time the
// predictions took (0: left 0). TargetMSE, the loss on a model's own
// scale, is the caller's to set.
func Score(is, js []int, pred, exact []float64, elapsed time.Duration) Result {
	r := Compute(pred, exact)
	if elapsed > 0 {
		r.PairsPerSecond = float64(len(pred)) / elapsed.Seconds()
	}
	if rec, ok := KNNRecall(is, js, pred, exact, 10); ok {
		r.KNNRecall, r.K = rec, 10
	}
	return r
}
