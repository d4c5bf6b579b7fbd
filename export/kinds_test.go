package export

import (
	"testing"

	"github.com/kenn-ot/kenn/models"
)

// Every kind of models.Kinds has a lowering in both profiles; a kind added
// to models without one fails here (and its export is refused, not
// compiled as some other kind).
func TestEveryKindLowers(t *testing.T) {
	table := lowerings()
	for _, k := range models.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			l, ok := table[k]
			if !ok {
				t.Fatalf("export has no lowering for model kind %s: add it to lowerings (export/kinds.go)", k)
			}
			if l.embed == nil || l.embedOG == nil {
				t.Fatalf("kind %s: lowering without the default (%v) or onnx-go (%v) embedding", k, l.embed != nil, l.embedOG != nil)
			}
		})
	}
	for k := range table {
		if !k.Known() {
			t.Errorf("a lowering of kind %s, which models.Kinds does not list", k)
		}
	}
}
