package beamjob

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

func testModel(t *testing.T) string {
	c, err := models.NewCheckpoint(models.DeepKENN(28, 28, models.Backbone{C1: 4, C2: 2, Hidden: 16, Out: 8}), 4)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.onnx")
	if _, err := export.WriteFiles(c, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// local computes what kenn pairwise and kenn knn write, with tile 256.
func local(t *testing.T, model, a, b string, out string, k int) {
	rt, err := runtime.Open(runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	m, err := rt.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	load := func(p string) dataset.Features {
		s, err := dataset.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Embed(context.Background(), s, tiling.EmbedOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	fa := load(a)
	if k > 0 {
		nbs, err := m.KNN(context.Background(), fa, load(b), k, tiling.TileOptions{Tile: 256})
		if err != nil {
			t.Fatal(err)
		}
		var w strings.Builder
		w.WriteString("query,rank,index,distance\n")
		for q, list := range nbs {
			for r, nb := range list {
				w.WriteString(strconv.Itoa(q) + "," + strconv.Itoa(r+1) + "," + strconv.Itoa(nb.Index) + "," + strconv.FormatFloat(float64(nb.Distance), 'g', 9, 32) + "\n")
			}
		}
		os.WriteFile(out, []byte(w.String()), 0o644)
		return
	}
	if b != "" {
		err = m.PairwiseNPY(context.Background(), fa, load(b), out, runtime.PairwiseOptions{Tile: 256})
	} else {
		err = m.AllPairsNPY(context.Background(), fa, out, runtime.PairwiseOptions{Tile: 256})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// The merged matrix equals kenn pairwise's .npy byte for byte (all pairs
// of one collection, and one collection against another), also when a
// worker fails in one tile and the tile is resubmitted.
func TestMatrixPipelineEqualsPairwise(t *testing.T) {
	model := testModel(t)
	train := "../testdata/mnist-train-images-idx3-ubyte" // 1000 images: 4 row blocks of 256
	for _, against := range []string{"", testImages} {
		dir := t.TempDir()
		want := filepath.Join(dir, "local.npy")
		local(t, model, train, against, want, 0)
		job := MatrixJob{Model: model, Images: train, Against: against, Out: filepath.Join(dir, "beam.npy"), Tile: 256, Threads: 1}
		failTile(&job, 3, filepath.Join(dir, "failed"))
		sum, err := RunMatrix(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(want)
		b, _ := os.ReadFile(job.Out)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Fatalf("against %q: merged matrix (%d bytes) differs from kenn pairwise's (%d bytes)", against, len(b), len(a))
		}
		if sum.Pipelines != 2 {
			t.Fatalf("against %q: %d pipelines, want 2 (the failed tile resubmitted)", against, sum.Pipelines)
		}
	}
}

func TestKNNPipelineEqualsLocal(t *testing.T) {
	model := testModel(t)
	dir := t.TempDir()
	want := filepath.Join(dir, "local.csv")
	local(t, model, "../testdata/mnist-train-images-idx3-ubyte", testImages, want, 5)
	job := KNNJob{Model: model, Index: "../testdata/mnist-train-images-idx3-ubyte", Query: testImages, K: 5, Tile: 256, Out: filepath.Join(dir, "beam.csv")}
	if _, err := RunKNN(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(want)
	b, _ := os.ReadFile(job.Out)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("kNN output differs from the local one (%d vs %d bytes)", len(b), len(a))
	}
}

// A rerun recomputes tiles of an earlier run that are cut short or have a
// flipped bit, and merges the matrix of kenn pairwise.
func TestMatrixRerunRecomputesBadTiles(t *testing.T) {
	model := testModel(t)
	train := "../testdata/mnist-train-images-idx3-ubyte"
	dir := t.TempDir()
	want := filepath.Join(dir, "local.npy")
	local(t, model, train, testImages, want, 0)
	job := MatrixJob{Model: model, Images: train, Against: testImages, Out: filepath.Join(dir, "beam.npy"), Tile: 256, keepShards: true}
	first, err := RunMatrix(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	tiles, _ := filepath.Glob(filepath.Join(job.Out+".shards", "tile-*"))
	if len(tiles) != first.Shards || len(tiles) < 3 {
		t.Fatalf("%d tiles kept, %d shards", len(tiles), first.Shards)
	}
	raw, _ := os.ReadFile(tiles[0])
	os.WriteFile(tiles[0], raw[:len(raw)-trailerLen-4], 0o644) // one value short, trailer gone
	raw, _ = os.ReadFile(tiles[1])
	raw[100] ^= 0x40
	os.WriteFile(tiles[1], raw, 0o644)
	job.keepShards = false
	sum, err := RunMatrix(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Dropped != 2 || sum.Computed != 2 {
		t.Errorf("rerun: %+v, want the 2 bad tiles dropped and recomputed", sum)
	}
	a, _ := os.ReadFile(want)
	b, _ := os.ReadFile(job.Out)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("rerun matrix differs from kenn pairwise's")
	}
}
