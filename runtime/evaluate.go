package runtime

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// PairsW2Sq is the model's W2² (pixels²) of the pairs (is[k], js[k]) of a
// collection whose embeddings f ([N, F], from Embed) holds: Distance on the
// model's target, converted by models.ToW2Sq. Features not of the model's
// F, or a pair outside the f.N rows, are an error.
func (m *Model) PairsW2Sq(f dataset.Features, is, js []int) ([]float64, error) {
	if err := m.checkFeatures(f); err != nil {
		return nil, err
	}
	if len(js) != len(is) {
		return nil, fmt.Errorf("runtime: %d first and %d second indices of pairs", len(is), len(js))
	}
	pred := make([]float64, len(is))
	for k := range is {
		i, j := is[k], js[k]
		if i < 0 || i >= f.N || j < 0 || j >= f.N {
			return nil, fmt.Errorf("runtime: pair %d (%d, %d) is outside the %d embedded images", k, i, j, f.N)
		}
		pred[k] = models.ToW2Sq(m.Target, m.Distance(f.Row(i), f.Row(j)))
	}
	return pred, nil
}

// Evaluate scores the model on the pairs (is[k], js[k]) of imgs against
// their exact W2² (pixels²), as kenn eval of an exported model: imgs
// embedded by onnxruntime, the pairs' W2² predicted (PairsW2Sq) and scored
// by metrics.Score, pairs per second over both. TargetMSE is NaN: the loss
// on a checkpoint's own scale is not part of an ONNX evaluation.
func (m *Model) Evaluate(ctx context.Context, imgs *dataset.Images, is, js []int, exact []float64) (metrics.Result, error) {
	if len(is) == 0 || len(js) != len(is) || len(exact) != len(is) {
		return metrics.Result{}, fmt.Errorf("runtime: evaluate %d pairs (%d second indices, %d exact values): want as many of each, at least one", len(is), len(js), len(exact))
	}
	for k := range is {
		if is[k] < 0 || is[k] >= imgs.N || js[k] < 0 || js[k] >= imgs.N {
			return metrics.Result{}, fmt.Errorf("runtime: evaluate: pair %d (%d, %d) is outside the %d images", k, is[k], js[k], imgs.N)
		}
	}
	start := time.Now()
	f, err := m.Embed(ctx, imgs, tiling.EmbedOptions{})
	if err != nil {
		return metrics.Result{}, err
	}
	pred, err := m.PairsW2Sq(f, is, js)
	if err != nil {
		return metrics.Result{}, err
	}
	r := metrics.Score(is, js, pred, exact, time.Since(start))
	r.TargetMSE = math.NaN()
	return r, nil
}
