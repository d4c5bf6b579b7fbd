package export

import (
	"slices"
	"testing"
)

// Every file of a set names the set; a loader opens its main file, except
// for a sampler's noise variant, a model of its own.
func TestSetFiles(t *testing.T) {
	for _, c := range []struct {
		path, set, main string
	}{
		{"m/x.onnx", "m/x.onnx", "m/x.onnx"},
		{"m/x.pairwise.onnx", "m/x.onnx", "m/x.onnx"},
		{"m/x.pair.onnx", "m/x.onnx", "m/x.onnx"},
		{"m/x.decoder.onnx", "m/x.onnx", "m/x.onnx"},
		{"m/x.noise.onnx", "m/x.onnx", "m/x.noise.onnx"},
		{"m/x.onnxgo.onnx", "m/x.onnxgo.onnx", "m/x.onnxgo.onnx"},
		{"m/x.onnxgo.pairwise.onnx", "m/x.onnxgo.onnx", "m/x.onnxgo.onnx"},
		{"m/x.onnxgo.decoder.onnx", "m/x.onnxgo.onnx", "m/x.onnxgo.onnx"},
		{"m/x.ckpt", "m/x.ckpt", "m/x.ckpt"},
		{"pair.onnx", "pair.onnx", "pair.onnx"}, // a set named "pair", not a sibling of ""
	} {
		t.Run(c.path, func(t *testing.T) {
			if got := SetOf(c.path); got != c.set {
				t.Errorf("SetOf = %s, want %s", got, c.set)
			}
			if got := MainOf(c.path); got != c.main {
				t.Errorf("MainOf = %s, want %s", got, c.main)
			}
		})
	}
	e, pw, pr := Paths("m/x.onnx")
	want := []string{e, pw, pr, DecoderPath("m/x.onnx"), NoisePath("m/x.onnx")}
	if got := SetFiles("m/x.onnx"); !slices.Equal(got, want) {
		t.Errorf("SetFiles = %v, want %v", got, want)
	}
	for _, f := range want {
		if got := SetOf(f); got != "m/x.onnx" {
			t.Errorf("SetOf(%s) = %s: a listed file names another set", f, got)
		}
	}
}
