// Package export compiles a models description and its weights into ONNX.
//
// Architecture rule, checked by internal/archtest: export never imports
// Gorgonia; a deployment needs only onnxruntime.
//
// Status: arrives with the export and runtime work (issue 4); this package
// currently declares only its contract.
package export
