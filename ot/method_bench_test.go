package ot_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/ot"
)

// Benchmarks of the approximate methods through the Method interface, as
// pairs.Compute runs them: subtests images/parameters. One op computes
// every pair of the set once, after one untimed call that prepares the
// method's per-grid state; ms/pair and W2²/pair (pixel²) are per pair.
//
//	go test -run '^$' -bench 'Sinkhorn|Sliced' -benchtime 3x ./ot/
func BenchmarkSinkhorn(b *testing.B) {
	for _, set := range methodSets(b) {
		for _, eps := range []float64{4, 1, 0.25} {
			benchMethod(b, set, "sinkhorn", ot.MethodOptions{Epsilon: eps})
		}
	}
}

func BenchmarkSliced(b *testing.B) {
	for _, set := range methodSets(b) {
		for _, l := range []int{16, 64, 256} {
			benchMethod(b, set, "sliced", ot.MethodOptions{Directions: l})
		}
	}
}

func benchMethod(b *testing.B, set benchSet, name string, opt ot.MethodOptions) {
	m, err := ot.NewMethod(name, opt)
	if err != nil {
		b.Fatal(err)
	}
	label := m.String()[len(name)+1:] // "epsilon=1", "directions=64"
	b.Run(set.name+"/"+label, func(b *testing.B) {
		ctx := context.Background()
		// prepare what a method keeps per grid (sliced: its directions)
		if _, err := m.W2SqContext(ctx, set.pairs[0][0], set.pairs[0][1]); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		var sum float64
		for it := 0; it < b.N; it++ {
			for _, p := range set.pairs {
				w, err := m.W2SqContext(ctx, p[0], p[1])
				if err != nil {
					b.Fatal(err)
				}
				sum += w
			}
		}
		n := float64(b.N * len(set.pairs))
		b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/n, "ms/pair")
		b.ReportMetric(sum/n, "W2²/pair")
	})
}

// methodSets are 4 MNIST pairs and 4 pairs of random 64×64 blobs.
func methodSets(b *testing.B) []benchSet {
	s := loadMNIST(b)
	mnist := benchSet{name: "mnist28"}
	for i := 0; i < 4; i++ {
		mnist.pairs = append(mnist.pairs, [2]ot.Image{s.Image(2*i, nil), s.Image(2*i+1, nil)})
	}
	rng := rand.New(rand.NewPCG(7, 8))
	blob := func() ot.Image {
		const n = 64
		pix := make([]float64, n*n)
		r0, c0 := rng.IntN(n-16), rng.IntN(n-16)
		for r := r0; r < r0+16; r++ {
			for c := c0; c < c0+16; c++ {
				pix[r*n+c] = float64(1 + rng.IntN(255))
			}
		}
		return ot.NewImage(n, n, pix)
	}
	blobs := benchSet{name: "blobs64"}
	for i := 0; i < 4; i++ {
		blobs.pairs = append(blobs.pairs, [2]ot.Image{blob(), blob()})
	}
	return []benchSet{mnist, blobs}
}
