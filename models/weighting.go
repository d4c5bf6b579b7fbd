package models

import (
	"fmt"
	"math"
	"strings"
)

// Weighting is how the segment weights w_l of a kind with weights
// (deepkenn, odekenn, naive: Kind.WeightsParam names θ, that is β or α)
// come from the parameters: the value of Model.Weighting.
//
// WeightingSoftplus ("", the field absent) is w_l = softplus(θ_l), each
// weight on its own: the parametrisation of every checkpoint written
// before Model.Weighting existed, which keep loading and exporting as
// they were. Its weights cannot learn a profile: they share the
// encoder's scale, so the common scale takes the whole gradient, and
// Adam turns the same-sign gradients into equal steps (docs: issue 19).
//
// WeightingSoftmax ("softmax") is
//
//	w_l = softplus(s) · softmax(θ)_l / ν_l,
//
// s = ScaleParam(θ) one trained scale, ν_l = NormParam(θ) the typical
// distance of segment l, fixed when training starts (build measures the
// mean ‖f_l(x) − f_l(y)‖₂ over the first training pairs; 1 until then)
// and never trained. softmax(θ) sums to 1, so its gradient sums to 0: a
// segment gains weight only at another's expense, and the common scale is
// s's alone. Dividing by ν_l puts every segment on the scale of 1, so
// that softmax(θ)_l is segment l's share of the distance
// (SegmentContributions). DeepKENN and ODEKENN use it; checkpoints of
// both forms export to the same graph (the weights are folded into the
// distance: SegmentWeights is the one formula).
type Weighting string

// Weightings.
const (
	WeightingSoftplus Weighting = ""
	WeightingSoftmax  Weighting = "softmax"
)

// ScaleParam names the scale s of WeightingSoftmax for weights parameter
// θ (ParamBeta, ParamAlpha): θ + ".scale", shape [1].
func ScaleParam(theta string) string { return theta + ".scale" }

// NormParam names the segment norms ν of WeightingSoftmax for weights
// parameter θ: θ + ".norm", one per segment.
func NormParam(theta string) string { return theta + ".norm" }

// IsFixedParam reports whether the parameter named name is fixed when
// training starts and never trained (a segment norm ν, NormParam).
func IsFixedParam(name string) bool { return strings.HasSuffix(name, ".norm") }

// SegmentWeights is the one formula of the segment weights, for both
// weightings: softplus(θ_l) for WeightingSoftplus (scale and norm
// unused), softplus(scale[0])·softmax(θ)_l/norm_l for WeightingSoftmax.
// Checkpoint.DistanceWeights, export's distance graphs (through it) and
// build's training graph (the same operations) compute it.
func SegmentWeights(weighting Weighting, theta, scale, norm []float32) []float64 {
	w := make([]float64, len(theta))
	if weighting != WeightingSoftmax {
		for i, v := range theta {
			w[i] = Softplus(float64(v))
		}
		return w
	}
	mx := math.Inf(-1)
	for _, v := range theta {
		mx = math.Max(mx, float64(v))
	}
	var z float64
	for i, v := range theta {
		w[i] = math.Exp(float64(v) - mx)
		z += w[i]
	}
	s := Softplus(float64(scale[0]))
	for i := range w {
		w[i] = s * w[i] / z / float64(norm[i])
	}
	return w
}

// weightParams are the parameters of n segment weights named theta, in
// m's weighting: θ, then for WeightingSoftmax the scale and the norms.
func weightParams(m *Model, theta string, n int) []Param {
	ps := []Param{{theta, []int{n}}}
	if m.Weighting == WeightingSoftmax {
		ps = append(ps, Param{ScaleParam(theta), []int{1}}, Param{NormParam(theta), []int{n}})
	}
	return ps
}

// validateWeighting refuses an unknown weighting, or one on a kind without
// segment weights.
func (m *Model) validateWeighting(spec kindSpec) error {
	switch m.Weighting {
	case WeightingSoftplus:
		return nil
	case WeightingSoftmax:
		if spec.weights == "" {
			return fmt.Errorf("models: a %s model has no segment weights to weight by %q", m.Kind, m.Weighting)
		}
		return nil
	}
	return fmt.Errorf("models: unknown weighting %q (want %q or %q)", m.Weighting, WeightingSoftplus, WeightingSoftmax)
}

// SegmentContributions returns each segment's contribution to the
// distance, w_l times the mean of ‖fx_l − fy_l‖₂ over the pairs given (as
// embedding pairs), in the model's units (W2, pixels): what a segment
// weighs in the prediction, which the raw weights w_l do not show when
// the segments' distances differ in size.
func SegmentContributions(m *Model, w []float64, pairs [][2][]float64) []float64 {
	out := make([]float64, len(w))
	if len(pairs) == 0 {
		return out
	}
	segs := m.Segments()
	for _, p := range pairs {
		off := 0
		for l, n := range segs {
			var s float64
			for i := off; i < off+n; i++ {
				d := p[0][i] - p[1][i]
				s += d * d
			}
			out[l] += w[l] * math.Sqrt(s)
			off += n
		}
	}
	for l := range out {
		out[l] /= float64(len(pairs))
	}
	return out
}
