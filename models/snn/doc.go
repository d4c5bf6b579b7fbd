// Package snn holds the description of kenn's stochastic neural networks
// (SNN) for conditional laws P(y | x) of tabular data, after Xia and Shen
// (2025), as plain Go data: inputs, outputs (continuous and categorical),
// layers, named parameters, how raw outputs are read (Model.Category,
// Model.Decode), the training curve's line (EpochLog) and the SNN's
// checkpoint (Checkpoint, in the container of models.Checkpoint).
//
// It is the SNN's counterpart of package models, which describes the
// image W2 surrogates only. Like models it is data: it imports neither
// Gorgonia nor ONNX code (internal/archtest checks this). build/snn
// trains and samples an SNN with Gorgonia; export/snn compiles it to
// ONNX; runtime.LoadSampler samples an export with onnxruntime; the CLI
// is kenn snn. docs/results/snn/README.md describes the method and its results.
package snn
