package build

import (
	"fmt"
	"math"
	"time"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/models"
)

// evalBatch is the batch of inference graphs.
const evalBatch = 64

// Embeddings runs net (an inference graph) over images, in batches.
func Embeddings(net *Net, images [][]float32) ([][]float64, error) {
	out := make([][]float64, 0, len(images))
	for s := 0; s < len(images); s += net.B {
		e, err := net.Embed(images[s:min(s+net.B, len(images))])
		if err != nil {
			return nil, err
		}
		out = append(out, e...)
	}
	return out, nil
}

// Evaluate predicts every pair of d with the checkpoint's weights (already
// set in net, an inference graph of c.Model) and scores them against the
// exact values. kNN recall@10 is reported when d holds all pairs of a set.
func Evaluate(net *Net, c *models.Checkpoint, d Data) (metrics.Result, error) {
	m := c.Model
	if d.Pairs == nil || len(d.Pairs.Pairs) == 0 {
		return metrics.Result{}, fmt.Errorf("build: no pairs to evaluate")
	}
	start := time.Now()
	idx := map[int]int{}
	var imgs [][]float32
	for _, p := range d.Pairs.Pairs {
		for _, i := range []int{p.I, p.J} {
			if _, ok := idx[i]; !ok {
				idx[i] = len(imgs)
				imgs = append(imgs, d.Images.Row(i))
			}
		}
	}
	emb, err := Embeddings(net, imgs)
	if err != nil {
		return metrics.Result{}, err
	}
	w := c.DistanceWeights()
	n := len(d.Pairs.Pairs)
	pred := make([]float64, n)
	var tmse float64
	is, js := make([]int, n), make([]int, n)
	for k, p := range d.Pairs.Pairs {
		v := models.Distance(m, w, emb[idx[p.I]], emb[idx[p.J]])
		pred[k] = models.PredictW2Sq(m, v)
		dt := v - target(m, d.Pairs.W2Sq[k])
		tmse += dt * dt
		is[k], js[k] = p.I, p.J
	}
	r := metrics.Score(is, js, pred, d.Pairs.W2Sq, time.Since(start))
	r.TargetMSE = tmse / float64(n)
	if math.IsNaN(r.MSE) {
		return r, fmt.Errorf("build: evaluation produced NaN")
	}
	return r, nil
}

// EvaluateCheckpoint builds an inference graph for c and evaluates it on d.
func EvaluateCheckpoint(c *models.Checkpoint, d Data) (metrics.Result, error) {
	net, err := NewNet(c.Model, evalBatch, tensor.Float32, false)
	if err != nil {
		return metrics.Result{}, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return metrics.Result{}, err
	}
	return Evaluate(net, c, d)
}
