package models

import "math"

// Segments returns the lengths of the embedding's segments, in order:
// φ(x) for dwe, each feature layer for deepkenn and naive, each state
// z(t_k) for odekenn, the members' in turn for an ensemble. The embedding
// is their concatenation.
func (m *Model) Segments() []int { return m.Kind.mustSpec().segments(m) }

// Softplus is log(1 + eˣ), computed stably.
func Softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// DistanceWeights returns the positive segment weights, from β or α by the
// model's Weighting (SegmentWeights; an ensemble's are its members' over
// M); nil for dwe.
func (c *Checkpoint) DistanceWeights() []float64 {
	spec, _ := c.Model.Kind.spec() // none for snn
	if spec.distanceWeights != nil {
		return spec.distanceWeights(c)
	}
	if spec.weights == "" {
		return nil
	}
	return SegmentWeights(c.Model.Weighting, c.Tensors[spec.weights], c.Tensors[ScaleParam(spec.weights)], c.Tensors[NormParam(spec.weights)])
}

// Distance is the model's prediction from two embeddings: W2² for dwe
// (‖φx − φy‖²), W2 otherwise (Σ_l w_l‖fx_l − fy_l‖₂). It is exactly
// symmetric and zero on equal embeddings.
func Distance(m *Model, w []float64, fx, fy []float64) float64 {
	if m.Kind.Form() == FormSquared {
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

// GramFloor is k for a segment of n features: a squared distance
// ‖a‖² + ‖b‖² − 2·a·b computed in float32 (the Gram form of the pairwise
// graph and of runtime/segdist) with |value| < k·(‖a‖² + ‖b‖²) cannot be
// told from 0. Its rounding error is a sum of about n roundings of random
// sign, so of order √n·2⁻²⁴ relative; k = (√n + 2)·2⁻²² is about ten
// standard deviations of the difference between two such sums (the Gram
// form of a row with itself).
func GramFloor(n int) float32 { return float32((math.Sqrt(float64(n)) + 2) * 0x1p-22) }

// PredictW2 and PredictW2Sq convert a model's prediction to either scale.
func PredictW2(m *Model, d float64) float64 { return ToW2(m.Target, d) }

// PredictW2Sq is the prediction on the W2² scale.
func PredictW2Sq(m *Model, d float64) float64 { return ToW2Sq(m.Target, d) }

// WeightProfile returns the learned distance weights with a name for
// each: per feature layer for deepkenn and naive (the layer names), per
// time t_k = k/K for odekenn. dwe has none (nil, nil).
func (c *Checkpoint) WeightProfile() ([]string, []float64) {
	w := c.DistanceWeights()
	spec, _ := c.Model.Kind.spec()
	if w == nil || spec.weightNames == nil {
		return nil, nil
	}
	return spec.weightNames(c), w
}
