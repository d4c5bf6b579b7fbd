// Package runtime runs exported models with onnxruntime to compute
// embeddings, pairwise W2 matrices and nearest neighbours at scale.
//
// Architecture rule, checked by internal/archtest: runtime never imports
// Gorgonia.
//
// Status: arrives with the export and runtime work (issue 4); this package
// currently declares only its contract.
package runtime
