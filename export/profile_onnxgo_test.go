package export_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// profileCheckpoints are small 28×28 models of every kind of the
// distance models (an ODE-KENN ensemble of two included), for MNIST digits.
func profileCheckpoints(t *testing.T) map[string]*models.Checkpoint {
	t.Helper()
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	out := map[string]*models.Checkpoint{}
	for _, m := range []*models.Model{models.DWE(28, 28), models.DeepKENN(28, 28, bb), models.ODEKENN(28, 28, bb, 6, 3), models.Naive(28, 28, bb)} {
		c, err := models.NewCheckpoint(m, 3)
		if err != nil {
			t.Fatal(err)
		}
		out[string(m.Kind)] = c
	}
	var mem []*models.Checkpoint
	for s := uint64(4); s < 6; s++ {
		c, err := models.NewCheckpoint(models.ODEKENN(28, 28, bb, 6, 3), s)
		if err != nil {
			t.Fatal(err)
		}
		mem = append(mem, c)
	}
	e, err := models.NewEnsemble(mem...)
	if err != nil {
		t.Fatal(err)
	}
	out[string(models.KindEnsemble)] = e
	return out
}

func mnistDigits(t *testing.T, n int) *dataset.Images {
	t.Helper()
	s, err := dataset.Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i * 37 % s.N
	}
	return s.Subset(idx)
}

// maxRelDiff is max|x−y| / max|y|.
func maxRelDiff(x, y []float32) float64 {
	var d, s float64
	for i := range y {
		d = math.Max(d, math.Abs(float64(x[i])-float64(y[i])))
		s = math.Max(s, math.Abs(float64(y[i])))
	}
	return d / s
}

// The onnx-go profile is the same model as the default export: run in
// onnxruntime, both give the same embeddings, distance matrices and
// decoded images of MNIST test digits, to float32 rounding (the
// profile sums in other orders). Rows of b equal to rows of a get
// exactly 0 in both.
func TestOnnxGoProfileMatchesDefault(t *testing.T) {
	rt, err := runtime.Open(runtime.Options{Threads: 1, Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	imgs := mnistDigits(t, 33) // odd sizes: no batch equals a layer width by chance
	const tol = 2e-5
	for kind, c := range profileCheckpoints(t) {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), kind+".onnx")
			if _, err := export.WriteFiles(c, path); err != nil {
				t.Fatal(err)
			}
			if _, err := export.WriteOnnxGoFiles(c, path); err != nil {
				t.Fatal(err)
			}
			def, err := rt.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			og, err := rt.Load(export.OnnxGoPath(path))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			fd, err := def.Embed(ctx, imgs, tiling.EmbedOptions{Batch: 16})
			if err != nil {
				t.Fatal(err)
			}
			fo, err := og.Embed(ctx, imgs, tiling.EmbedOptions{Batch: 16})
			if err != nil {
				t.Fatal(err)
			}
			if d := maxRelDiff(fo.Data, fd.Data); d > tol {
				t.Errorf("features differ by %.3g of their largest magnitude (tolerance %g)", d, tol)
			}
			// a: all 33 rows; b: rows 5..14 of a (identical rows) and 20..32.
			nb := 10
			b := fd.Rows(5, nb)
			dd, err := def.Pairwise(ctx, fd, b, tiling.TileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			do, err := og.Pairwise(ctx, fd, b, tiling.TileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			d := maxRelDiff(do, dd)
			t.Logf("features %.2g, distances %.2g (relative to the largest; %s)", maxRelDiff(fo.Data, fd.Data), d, def.Target)
			if d > 1e-4 {
				t.Errorf("distance matrices differ by %.3g of the largest distance (tolerance 1e-4)", d)
			}
			for j := 0; j < nb; j++ {
				if v, w := dd[(5+j)*nb+j], do[(5+j)*nb+j]; v != 0 || w != 0 || math.Signbit(float64(w)) {
					t.Errorf("row %d against itself: default %g, onnx-go profile %g, want exactly +0", 5+j, v, w)
				}
			}
			if def.HasDecoder() != og.HasDecoder() {
				t.Fatalf("decoder in default profile %v, in onnx-go profile %v", def.HasDecoder(), og.HasDecoder())
			}
			if def.HasDecoder() {
				id, err := def.Decode(fd)
				if err != nil {
					t.Fatal(err)
				}
				io, err := og.Decode(fd)
				if err != nil {
					t.Fatal(err)
				}
				if d := maxRelDiff(io, id); d > tol {
					t.Errorf("decoded images differ by %.3g (tolerance %g)", d, tol)
				}
			}
		})
	}
}
