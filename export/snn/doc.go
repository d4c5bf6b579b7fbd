// Package snn compiles kenn's stochastic neural networks (package
// models/snn) to ONNX, opset 17: NAME.onnx draws one sample of y | x per
// input row, its noise drawn in the graph by RandomNormalLike (seeds in
// kenn.seed; runtime.LoadSampler rewrites them), and NAME.noise.onnx is
// the same network with its noise as inputs (z, eps0, eps1, …), so that
// any runtime reproduces a draw exactly. Both carry kenn.kind "snn",
// kenn.inputs, kenn.outputs, kenn.snn (the description as JSON) and the
// model id and checksums every kenn export has (see package export),
// which export.ReadSet verifies for the pair.
//
// The graphs are built with export.Builder; the package imports no
// Gorgonia (internal/archtest).
package snn
