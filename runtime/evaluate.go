package runtime

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/models"
)

// PairsW2Sq is the model's W2² (pixels²) of the pairs (is[k], js[k]) of a
// collection whose embeddings f ([N, F], from Embed) holds: Distance on the
// model's target, converted by models.ToW2Sq.
func (m *Model) PairsW2Sq(f []float32, is, js []int) []float64 {
	pred := make([]float64, len(is))
	for k := range is {
		i, j := is[k], js[k]
		pred[k] = models.ToW2Sq(m.Target, m.Distance(f[i*m.F:(i+1)*m.F], f[j*m.F:(j+1)*m.F]))
	}
	return pred
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
	f, err := m.Embed(ctx, imgs, 0)
	if err != nil {
		return metrics.Result{}, err
	}
	r := metrics.Score(is, js, m.PairsW2Sq(f, is, js), exact, time.Since(start))
	r.TargetMSE = math.NaN()
	return r, nil
}
