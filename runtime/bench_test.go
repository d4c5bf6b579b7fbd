package runtime

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Benchmarks of onnxruntime's CPU path, one intra-op thread: embedding
// (images/s) and pairwise tiles (pairs/s), subtests model/case. The models
// are a tiny export of every kind of models.Kinds (the runtime's overhead)
// and the shipped models of ../pretrained (the real cost). They need the
// onnxruntime library (make ort puts it in .cache/onnxruntime) and skip,
// saying so, without it.
//
//	go test -run '^$' -bench 'Embed|PairwiseTile' -benchtime 3x ./runtime/
func BenchmarkEmbed(b *testing.B) {
	rt, ms := benchModels(b)
	defer rt.Close()
	imgs := testImages(b, 1024)
	for _, bm := range ms {
		for _, batch := range []int{64, 256} {
			b.Run(fmt.Sprintf("%s/batch=%d", bm.name, batch), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := bm.m.Embed(context.Background(), imgs, tiling.EmbedOptions{Batch: batch}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(imgs.N*b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}

func BenchmarkPairwiseTile(b *testing.B) {
	rt, ms := benchModels(b)
	defer rt.Close()
	imgs := testImages(b, 1024)
	for _, bm := range ms {
		f, err := bm.m.Embed(context.Background(), imgs, tiling.EmbedOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, tile := range []int{256, 1024} {
			out := make([]float32, tile*tile)
			rows := f.Rows(0, tile)
			b.Run(fmt.Sprintf("%s/tile=%d", bm.name, tile), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if err := bm.m.PairwiseTile(rows, rows, out); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(tile*tile*b.N)/b.Elapsed().Seconds(), "pairs/s")
			})
		}
	}
}

type benchModel struct {
	name string // tiny-KIND or the shipped file's name
	m    *Model
}

func benchModels(b *testing.B) (*Runtime, []benchModel) {
	rt, err := Open(Options{Threads: 1})
	if errors.Is(err, ErrNoLibrary) {
		b.Skipf("no onnxruntime library, benchmark not run: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	var ms []benchModel
	for _, kind := range models.Kinds() {
		m, err := rt.Load(exportTiny(b, kind, 28, 28))
		if err != nil {
			b.Fatal(err)
		}
		ms = append(ms, benchModel{"tiny-" + string(kind), m})
	}
	shipped, _ := filepath.Glob("../pretrained/*.onnx")
	for _, p := range shipped {
		if base := filepath.Base(p); strings.Count(base, ".") == 1 { // NAME.onnx, not NAME.pairwise.onnx
			m, err := rt.Load(p)
			if err != nil {
				b.Fatal(err)
			}
			ms = append(ms, benchModel{strings.TrimSuffix(base, ".onnx"), m})
		}
	}
	return rt, ms
}
