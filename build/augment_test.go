package build

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

func toImage(h, w int, pix []float32) ot.Image {
	f := make([]float64, len(pix))
	for i, v := range pix {
		f[i] = float64(v)
	}
	return ot.NewImage(h, w, f)
}

// Every grid symmetry keeps exact W2² (the ot solver's) between two
// images: on MNIST digits (all 8 of the square) and on random rectangular
// histograms (the 4 of a rectangle). And the symmetries are distinct.
func TestSymmetryKeepsExactW2(t *testing.T) {
	s, err := dataset.Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	rect := func(h, w int) []float32 {
		p := make([]float32, h*w)
		for i := range p {
			if rng.Float64() < 0.4 {
				p[i] = float32(rng.IntN(255) + 1)
			}
		}
		return p
	}
	cases := []struct {
		h, w int
		x, y []float32
	}{
		{28, 28, s.Row(0), s.Row(1)},
		{28, 28, s.Row(7), s.Row(42)},
		{9, 13, rect(9, 13), rect(9, 13)},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%dx%d", c.h, c.w), func(t *testing.T) {
			want, err := ot.W2Sq(toImage(c.h, c.w, c.x), toImage(c.h, c.w, c.y))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for g := 0; g < symmetries(c.h, c.w); g++ {
				gx, gy := make([]float32, len(c.x)), make([]float32, len(c.y))
				symmetry(g, c.h, c.w, c.x, gx)
				symmetry(g, c.h, c.w, c.y, gy)
				if prev, ok := seen[fmt.Sprint(gx)]; ok {
					t.Fatalf("symmetries %d and %d give the same image", prev, g)
				}
				seen[fmt.Sprint(gx)] = g
				got, err := ot.W2Sq(toImage(c.h, c.w, gx), toImage(c.h, c.w, gy))
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(got-want) > 1e-9*want {
					t.Fatalf("symmetry %d: W2² %.12g, untransformed %.12g", g, got, want)
				}
			}
			// a symmetry applied to one image only changes W2² (the test
			// can tell transformed pairs apart)
			gx := make([]float32, len(c.x))
			symmetry(1, c.h, c.w, c.x, gx)
			if d, _ := ot.W2Sq(toImage(c.h, c.w, gx), toImage(c.h, c.w, c.y)); math.Abs(d-want) < 1e-6 {
				t.Fatalf("flipping one image kept W2² %g", d)
			}
		})
	}
	if _, err := augmentation("rotate"); err == nil {
		t.Fatal("unknown augmentation accepted")
	}
}
