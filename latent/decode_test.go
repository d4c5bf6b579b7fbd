package latent_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/latent"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Through a real exported DWE decoder: interpolation at α = 0 and α = 1
// decodes to the reconstructions ψ(φ(x)) of the endpoints, and the
// barycenter of identical images decodes to that image's reconstruction.
func TestDecodedEndpointsAndIdenticalBarycenter(t *testing.T) {
	c, err := models.NewCheckpoint(models.DWE(28, 28), 3)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dwe.onnx")
	if _, err := export.WriteFiles(c, path); err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.Open(runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	m, err := rt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := dataset.Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	imgs := all.Subset([]int{5, 5, 5, 321})
	f, err := m.Embed(context.Background(), imgs, tiling.EmbedOptions{Batch: 8})
	if err != nil {
		t.Fatal(err)
	}
	F := m.F
	recon, err := m.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	hw := 28 * 28
	same := func(what string, got, want []float32) {
		t.Helper()
		for p := range want {
			if d := got[p] - want[p]; d > 1e-7 || d < -1e-7 {
				t.Fatalf("%s: pixel %d is %g, reconstruction %g", what, p, got[p], want[p])
			}
		}
	}
	ends, err := m.Decode(dataset.NewFeatures(latent.Flatten(latent.Interpolate(f.Row(0), f.Row(3), []float64{0, 1})), 2, F))
	if err != nil {
		t.Fatal(err)
	}
	same("α = 0", ends[:hw], recon[:hw])
	same("α = 1", ends[hw:], recon[3*hw:])
	b, err := latent.Barycenter(f, []int{0, 1, 2}, []float64{0.2, 0.3, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	db, err := m.Decode(dataset.NewFeatures(b, 1, F))
	if err != nil {
		t.Fatal(err)
	}
	same("barycenter of identical images", db, recon[:hw])
}
