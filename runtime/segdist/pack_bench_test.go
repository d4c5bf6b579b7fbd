package segdist

import (
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

func BenchmarkPack(b *testing.B) {
	segs := make([]int, 27)
	w := make([]float32, 27)
	for i := range segs {
		segs[i], w[i] = 32, 0.5
	}
	k, _ := New(models.FormWeightedNorms, segs, w, Options{Threads: 1})
	x := dataset.Features{Data: make([]float32, 1024*864), N: 1024, F: 864}
	for i := range x.Data {
		x.Data[i] = float32(i%13) * 0.1
	}
	centre := make([]float32, 864)
	dst := make([]float32, 1024*k.ktot)
	tau := make([]float32, 1024)
	for b.Loop() {
		for g := 0; g < 1024/k.geo.c; g++ {
			k.pack(x, g, centre, false, k.geo.c, dst, tau)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(1024*864), "ns/value")
}
