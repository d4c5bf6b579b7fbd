package runtime

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// W2 does not depend on an image's scale, and neither do a model's
// features while float32 can normalize the image: scaled to a total mass
// just inside dataset.MaxModelMass (or just above its inverse), the
// features are those of the unscaled images; beyond, the images are
// refused rather than embedded as zeros.
func TestModelMassBounds(t *testing.T) {
	rt, err := Open(Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, name := range []string{"deepkenn", "odekenn-ensemble", "fashion-odekenn"} {
		t.Run(name, func(t *testing.T) { massBounds(t, rt, "../pretrained/"+name+".onnx") })
	}
}

func massBounds(t *testing.T, rt *Runtime, path string) {
	m, err := rt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := dataset.Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	imgs := all.Subset([]int{0, 1, 2, 3})
	want, err := m.Embed(context.Background(), imgs, tiling.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scaled := func(total float64) *dataset.Images {
		s := imgs.Subset([]int{0, 1, 2, 3})
		n := s.Size()
		for i := 0; i < s.N; i++ {
			var sum float64
			for _, v := range s.Row(i) {
				sum += float64(v)
			}
			for k := range s.Pix[i*n : (i+1)*n] {
				s.Pix[i*n+k] = float32(float64(s.Pix[i*n+k]) * total / sum)
			}
		}
		return s
	}
	for _, c := range []struct {
		name  string
		total float64
		ok    bool
	}{
		{"total 0.5e30", 0.5 * dataset.MaxModelMass, true},
		{"total 2e-30", 2 / dataset.MaxModelMass, true},
		{"total 1e31", 10 * dataset.MaxModelMass, false},
		{"total 1e-31", 0.1 / dataset.MaxModelMass, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := m.Embed(context.Background(), scaled(c.total), tiling.EmbedOptions{})
			if !c.ok {
				if err == nil || !strings.Contains(err.Error(), "rescale the images") {
					t.Errorf("embedded with total %g: %v, want a refusal", c.total, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range got.Data {
				if w := want.Data[k]; math.Abs(float64(v-w)) > 1e-4*(1+math.Abs(float64(w))) {
					t.Fatalf("feature %d: %g, unscaled %g", k, v, w)
				}
			}
		})
	}
}
