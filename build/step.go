package build

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/kenn-ot/kenn/internal/gtrain"
	"github.com/kenn-ot/kenn/models"
)

// Batch is one training batch: B images and the pairs among them that
// carry a target. In pair mode the images are x₁…x_P, y₁…y_P and the pairs
// are (k, P+k); in block mode every pair i<j of the block is supervised.
type Batch struct {
	Images  [][]float32 // B images, raw intensities
	Pairs   [][2]int    // indices into Images
	Targets []float64   // per pair, on the model's target scale
}

// LossParts reports the terms of one evaluation of the loss.
type LossParts struct {
	Loss, MSE, KL, Sparse float64
}

// Forward evaluates the loss on a batch and leaves the gradients in the
// graph (GradOf). The KL term includes the constant Σ x̃ log x̃, so it is
// the true KL divergence.
func (n *Net) Forward(bt *Batch) (LossParts, error) {
	if !n.train {
		return LossParts{}, fmt.Errorf("build: Forward on an inference graph")
	}
	m, B := n.M, n.B
	// A graph built for more images than the batch holds (trainingNet's
	// padding) takes copies of the first image in the rows left over: they
	// are in no pair, so neither the loss nor its gradients see them. A
	// decoder's loss has a term per image, so its graphs are never padded.
	if len(bt.Images) > B || len(bt.Images) == 0 || (len(bt.Images) < B && n.Xt != nil) {
		return LossParts{}, fmt.Errorf("build: batch of %d images, graph takes %d", len(bt.Images), B)
	}
	hw := m.H * m.W
	x := make([]float64, B*hw)
	for i, img := range bt.Images {
		if len(img) != hw {
			return LossParts{}, fmt.Errorf("build: image %d has %d pixels, the model takes %dx%d", i, len(img), m.H, m.W)
		}
		normalizeInto(x[i*hw:(i+1)*hw], img)
	}
	for i := len(bt.Images); i < B; i++ {
		copy(x[i*hw:(i+1)*hw], x[:hw])
	}
	if err := n.letInput(n.X, x); err != nil {
		return LossParts{}, err
	}
	t := make([]float64, B*B)
	mask := make([]float64, B*B)
	for k, p := range bt.Pairs {
		t[p[0]*B+p[1]] = bt.Targets[k]
		mask[p[0]*B+p[1]] = 1
	}
	if err := n.letInput(n.T, t); err != nil {
		return LossParts{}, err
	}
	if err := n.letInput(n.Mask, mask); err != nil {
		return LossParts{}, err
	}
	if err := n.letScalar(n.InvCount, 1/float64(len(bt.Pairs))); err != nil {
		return LossParts{}, err
	}
	var entropy float64 // mean over images of Σ x̃ log x̃
	if n.Xt != nil {
		xt := make([]float64, B*hw)
		for i := range xt {
			xt[i] = x[i] / float64(hw)
			if xt[i] > 0 {
				entropy += xt[i] * math.Log(xt[i])
			}
		}
		entropy /= float64(B)
		if err := n.letInput(n.Xt, xt); err != nil {
			return LossParts{}, err
		}
	}
	gtrain.ZeroGrads(n.params) // the tape machine accumulates into bound gradients
	n.vm.Reset()
	if err := n.vm.RunAll(); err != nil {
		return LossParts{}, err
	}
	lp := LossParts{Loss: values(n.Loss.Value())[0], MSE: values(n.MSE.Value())[0]}
	if n.Recon != nil {
		lp.KL = values(n.Recon.Value())[0] + entropy
		lp.Sparse = values(n.Sparse.Value())[0]
		lp.Loss += 2 * 10 * entropy
	}
	if math.IsNaN(lp.Loss) || math.IsInf(lp.Loss, 0) {
		return lp, fmt.Errorf("build: loss is %v", lp.Loss)
	}
	return lp, nil
}

// GradOf returns the gradient of the last Forward's loss with respect to
// the named parameter.
func (n *Net) GradOf(name string) ([]float64, error) {
	p, ok := n.byName[name]
	if !ok {
		return nil, fmt.Errorf("build: no parameter %s", name)
	}
	g, err := p.Grad()
	if err != nil {
		return nil, fmt.Errorf("build: gradient of %s: %w", name, err)
	}
	return values(g), nil
}

// ParamNames lists the graph's parameters in models Params order.
func (n *Net) ParamNames() []string {
	out := make([]string, len(n.params))
	for i, p := range n.params {
		out[i] = p.Name()
	}
	return out
}

// paramGraph is a graph with parameters bound to gradients.
type paramGraph interface{ paramNodes() []*G.Node }

func (n *Net) paramNodes() []*G.Node { return n.params }

// Adam is the optimizer (internal/gtrain), kept in Go so that its state
// lives in the checkpoint (moments "adam.m/NAME", "adam.v/NAME") and a
// resumed run continues exactly.
type Adam gtrain.Adam

// DefaultAdam has the usual constants.
func DefaultAdam(lr float64) Adam { return Adam(gtrain.DefaultAdam(lr)) }

// Step applies one Adam update from the graph's gradients to the
// checkpoint's tensors (step counts from 1) and copies them into the graph.
func (a Adam) Step(n paramGraph, c *models.Checkpoint, step int) error {
	return gtrain.Adam(a).Update(n.paramNodes(), c.Tensors, step)
}

// Reconstructions returns DWE's decoded images ψ(φ(x)) of the batch last
// passed to Forward, each a distribution over the H·W pixels.
func (n *Net) Reconstructions() ([][]float64, error) {
	if n.Psi == nil || n.Psi.Value() == nil {
		return nil, fmt.Errorf("build: no reconstructions (a dwe training graph after Forward has them)")
	}
	hw := n.M.H * n.M.W
	out := make([][]float64, n.B)
	for i := range out {
		out[i] = make([]float64, hw)
	}
	switch d := n.Psi.Value().Data().(type) {
	case []float32:
		for k, v := range d {
			out[k/hw][k%hw] = float64(v)
		}
	case []float64:
		for k, v := range d {
			out[k/hw][k%hw] = v
		}
	}
	return out, nil
}
