package onnxgo_test

import (
	"testing"

	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/onnxgo"
)

// Both backends embed in batches of the same size, so that a default run
// of either batches alike.
func TestDefaultBatch(t *testing.T) {
	if onnxgo.DefaultBatch != runtime.DefaultBatch {
		t.Fatalf("onnxgo.DefaultBatch %d, runtime.DefaultBatch %d", onnxgo.DefaultBatch, runtime.DefaultBatch)
	}
}
