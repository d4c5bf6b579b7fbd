// Package models holds the declarative descriptions of kenn's W2
// surrogates (DWE, DeepKENN, ODE-KENN, the single-layer baseline and
// stochastic neural networks): layers, shapes, named parameters and
// checkpoints, as plain Go data.
//
// Architecture rule, checked by internal/archtest: models imports neither
// Gorgonia nor ONNX code. The package build (training with Gorgonia) and
// the package export (ONNX) are two compilers of these descriptions.
//
// Status: the descriptions arrive with the training work (issue 3); this
// package currently declares only its contract.
package models
