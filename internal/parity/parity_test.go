// Package parity holds the test that keeps the two compilers of a model
// description together: the Gorgonia graph (package build) and the ONNX
// export run by onnxruntime (packages export and runtime) must compute the
// same embeddings and distances from the same weights.
package parity

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// cases holds the model of each kind that the parity tests compile both
// ways, keyed by kind; forEachKind fails for a kind of models.Kinds
// without one, so a new kind fails every parity test until it has a case
// here (and lowerings in build and export).
func cases() map[models.Kind]*models.Model {
	bb := models.Backbone{C1: 6, C2: 3, Hidden: 24, Out: 10}
	return map[models.Kind]*models.Model{
		models.KindDWE:      models.DWE(28, 28),
		models.KindDeepKENN: models.DeepKENN(28, 28, bb),
		models.KindODEKENN:  models.ODEKENN(28, 28, bb, 16, 4),
		models.KindNaive:    models.Naive(28, 28, bb),
		models.KindEnsemble: models.Ensemble(models.ODEKENN(28, 28, bb, 16, 4), models.DeepKENN(28, 28, models.Backbone{C1: 4, C2: 2, Hidden: 12, Out: 6})),
	}
}

// caseModels returns the case of every kind of models.Kinds, in that
// order; t fails (and goes on) for a kind without one.
func caseModels(t *testing.T) []*models.Model {
	var ms []*models.Model
	cs := cases()
	for _, k := range models.Kinds() {
		if m, ok := cs[k]; ok {
			ms = append(ms, m)
		} else {
			t.Errorf("no parity case for model kind %s: add one to cases (internal/parity/parity_test.go)", k)
		}
	}
	return ms
}

// forEachKind runs f as a subtest named by the kind on the case of every
// kind of models.Kinds, in that order.
func forEachKind(t *testing.T, f func(t *testing.T, m *models.Model)) {
	cs := cases()
	for _, k := range models.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			m, ok := cs[k]
			if !ok {
				t.Fatalf("no parity case for model kind %s: add one to cases (internal/parity/parity_test.go)", k)
			}
			if m.Kind != k {
				t.Fatalf("the case of kind %s is a %s", k, m.Kind)
			}
			f(t, m)
		})
	}
}

