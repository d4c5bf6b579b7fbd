package segdist

import (
	"fmt"
	"testing"
)

// BenchmarkBlock runs each block kernel alone on one block and one panel
// of the shipped ensemble's layout (27 segments of 32), in cache,
// reporting its rate in GFLOP/s (2 per multiply-add).
func BenchmarkBlock(b *testing.B) {
	ns := make([]int32, 27)
	kt := 0
	for i := range ns {
		ns[i] = 32
		kt += 33
	}
	for _, g := range append([]geometry{genericGeometry}, asmGeometries()...) {
		a := make([]float32, kt*g.r)
		p := make([]float32, kt*g.c)
		for i := range a {
			a[i] = float32(i%7) * 0.1
		}
		for i := range p {
			p[i] = float32(i%5) * 0.1
		}
		out := make([]float32, g.r*g.c)
		ta, tb := make([]float32, g.r), make([]float32, g.c)
		for _, sqrt := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/sqrt=%v", g.name, sqrt), func(b *testing.B) {
				for b.Loop() {
					g.block(a, p, ns, out, g.c, ta, tb, sqrt)
				}
				b.ReportMetric(float64(27*32*g.r*g.c*2)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
