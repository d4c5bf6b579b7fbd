// Package models holds the declarative descriptions of kenn's W2
// surrogates as plain Go data: layers, shapes, named parameters, the
// distance each model predicts, and the checkpoint format that stores a
// description with its weights.
//
// Architecture rule, checked by internal/archtest: models imports neither
// Gorgonia nor ONNX code. The package build (training with Gorgonia) and
// the package export (ONNX) are two compilers of these descriptions.
//
// # Kinds
//
// Every image model has a Kind (dwe, deepkenn, odekenn, naive, ensemble),
// each described in its own file, kind_NAME.go: its constant, its
// constructor and its kindSpec (parameters, segments, target, distance
// form, validation). Kinds lists them all, from the one list kindSpecs in
// kind.go; build and export lower each through a table keyed by Kind, and
// their tests fail for a kind either table lacks (docs/architecture.md,
// "Adding a model kind"). The parameter names and the ONNX metadata keys
// that other packages rely on are the constants of names.go.
//
// # Inputs
//
// A model reads one H×W image of non-negative intensities, normalizes it to
// unit mass and multiplies by H·W (so that a uniform image is all ones):
// x̂ = x·H·W / Σx. Every compiler applies this same normalization.
//
// # Layers
//
// The encoder is a chain of layers, each followed by its activation:
//
//   - conv: 2-D convolution, stride 1, zero "same" padding, with bias;
//     weights W [out, in, k, k], bias b [out].
//   - dense: fully connected on the row-major flattening of the previous
//     output (channels, rows, columns); weights W [in, out], bias b [out].
//
// # Distances
//
// Each model predicts either W2² (Target "w2sq") or W2 (Target "w2") in
// pixel units:
//
//   - dwe: d²(x, y) = ‖φ(x) − φ(y)‖², φ the encoder output; W2 is √d².
//   - deepkenn: d(x, y) = Σ_l softplus(β_l)·‖f_l(x) − f_l(y)‖₂ over every
//     layer marked Feature (all of them), flattened.
//   - naive: the same with the last layer alone.
//   - odekenn: z(0) = φ(x) ∈ R^d, dz/dt = g(z, t) on [0, 1] with K fixed
//     RK4 steps of size 1/K, g(z, t) = W₂·tanh(W₁·[z; t] + b₁) + b₂;
//     d(x, y) = Σ_{k=0..K} softplus(α_k)·‖z_x(t_k) − z_y(t_k)‖₂.
//
// Those are the weights of Model.Weighting absent (WeightingSoftplus), as
// in every checkpoint written before it existed. DeepKENN and ODE-KENN
// models made now are WeightingSoftmax: w_l = softplus(s)·softmax(θ)_l/ν_l
// in place of softplus(θ_l), θ = β or α, ν_l the segment's typical
// distance fixed when training starts (weighting.go, SegmentWeights).
//
// All are symmetric with d(x, x) = 0, and the W2 models are sums of
// weighted Euclidean norms, hence pseudo-metrics (triangle inequality).
//
// # Domain
//
// A checkpoint records its training images' Domain (domain.go): for each
// of three scale-free statistics of an image read as a distribution of
// mass (ImageStats: spread and centroid offset in pixels, support as a
// share of the grid), the range holding DomainCoverage (99.8%) of the
// training images. Domain.Screen counts the images of a collection
// outside those ranges; more than DomainWarnShare (5%) outside beyond
// what chance leaves outside (Domain.Expected) is Screening.Off, and the commands warn. The screen catches collections
// unlike the training images without an exact solve; passing it is no
// promise (runtime/hybrid.Check measures the error).
package models