// trained returns a checkpoint after a short real training run.
func trained(t *testing.T, m *models.Model) *models.Checkpoint {
	if m.Kind == models.KindEnsemble { // members trained on their own, then combined
		var cs []*models.Checkpoint
		for _, mm := range m.Members {
			cs = append(cs, trained(t, mm))
		}
		c, err := models.NewEnsemble(cs...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	load := func(path string, sel pairs.Selection) build.Data {
		imgs, err := dataset.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "p.txt")
		if _, err := pairs.Generate(context.Background(), imgs, sel, out, pairs.Options{Method: ot.NewSolver()}); err != nil {
			t.Fatal(err)
		}
		pf, err := pairs.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return build.Data{Images: imgs, Pairs: pf}
	}
	tr := load("../../testdata/mnist-train-images-idx3-ubyte", pairs.Selection{N: 128, Seed: 3})
	va := load("../../testdata/mnist-test-images-idx3-ubyte", pairs.Selection{N: 32, Seed: 4})
	c, err := build.Train(context.Background(), m, tr, va, build.Options{Epochs: 2, Batch: 16, Seed: 5, Out: filepath.Join(t.TempDir(), "m.ckpt")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// exportAndLoad exports c into a temporary folder and loads it into rt;
// it returns the model and the files written.
func exportAndLoad(t *testing.T, rt *runtime.Runtime, c *models.Checkpoint) (*runtime.Model, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), string(c.Model.Kind)+".onnx")
	files, err := export.WriteFiles(c, path)
	if err != nil {
		t.Fatal(err)
	}
	model, err := rt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return model, files
}

func TestGorgoniaEqualsONNXRuntime(t *testing.T) {
	rt, err := runtime.Open(runtime.Options{Threads: 2, Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	imgs, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	sub := imgs.Subset([]int{0, 7, 50, 123, 260, 333, 401, 499})
	forEachKind(t, func(t *testing.T, m *models.Model) {
		random, err := models.NewCheckpoint(m, 9)
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]*models.Checkpoint{"random": random, "trained": trained(t, m)} {
			model, _ := exportAndLoad(t, rt, c)
			got, err := model.Embed(context.Background(), sub, tiling.EmbedOptions{Batch: 3})
			if err != nil {
				t.Fatal(err)
			}
			net, err := build.NewNet(c.Model, 8, tensor.Float32, false)
			if err != nil {
				t.Fatal(err)
			}
			net.SetWeights(c)
			var rows [][]float32
			for i := 0; i < sub.N; i++ {
				rows = append(rows, sub.Row(i))
			}
			want, err := build.Embeddings(net, rows)
			net.Close()
			if err != nil {
				t.Fatal(err)
			}
			scale := 0.0
			for _, e := range want {
				for _, v := range e {
					scale = math.Max(scale, math.Abs(v))
				}
			}
			worst := 0.0
			for i, e := range want {
				for k, v := range e {
					worst = math.Max(worst, math.Abs(float64(got.Row(i)[k])-v)/scale)
				}
			}
			if worst > 1e-5 {
				t.Errorf("%s %s: embeddings differ by %.2e relative", m.Kind, name, worst)
			}
			// distances: ONNX pairwise against models.Distance on Gorgonia's embeddings
			d := make([]float32, sub.N*sub.N)
			if err := model.PairwiseTile(got, got, d); err != nil {
				t.Fatal(err)
			}
			w := c.DistanceWeights()
			dworst := 0.0
			for i := 0; i < sub.N; i++ {
				for j := 0; j < sub.N; j++ {
					ref := models.Distance(c.Model, w, want[i], want[j])
					if i != j {
						dworst = math.Max(dworst, math.Abs(float64(d[i*sub.N+j])-ref)/ref)
					}
				}
			}
			if dworst > 1e-5 {
				t.Errorf("%s %s: distances differ by %.2e relative", m.Kind, name, dworst)
			}
			t.Logf("%s %s: embedding %.1e, distance %.1e relative", m.Kind, name, worst, dworst)
		}
	})
}

// DWE's decoder: ψ(φ(x)) from Gorgonia's training graph equals the
// exported NAME.decoder.onnx run by onnxruntime on the exported
// embedding, for random and trained weights.
func TestDecoderGorgoniaEqualsONNXRuntime(t *testing.T) {
	rt, err := runtime.Open(runtime.Options{Threads: 2, Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	imgs, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	sub := imgs.Subset([]int{3, 9, 77, 150, 222, 300, 410, 480})
	m := models.DWE(28, 28)
	random, err := models.NewCheckpoint(m, 11)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*models.Checkpoint{"random": random, "trained": trained(t, m)} {
		model, _ := exportAndLoad(t, rt, c)
		if !model.HasDecoder() {
			t.Fatalf("%s: the exported dwe has no decoder", name)
		}
		feats, err := model.Embed(context.Background(), sub, tiling.EmbedOptions{Batch: 8})
		if err != nil {
			t.Fatal(err)
		}
		got, err := model.Decode(feats)
		if err != nil {
			t.Fatal(err)
		}
		net, err := build.NewNet(c.Model, sub.N, tensor.Float32, true)
		if err != nil {
			t.Fatal(err)
		}
		net.SetWeights(c)
		bt := &build.Batch{Pairs: [][2]int{{0, 1}}, Targets: []float64{1}}
		for i := 0; i < sub.N; i++ {
			bt.Images = append(bt.Images, sub.Row(i))
		}
		if _, err := net.Forward(bt); err != nil {
			t.Fatal(err)
		}
		want, err := net.Reconstructions()
		net.Close()
		if err != nil {
			t.Fatal(err)
		}
		hw := 28 * 28
		worst, scale := 0.0, 0.0
		for i, img := range want {
			sum := 0.0
			for p, v := range img {
				scale = math.Max(scale, v)
				worst = math.Max(worst, math.Abs(float64(got[i*hw+p])-v))
				sum += float64(got[i*hw+p])
			}
			if math.Abs(sum-1) > 1e-4 {
				t.Errorf("%s: decoded image %d sums to %v, not 1", name, i, sum)
			}
		}
		if worst/scale > 1e-4 {
			t.Errorf("%s: decoded images differ by %.2e of the largest pixel", name, worst/scale)
		}
		t.Logf("dwe decoder %s: %.1e of the largest pixel", name, worst/scale)
	}
}
