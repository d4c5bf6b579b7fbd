package models

import (
	"fmt"
	"math"
)

// Segments returns the lengths of the embedding's segments, in order:
// φ(x) for dwe, each feature layer for deepkenn and naive, each state
// z(t_k) for odekenn. The embedding is their concatenation.
func (m *Model) Segments() []int {
	if m.Kind == KindEnsemble {
		return m.ensembleSegments()
	}
	sh := m.EncoderShapes()
	switch m.Kind {
	case KindDeepKENN, KindNaive:
		var out []int
		for _, i := range m.Features() {
			out = append(out, sh[i].Size())
		}
		return out
	case KindODEKENN:
		out := make([]int, m.ODE.Steps+1)
		for i := range out {
			out[i] = m.ODE.Dim
		}
		return out
	}
	return []int{sh[len(sh)-1].Size()}
}

// Softplus is log(1 + eˣ), computed stably.
func Softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// DistanceWeights returns the positive segment weights softplus(β) or
// softplus(α); nil for dwe.
func (c *Checkpoint) DistanceWeights() []float64 {
	if c.Model.Kind == KindEnsemble { // the members' weights over M
		var w []float64
		M := float64(len(c.Model.Members))
		for k := range c.Model.Members {
			for _, v := range c.Member(k).DistanceWeights() {
				w = append(w, v/M)
			}
		}
		return w
	}
	name := map[string]string{KindDeepKENN: "beta", KindNaive: "beta", KindODEKENN: "alpha"}[c.Model.Kind]
	if name == "" {
		return nil
	}
	raw := c.Tensors[name]
	w := make([]float64, len(raw))
	for i, v := range raw {
		w[i] = Softplus(float64(v))
	}
	return w
}

// Distance is the model's prediction from two embeddings: W2² for dwe
// (‖φx − φy‖²), W2 otherwise (Σ_l w_l‖fx_l − fy_l‖₂). It is exactly
// symmetric and zero on equal embeddings.
func Distance(m *Model, w []float64, fx, fy []float64) float64 {
	if m.Kind == KindDWE {
		var s float64
		for i := range fx {
			d := fx[i] - fy[i]
			s += d * d
		}
		return s
	}
	var total float64
	off := 0
	for l, n := range m.Segments() {
		var s float64
		for i := off; i < off+n; i++ {
			d := fx[i] - fy[i]
			s += d * d
		}
		total += w[l] * math.Sqrt(s)
		off += n
	}
	return total
}

// PredictW2 and PredictW2Sq convert a model's prediction to either scale.
func PredictW2(m *Model, d float64) float64 {
	if m.Target == TargetW2Sq {
		return math.Sqrt(math.Max(d, 0))
	}
	return d
}

// PredictW2Sq is the prediction on the W2² scale.
func PredictW2Sq(m *Model, d float64) float64 {
	if m.Target == TargetW2Sq {
		return d
	}
	return d * d
}

// WeightProfile returns the learned distance weights with a name for
// each: per feature layer for deepkenn and naive (the layer names), per
// time t_k = k/K for odekenn. dwe has none (nil, nil).
func (c *Checkpoint) WeightProfile() ([]string, []float64) {
	if c.Model.Kind == KindEnsemble { // the members' names, DistanceWeights' order
		var names []string
		for k := range c.Model.Members {
			n, _ := c.Member(k).WeightProfile()
			for _, name := range n {
				names = append(names, MemberPrefix(k)+name)
			}
		}
		return names, c.DistanceWeights()
	}
	w := c.DistanceWeights()
	if w == nil {
		return nil, nil
	}
	m := c.Model
	names := make([]string, len(w))
	for l := range w {
		switch m.Kind {
		case KindODEKENN:
			names[l] = fmt.Sprintf("%.3g", float64(l)/float64(m.ODE.Steps))
		default:
			names[l] = m.Encoder[m.Features()[l]].Name
		}
	}
	return names, w
}
