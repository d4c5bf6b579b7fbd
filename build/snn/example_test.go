package snn_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	snn "github.com/kenn-ot/kenn/build/snn"
)

// A stochastic neural network for y | x ~ N(x, 0.5²), trained with the
// local generalized W2 loss, then sampled: the spread is learned, not
// just the mean.
func ExampleTrain() {
	rng := rand.New(rand.NewPCG(1, 2))
	var d snn.Data
	for i := 0; i < 800; i++ {
		x := rng.Float64() * 4
		d.X = append(d.X, []float64{x})
		d.Y = append(d.Y, []float64{x + 0.5*rng.NormFloat64()})
	}
	m, err := snn.NewModel(d.X, d.Y, snn.Spec{X: []string{"x"}, Y: []string{"y"}, Hidden: []int{16}})
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "kenn-snn")
	defer os.RemoveAll(dir)
	c, err := snn.Train(context.Background(), m, []string{"y"}, d, d, snn.Options{Epochs: 60, Seed: 1, LR: 3e-3, Out: filepath.Join(dir, "s.ckpt")})
	if err != nil {
		panic(err)
	}
	s, err := snn.Sample(c, [][]float64{{2}}, 4000, 1)
	if err != nil {
		panic(err)
	}
	var sum, sq float64
	for _, y := range s[0] {
		sum += y[0]
		sq += y[0] * y[0]
	}
	mean := sum / 4000
	variance := sq/4000 - mean*mean
	fmt.Printf("mean near 2: %v, sd near 0.5: %v\n", mean > 1.8 && mean < 2.2, variance > 0.3*0.3 && variance < 0.7*0.7)
	// Output: mean near 2: true, sd near 0.5: true
}
