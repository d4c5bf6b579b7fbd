package runtime

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// TestNativeEqualsGraph: for every model kind, the matrix of
// runtime/segdist's kernel (Pairwise native) equals onnxruntime's run of
// NAME.pairwise.onnx (Pairwise graph) to float32 rounding, with the same
// exact zeros (each row against itself).
func TestNativeEqualsGraph(t *testing.T) {
	imgs := testImages(t, 45)
	paths := map[models.Kind]string{}
	for _, kind := range models.Kinds() {
		paths[kind] = exportTiny(t, kind, 28, 28)
	}
	matrices := func(choice segdist.Choice) (map[models.Kind][]float32, map[models.Kind]string) {
		rt, err := Open(Options{Threads: 2, Pairwise: choice})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		out, kernels := map[models.Kind][]float32{}, map[models.Kind]string{}
		for _, kind := range models.Kinds() {
			m, err := rt.Load(paths[kind])
			if err != nil {
				t.Fatal(err)
			}
			f, err := m.Embed(context.Background(), imgs, tiling.EmbedOptions{})
			if err != nil {
				t.Fatal(err)
			}
			d, err := m.Pairwise(context.Background(), f, f, tiling.TileOptions{Tile: 20})
			if err != nil {
				t.Fatal(err)
			}
			out[kind], kernels[kind] = d, m.PairwiseKernel()
		}
		return out, kernels
	}
	graph, gk := matrices(segdist.Graph)
	native, nk := matrices(segdist.Native)
	n := imgs.N
	for _, kind := range models.Kinds() {
		if gk[kind] != "graph" || !strings.HasPrefix(nk[kind], "native ") {
			t.Fatalf("%s: kernels %q and %q, want graph and native …", kind, gk[kind], nk[kind])
		}
		g, v := graph[kind], native[kind]
		var top, diff float64
		for k := range g {
			top = max(top, math.Abs(float64(g[k])))
			diff = max(diff, math.Abs(float64(g[k])-float64(v[k])))
		}
		for i := 0; i < n; i++ {
			if g[i*n+i] != 0 || v[i*n+i] != 0 {
				t.Errorf("%s: d(x%d, x%d): graph %g, native %g, want exactly 0", kind, i, i, g[i*n+i], v[i*n+i])
			}
		}
		t.Logf("%s (%s): largest difference %.3g of the largest distance %.4g", kind, nk[kind], diff/top, top)
		if !(top > 0) || diff > 2e-5*top {
			t.Errorf("%s: native and graph differ by %.3g of the largest distance %g, want ≤ 2e-5", kind, diff/top, top)
		}
	}
}

func TestPairwiseChoiceRefused(t *testing.T) {
	if _, err := Open(Options{Pairwise: "fast"}); err == nil || !strings.Contains(err.Error(), "auto, native or graph") {
		t.Fatalf("Open with Pairwise fast: %v", err)
	}
}
