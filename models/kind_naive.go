package models

// KindNaive is the single-layer baseline: deepkenn's distance over the last
// layer alone, softplus(β)·‖f(x) − f(y)‖₂ (ParamBeta holds β).
const KindNaive Kind = "naive"

func naiveKind() kindSpec {
	return kindSpec{
		kind: KindNaive, target: TargetW2, form: FormWeightedNorms, weights: ParamBeta,
		params:      featureParams,
		segments:    featureSegments,
		validate:    validateFeatures,
		weightNames: featureWeightNames,
		onBackbone:  func(h, w int, b Backbone, _, _ int) *Model { return Naive(h, w, b) },
	}
}

// Naive is the single-layer baseline: the distance between the last
// feature layer's outputs alone, with one learned positive scale.
func Naive(h, w int, b Backbone) *Model {
	return &Model{Kind: KindNaive, H: h, W: w, Target: TargetW2, Encoder: b.layers(false)}
}
