package build

import (
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

// Every kind of models.Kinds has a lowering: a kind added to models
// without one fails here. Each lowering's embedding has the kind's
// segments (models.Model.EmbeddingDim values per image); a kind trained as
// one has a learning rate and a calibration, a composite kind refuses a
// training graph.
func TestEveryKindLowers(t *testing.T) {
	table := lowerings()
	s, err := dataset.Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range models.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			l, ok := table[k]
			if !ok || l.segments == nil {
				t.Fatalf("build has no lowering for model kind %s: add it to lowerings (build/kinds.go)", k)
			}
			if !k.Composite() && (l.lr <= 0 || l.calibrate == nil) {
				t.Errorf("kind %s is trained as one but its lowering has learning rate %g, calibration %v", k, l.lr, l.calibrate != nil)
			}
			m := tinyOf(t, k)
			net, err := NewNet(m, 2, tensor.Float32, false)
			if err != nil {
				t.Fatal(err)
			}
			defer net.Close()
			c, err := models.NewCheckpoint(m, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := net.SetWeights(c); err != nil {
				t.Fatal(err)
			}
			e, err := net.Embed([][]float32{s.Row(0), s.Row(1)})
			if err != nil {
				t.Fatal(err)
			}
			if len(e) != 2 || len(e[0]) != m.EmbeddingDim() {
				t.Fatalf("embedding of %d values, the model's segments %v sum to %d", len(e[0]), m.Segments(), m.EmbeddingDim())
			}
			if _, err := NewNet(m, 2, tensor.Float32, true); k.Composite() == (err == nil) {
				t.Errorf("training graph of a %s (composite %v): %v", k, k.Composite(), err)
			}
		})
	}
	for k := range table {
		if !k.Known() {
			t.Errorf("a lowering of kind %s, which models.Kinds does not list", k)
		}
	}
}
