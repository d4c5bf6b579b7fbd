package onnxgo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/runtime/onnxgo"
)

// TestEmbedImagesScreensDomain: the pure-Go backend warns, as the
// onnxruntime one does, when a collection lies off the model's training
// domain (Fashion-MNIST through an MNIST model), and not on MNIST digits.
func TestEmbedImagesScreensDomain(t *testing.T) {
	m, err := onnxgo.Open("../../pretrained/deepkenn.ckpt")
	if err != nil {
		t.Fatal(err)
	}
	if m.Domain == nil {
		t.Fatal("pretrained/deepkenn.ckpt: no domain read")
	}
	for _, tc := range []struct {
		images string
		warn   bool
	}{
		{"../../testdata/mnist-test-images-idx3-ubyte", false},
		{"../../testdata/fashion-test-images-idx3-ubyte", true},
	} {
		var w bytes.Buffer
		if _, err := m.EmbedImages(context.Background(), tc.images, &w); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(w.String(), "WARNING: "+tc.images+": ") && strings.Contains(w.String(), "off its domain"); got != tc.warn {
			t.Errorf("%s: warned %v, want %v: %q", tc.images, got, tc.warn, w.String())
		}
	}
}
