// Package hybrid runs a learned W2 model beside the exact solver, at use
// time: Check measures how far a model is from exact W2 on the images it is
// being used on, and Rerank re-orders a model's nearest candidates by exact
// W2, so that neighbours have exact quality at close to the model's cost.
//
// Units: exact values are W2² in pixel² (pixels of the images' grid, each
// image of unit total mass); the model's distances are converted to W2²
// with its target (kenn.target: W2 or W2²). Relative MSE and Pearson
// correlations are on W2². Rerank returns exact W2 (pixels).
//
// The package imports the onnxruntime runtime and the exact engine, never
// Gorgonia.
package hybrid
