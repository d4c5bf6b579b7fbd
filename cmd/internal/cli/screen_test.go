package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestScreenPaths: a runner's job is screened from the model's file, an
// exported set or a checkpoint, as a local run is: Fashion-MNIST through
// the MNIST DeepKENN warns (once for a collection given twice), MNIST
// test digits do not.
func TestScreenPaths(t *testing.T) {
	const mnist, fashion = "../../../testdata/mnist-test-images-idx3-ubyte", "../../../testdata/fashion-test-images-idx3-ubyte"
	for _, model := range []string{"../../../pretrained/deepkenn.pairwise.onnx", "../../../pretrained/deepkenn.ckpt"} {
		var w bytes.Buffer
		if err := ScreenPaths(&w, model, mnist, ""); err != nil || w.Len() != 0 {
			t.Errorf("%s, MNIST: %v %q", model, err, w.String())
		}
		if err := ScreenPaths(&w, model, mnist, fashion, fashion); err != nil || strings.Count(w.String(), "WARNING: ") != 1 || !strings.Contains(w.String(), "WARNING: "+fashion+": 95% of these 200 images") {
			t.Errorf("%s, Fashion-MNIST: %v %q", model, err, w.String())
		}
	}
	if err := ScreenPaths(&bytes.Buffer{}, "../../../pretrained/deepkenn.ckpt", "missing-images"); err == nil {
		t.Error("a missing collection: no error")
	}
}
