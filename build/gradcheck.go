package build

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/models"
)

// gradTolerance is the largest relative difference allowed between the
// float32 training graph's gradient of a parameter and the float64
// graph's (‖g₃₂ − g₆₄‖ over the larger of ‖g₆₄‖ and 1e-6 of the largest
// parameter gradient's norm). Float32 rounding gives 1e-7–1e-5 on kenn's
// models; the fault it guards against gave 1e4–1e6.
const gradTolerance = 1e-2

// trainingNet builds the float32 training graph of m for batches of b
// images and checks its gradients on bt against a float64 graph of the
// same model and weights (c) before any step is taken.
//
// Why: Gorgonia v0.9.18's tape machine computes wrong float32 gradients
// for some graphs whose shapes coincide. Measured: kenn train's matched
// ODE-KENN (K = 8 RK4 steps, 64 hidden units, the defaults) in block mode
// at 64 images per batch (the default) with the softmax weighting: the
// encoder's and the ODE's gradients come out 1e4–1e6 times too large, so
// training diverges from the first step (validation MSE on W2² 129 px⁴
// after one epoch, where batch 63 or 65 gives 5–10), while the loss
// itself is right; 63, 65, 48, 128 images, or K = 4, 7, 9, 16 steps give
// gradients within 3e-6 of float64's (TestTrainingNetFallsBack).
// The float64 graph agrees with finite differences (grad_test.go).
//
// When the gradients disagree, the graph is rebuilt for b+1 images: the
// extra image (a copy of the first) is in no pair, so the loss and its
// gradients are those of the b images (Forward pads), and it changes the
// shapes the fault needs. A model with a decoder (DWE), whose loss has a
// term per image, is not padded: a mismatch there is an error. So is one
// that padding does not cure. Either way no step is taken with a
// gradient the float64 graph does not confirm. notice (Options.Notice,
// may be nil) is told when the graph is padded.
func trainingNet(m *models.Model, c *models.Checkpoint, b int, squared bool, bt *Batch, notice func(string)) (*Net, error) {
	net, err := newNet(m, b, tensor.Float32, true, squared)
	if err != nil {
		return nil, err
	}
	ref, err := referenceGradients(m, c, b, squared, bt)
	if err != nil {
		net.Close()
		return nil, err
	}
	worst, name, err := compareGradients(net, c, bt, ref)
	if err != nil {
		net.Close()
		return nil, err
	}
	if worst <= gradTolerance {
		return net, nil
	}
	net.Close()
	if m.Decoder != nil {
		return nil, fmt.Errorf("build: the float32 training graph's gradient of %s differs from float64's by %.3g (relative) at %d images per batch: choose another batch size (Options.Batch)", name, worst, b)
	}
	net, err = newNet(m, b+1, tensor.Float32, true, squared)
	if err != nil {
		return nil, err
	}
	worst2, name2, err := compareGradients(net, c, bt, ref)
	if err != nil {
		net.Close()
		return nil, err
	}
	if worst2 > gradTolerance {
		net.Close()
		return nil, fmt.Errorf("build: the float32 training graph's gradient of %s differs from float64's by %.3g (relative) at %d images per batch, and by %.3g for %s with one padding image: choose another batch size (Options.Batch)", name, worst, b, worst2, name2)
	}
	if notice != nil {
		notice(fmt.Sprintf("build: the float32 training graph's gradient of %s differs from float64's by %.3g (relative) at %d images per batch (a Gorgonia fault): training on a graph for %d, the extra image in no pair (gradients within %.3g of float64's)", name, worst, b, b+1, worst2))
	}
	return net, nil
}

// referenceGradients returns every parameter's gradient of the loss on bt
// in a float64 graph of m for b images with the weights of c.
func referenceGradients(m *models.Model, c *models.Checkpoint, b int, squared bool, bt *Batch) (map[string][]float64, error) {
	net, err := newNet(m, b, tensor.Float64, true, squared)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	return gradients(net, c, bt)
}

// gradients returns every parameter's gradient of the loss on bt in net
// with the weights of c.
func gradients(net *Net, c *models.Checkpoint, bt *Batch) (map[string][]float64, error) {
	if err := net.SetWeights(c); err != nil {
		return nil, err
	}
	if _, err := net.Forward(bt); err != nil {
		return nil, err
	}
	g := map[string][]float64{}
	for _, name := range net.ParamNames() {
		v, err := net.GradOf(name)
		if err != nil {
			return nil, err
		}
		g[name] = v
	}
	return g, nil
}

// compareGradients returns the largest relative difference between net's
// gradients on bt and ref, and the parameter where it is.
func compareGradients(net *Net, c *models.Checkpoint, bt *Batch, ref map[string][]float64) (float64, string, error) {
	got, err := gradients(net, c, bt)
	if err != nil {
		return 0, "", err
	}
	var largest float64
	for _, g := range ref {
		largest = math.Max(largest, norm(g))
	}
	worst, where := 0.0, ""
	for _, name := range net.ParamNames() {
		r, g := ref[name], got[name]
		if len(r) != len(g) {
			return 0, "", fmt.Errorf("build: gradient of %s has %d values in one graph, %d in the other", name, len(g), len(r))
		}
		d := make([]float64, len(r))
		for i := range r {
			d[i] = g[i] - r[i]
		}
		nd := norm(d)
		if nd == 0 { // equal, zeros included (0/0 when every gradient is zero)
			continue
		}
		rel := nd / math.Max(norm(r), 1e-6*largest)
		if math.IsNaN(rel) || rel > worst {
			worst, where = rel, name
			if math.IsNaN(rel) {
				worst = math.Inf(1)
			}
		}
	}
	return worst, where, nil
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}
