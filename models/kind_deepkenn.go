package models

// KindDeepKENN sums learned positive weights times the distances between
// every layer's outputs: d(x, y) = Σ_l w_l·‖f_l(x) − f_l(y)‖₂ over the
// layers marked Feature, w_l from β by the model's Weighting (ParamBeta
// holds β).
const KindDeepKENN Kind = "deepkenn"

func deepKENNKind() kindSpec {
	return kindSpec{
		kind: KindDeepKENN, target: TargetW2, form: FormWeightedNorms, weights: ParamBeta,
		params:      featureParams,
		segments:    featureSegments,
		validate:    validateFeatures,
		weightNames: featureWeightNames,
		onBackbone:  func(h, w int, b Backbone, _, _ int) *Model { return DeepKENN(h, w, b) },
	}
}

// DeepKENN sums learned positive weights times the distances between every
// intermediate feature map of the backbone; its layer weights are
// WeightingSoftmax.
func DeepKENN(h, w int, b Backbone) *Model {
	return &Model{Kind: KindDeepKENN, H: h, W: w, Target: TargetW2, Encoder: b.layers(true), Weighting: WeightingSoftmax}
}
