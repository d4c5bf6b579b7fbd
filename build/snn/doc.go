// Package snn trains and samples kenn's stochastic neural networks
// (descriptions in package models/snn) with Gorgonia: Net lowers a
// description to a graph (the local reparameterization of Gaussian
// weights, latent noise inputs, the per-category shift of the continuous
// outputs); NewModel describes a network for a table; Train fits it with
// the local generalized W2 loss (or the mse / cross-entropy baselines),
// resumably, with early stopping on the validation local W2² and a
// training curve beside the checkpoint; Sample and Forward run a trained
// checkpoint.
//
// The loss and its categorical gradient (the detach: the value is the true
// indicator cost, the gradient moves only the excess samples of
// over-represented categories) are described at Train and in
// docs/results/snn/README.md, which says what is the paper's (Xia and
// Shen, 2025) and what is ours.
//
// Import rules (internal/archtest): no ONNX code, and nothing of the image
// models' trainer (package build), dataset or pairs; what it shares with
// build is in internal/gtrain. Exports are package export/snn's.
package snn
