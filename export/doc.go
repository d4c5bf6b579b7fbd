// Package export compiles a models description and its weights into ONNX
// (opset 17, IR version 8), written with google.golang.org/protobuf from
// bindings generated out of kenn's own subset of the ONNX schema
// (export/onnxpb/onnx.proto; `make proto` regenerates them).
//
// Architecture rule, checked by internal/archtest: export never imports
// Gorgonia; a deployment needs only onnxruntime.
//
// # Files
//
// Export writes three models (four with a decoder), each a standalone .onnx file with the same
// metadata, so that any ONNX runtime can use the part it needs:
//
//   - NAME.onnx, the embedding: "images" float32 [N, 1, H, W] of raw
//     non-negative intensities → "features" float32 [N, F]. Each image is
//     normalized inside the graph (x·H·W/Σx, as in training).
//   - NAME.pairwise.onnx: "a" [N, F] and "b" [M, F] → "distances" [N, M],
//     the model's distance between every row of a and every row of b in
//     Gram-matrix form: per segment l, d_l = √max(0, ‖a_l‖² + ‖b_l‖² −
//     2·a_l·b_l), weighted and summed (dwe: the squared distance itself).
//   - NAME.pair.onnx: "x" and "y" [N, 1, H, W] → "distance" [N], the model
//     on N pairs of images, end to end.
//   - NAME.decoder.onnx, for models with a decoder (dwe) only: "features"
//     [N, F] → "images" [N, 1, H, W], DWE's ψ; each output image is a
//     probability distribution over the pixels (sums to 1). Barycenters,
//     interpolations and geodesics in the embedding decode through it.
//
// N and M are symbolic (dim_param). The ODE of ODE-KENN is unrolled into
// its K fixed RK4 steps, the same arithmetic as in training.
//
// # Metadata
//
// metadata_props carry: kenn.kind, kenn.target (w2sq or w2), kenn.units
// (pixel), kenn.input ("HxW"), kenn.normalization, kenn.features (the
// segment lengths), kenn.segment_weights, kenn.train_sha256,
// kenn.metrics (JSON) and kenn.version.
package export
