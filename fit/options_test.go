package fit

import (
	"strings"
	"testing"
	"time"
)

// Options that cannot describe a fit are refused by Run's validation,
// fixed plan or not.
func TestOptionsRefused(t *testing.T) {
	fixed := Options{Images: "I", Out: "o.onnx", TrainPairs: 100, Epochs: 2}
	for _, c := range []struct {
		name string
		o    Options
		want string
	}{
		{"negative budget, fixed plan", func() Options { o := fixed; o.Budget = -5 * time.Minute; return o }(), "budget -5m0s: negative"},
		{"budget under a minute", Options{Images: "I", Out: "o.onnx", Budget: 30 * time.Second}, "want at least 1m"},
		{"half a fixed plan", Options{Images: "I", Out: "o.onnx", TrainPairs: 100}, "give both"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.o.withDefaults().validate(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("validate: %v, want %q", err, c.want)
			}
		})
	}
	if err := fixed.withDefaults().validate(); err != nil {
		t.Errorf("a fixed plan with the default budget: %v", err)
	}
}
