package ot_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

// Benchmarks of the exact engine per image class and size (issue 16).
// One op solves every pair of the class once; ms/pair, pivots/pair (all
// levels), fine-pivots/pair (the finest level) and degenerate/pair are
// reported per pair, with cpu-ms/pair: the process's CPU time (user and
// system, from getrusage), which a machine shared with other jobs inflates
// far less than the wall time of ms/pair. "warm" reuses one Solver (its buffers) across pairs,
// as pairs.Compute does; "cold" makes a fresh Solver for every pair.
//
//	go test -run '^$' -bench 'W2/mnist28' -benchtime 20x -cpu 1 -count 5 ./ot/
func BenchmarkW2(b *testing.B) {
	for _, set := range benchSets(b) {
		for _, mode := range []string{"warm", "cold"} {
			b.Run(set.name+"/"+mode, func(b *testing.B) {
				s := ot.NewSolver()
				var pivots, fine, degen int
				var sum float64
				cpu0 := cpuTime()
				b.ResetTimer()
				for it := 0; it < b.N; it++ {
					for _, p := range set.pairs {
						if mode == "cold" {
							s = ot.NewSolver()
						}
						w, err := s.W2Sq(p[0], p[1])
						if err != nil {
							b.Fatal(err)
						}
						st := s.LastStats()
						pivots += st.Pivots
						fine += st.FinePivots
						degen += st.DegeneratePivots
						sum += w
					}
				}
				cpu := cpuTime() - cpu0
				n := float64(b.N * len(set.pairs))
				b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/n, "ms/pair")
				b.ReportMetric(float64(cpu)/float64(time.Millisecond)/n, "cpu-ms/pair")
				b.ReportMetric(float64(pivots)/n, "pivots/pair")
				b.ReportMetric(float64(fine)/n, "fine-pivots/pair")
				b.ReportMetric(float64(degen)/n, "degenerate/pair")
				b.ReportMetric(sum/n, "W2²/pair")
			})
		}
	}
}

type benchSet struct {
	name  string
	pairs [][2]ot.Image
}

func benchSets(b *testing.B) []benchSet {
	b.Helper()
	load := func(name string) *dataset.Images {
		s, err := dataset.Load("../testdata/" + name + "-images-idx3-ubyte")
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	mn, fa := load("mnist-train"), load("fashion-test")
	consecutive := func(s *dataset.Images, k int, f func(ot.Image) ot.Image) [][2]ot.Image {
		out := make([][2]ot.Image, k)
		for i := range out {
			out[i] = [2]ot.Image{f(s.Image(2*i, nil)), f(s.Image(2*i+1, nil))}
		}
		return out
	}
	id := func(x ot.Image) ot.Image { return x }
	up := func(n int) func(ot.Image) ot.Image {
		return func(x ot.Image) ot.Image { return upsample(x, n) }
	}
	gen := func(k, n int, seed uint64, f func(*rand.Rand, int) ot.Image) [][2]ot.Image {
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		out := make([][2]ot.Image, k)
		for i := range out {
			out[i] = [2]ot.Image{f(rng, n), f(rng, n)}
		}
		return out
	}
	return []benchSet{
		{"mnist28", consecutive(mn, 32, id)},
		{"fashion28", consecutive(fa, 16, id)},
		{"noise32", gen(8, 32, 1, whiteNoise)},
		{"smooth32", gen(8, 32, 2, smoothField)},
		{"mnistup64", consecutive(mn, 4, up(64))},
		{"noise64", gen(4, 64, 3, whiteNoise)},
		{"smooth64", gen(4, 64, 4, smoothField)},
		{"fashionup64", consecutive(fa, 4, up(64))},
		{"noise128", gen(1, 128, 5, whiteNoise)},
		{"smooth128", gen(1, 128, 6, smoothField)},
		{"fashionup128", consecutive(fa, 1, up(128))},
	}
}

// whiteNoise has independent integer pixels in [1, 255].
func whiteNoise(rng *rand.Rand, n int) ot.Image {
	pix := make([]float64, n*n)
	for i := range pix {
		pix[i] = float64(1 + rng.IntN(255))
	}
	return ot.NewImage(n, n, pix)
}

// smoothField is white noise blurred by a periodic Gaussian of width n/16,
// stretched to integers in [1, 255] (DOTmark's classic and GRF classes).
func smoothField(rng *rand.Rand, n int) ot.Image {
	sigma := float64(n) / 16
	r := int(3 * sigma)
	ker := make([]float64, 2*r+1)
	for k := range ker {
		d := float64(k - r)
		ker[k] = math.Exp(-d * d / (2 * sigma * sigma))
	}
	x := make([]float64, n*n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	blur := func(src []float64, rows bool) []float64 {
		dst := make([]float64, n*n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for k, w := range ker {
					jj := ((j+k-r)%n + n) % n
					if rows {
						s += w * src[i*n+jj]
					} else {
						s += w * src[jj*n+i]
					}
				}
				if rows {
					dst[i*n+j] = s
				} else {
					dst[j*n+i] = s
				}
			}
		}
		return dst
	}
	x = blur(blur(x, true), false)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for i, v := range x {
		x[i] = 1 + math.Round(254*(v-lo)/(hi-lo))
	}
	return ot.NewImage(n, n, x)
}

// upsample is bilinear interpolation of img to n×n (pixel centres
// aligned), rounded to integers, plus 1: no pixel is zero.
func upsample(img ot.Image, n int) ot.Image {
	pix := make([]float64, n*n)
	at := func(r, c int) float64 {
		r, c = min(max(r, 0), img.H-1), min(max(c, 0), img.W-1)
		return img.Pix[r*img.W+c]
	}
	for i := 0; i < n; i++ {
		y := (float64(i)+0.5)*float64(img.H)/float64(n) - 0.5
		y0 := math.Floor(y)
		fy := y - y0
		for j := 0; j < n; j++ {
			x := (float64(j)+0.5)*float64(img.W)/float64(n) - 0.5
			x0 := math.Floor(x)
			fx := x - x0
			r, c := int(y0), int(x0)
			v := (1-fy)*((1-fx)*at(r, c)+fx*at(r, c+1)) + fy*((1-fx)*at(r+1, c)+fx*at(r+1, c+1))
			pix[i*n+j] = 1 + math.Round(v)
		}
	}
	return ot.NewImage(n, n, pix)
}
