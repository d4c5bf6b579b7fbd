package onnxgo_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/onnxgo"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Both backends run behind runtime.Backend.
var (
	_ runtime.Backend = (*onnxgo.Model)(nil)
	_ runtime.Backend = (*runtime.Model)(nil)
)

func checkpoints(t *testing.T) map[string]*models.Checkpoint {
	t.Helper()
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	out := map[string]*models.Checkpoint{}
	for _, m := range []*models.Model{models.DWE(28, 28), models.DeepKENN(28, 28, bb), models.ODEKENN(28, 28, bb, 6, 3), models.Naive(28, 28, bb)} {
		c, err := models.NewCheckpoint(m, 7)
		if err != nil {
			t.Fatal(err)
		}
		out[string(m.Kind)] = c
	}
	var mem []*models.Checkpoint
	for s := uint64(8); s < 10; s++ {
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

func digits(t *testing.T, n int) *dataset.Images {
	t.Helper()
	s, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i * 53 % s.N
	}
	return s.Subset(idx)
}

func maxRel(x, y []float32) float64 {
	var d, s float64
	for i := range y {
		d = math.Max(d, math.Abs(float64(x[i])-float64(y[i])))
		s = math.Max(s, math.Abs(float64(y[i])))
	}
	return d / s
}

// Tolerances of the onnx-go backend against onnxruntime on the same
// model, relative to the largest magnitude of the reference: Gorgonia's
// convolutions (im2col) and MatMuls sum in other orders than onnxruntime.
const (
	featureTol  = 1e-5
	distanceTol = 1e-4
)

// On MNIST test digits, the onnx-go backend (the onnx-go profile in
// gorgonnx) gives onnxruntime's embeddings (default profile), its
// all-pairs and rectangular distance matrices within the tolerances,
// the same k nearest neighbours where the distances are not within
// tolerance of a tie, and 0 for identical images. Batches of 8 and 16
// include a batch equal to a layer width (the Hidden 8 of the backbone),
// which a 1-D bias would broadcast wrongly in gorgonnx.
func TestMatchesOnnxruntime(t *testing.T) {
	// Both run their pairwise graphs: this compares the two profiles'
	// files in the two runtimes (runtime/segdist has its own tests).
	rt, err := runtime.Open(runtime.Options{Threads: 1, Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	imgs := digits(t, 40)
	ctx := context.Background()
	for kind, c := range checkpoints(t) {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), kind+".onnx")
			if _, err := export.WriteFiles(c, path); err != nil {
				t.Fatal(err)
			}
			if _, err := onnxgo.Load(path); err == nil {
				t.Fatal("Load without the onnx-go profile succeeded")
			}
			if _, err := export.WriteOnnxGoFiles(c, path); err != nil {
				t.Fatal(err)
			}
			ref, err := rt.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			og, err := onnxgo.LoadWith(path, onnxgo.Options{Pairwise: segdist.Graph})
			if err != nil {
				t.Fatal(err)
			}
			if k := og.PairwiseKernel(); k != "graph" {
				t.Fatalf("LoadWith(graph) computes tiles with %s", k)
			}
			if og.F != ref.F || og.Kind != ref.Kind || og.Target != ref.Target {
				t.Fatalf("onnx-go model F=%d %s %s, onnxruntime F=%d %s %s", og.F, og.Kind, og.Target, ref.F, ref.Kind, ref.Target)
			}
			fr, err := ref.Embed(ctx, imgs, tiling.EmbedOptions{})
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			fo, err := og.Embed(ctx, imgs, tiling.EmbedOptions{Batch: 8})
			if err != nil {
				t.Fatal(err)
			}
			te := time.Since(t0)
			de := maxRel(fo.Data, fr.Data)
			if de > featureTol {
				t.Errorf("features differ by %.3g of the largest (tolerance %g)", de, featureTol)
			}
			dr, err := ref.AllPairs(ctx, fr, tiling.TileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			t0 = time.Now()
			do, err := og.AllPairs(ctx, fr, tiling.TileOptions{Tile: 16})
			if err != nil {
				t.Fatal(err)
			}
			tp := time.Since(t0)
			dd := maxRel(do, dr)
			if dd > distanceTol {
				t.Errorf("all-pairs distances differ by %.3g of the largest (tolerance %g)", dd, distanceTol)
			}
			// Load's default: runtime/segdist computes the tiles, the same
			// matrix to the same tolerance.
			on, err := onnxgo.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if k := on.PairwiseKernel(); !strings.HasPrefix(k, "native ") {
				t.Fatalf("Load computes tiles with %s, want runtime/segdist", k)
			}
			dn, err := on.AllPairs(ctx, fr, tiling.TileOptions{Tile: 16})
			if err != nil {
				t.Fatal(err)
			}
			if d := maxRel(dn, dr); d > distanceTol {
				t.Errorf("native all-pairs distances differ by %.3g of the largest (tolerance %g)", d, distanceTol)
			}
			// rectangular, b = rows 10..19 of a: the identical pairs are 0
			b := fr.Rows(10, 10)
			rr, err := ref.Pairwise(ctx, fr, b, tiling.TileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ro, err := og.Pairwise(ctx, fr, b, tiling.TileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if d := maxRel(ro, rr); d > distanceTol {
				t.Errorf("rectangular distances differ by %.3g (tolerance %g)", d, distanceTol)
			}
			for j := 0; j < 10; j++ {
				if v := ro[(10+j)*10+j]; v != 0 || math.Signbit(float64(v)) {
					t.Errorf("image %d against itself: %g, want +0", 10+j, v)
				}
			}
			// the matrix is the model's own distance
			for _, p := range [][2]int{{0, 1}, {3, 29}, {17, 38}} {
				want := og.Distance(fr.Row(p[0]), fr.Row(p[1]))
				if got := float64(do[p[0]*imgs.N+p[1]]); math.Abs(got-want) > 1e-3*math.Abs(want)+1e-6 {
					t.Errorf("distance (%d, %d) = %g, the model's formula gives %g", p[0], p[1], got, want)
				}
			}
			kr, err := ref.KNN(ctx, fr, fr.Rows(0, 5), 3, tiling.TileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ko, err := og.KNN(ctx, fr, fr.Rows(0, 5), 3, tiling.TileOptions{Tile: 16})
			if err != nil {
				t.Fatal(err)
			}
			// k above the index size: an error on both backends alike
			for name, b := range map[string]interface {
				KNN(context.Context, dataset.Features, dataset.Features, int, tiling.TileOptions) ([][]tiling.Neighbor, error)
			}{"onnxruntime": ref, "onnx-go": og} {
				if _, err := b.KNN(ctx, fr.Rows(0, 4), fr.Rows(0, 2), 5, tiling.TileOptions{}); err == nil {
					t.Errorf("%s: k 5 over an index of 4 rows gave no error", name)
				}
			}
			for q := range kr {
				for r := range kr[q] {
					a, b := kr[q][r], ko[q][r]
					if a.Index != b.Index && math.Abs(float64(a.Distance-b.Distance)) > distanceTol*math.Abs(float64(a.Distance)) {
						t.Errorf("query %d rank %d: onnxruntime %d (%g), onnx-go %d (%g)", q, r+1, a.Index, a.Distance, b.Index, b.Distance)
					}
				}
			}
			if og.HasDecoder() {
				ir, err := ref.Decode(fr)
				if err != nil {
					t.Fatal(err)
				}
				io, err := og.Decode(fr)
				if err != nil {
					t.Fatal(err)
				}
				if d := maxRel(io, ir); d > featureTol {
					t.Errorf("decoded images differ by %.3g (tolerance %g)", d, featureTol)
				}
			}
			t.Logf("features %.2g, distances %.2g of the largest (%s); onnx-go %.0f images/s, %.3g distances/s (%d×%d, tiles 16)",
				de, dd, ref.Target, float64(imgs.N)/te.Seconds(), float64(imgs.N*imgs.N)/tp.Seconds(), imgs.N, imgs.N)
		})
	}
}
