package ot_test

import (
	"fmt"

	"github.com/kenn-ot/kenn/ot"
)

// A 3×3 blob moved by (2, 1) pixels: W2² is |shift|² = 5 exactly.
func ExampleSolver_W2Sq() {
	a := make([]float64, 10*10)
	b := make([]float64, 10*10)
	for r := 1; r < 4; r++ {
		for c := 1; c < 4; c++ {
			a[r*10+c] = float64(r * c) // any non-negative intensities
			b[(r+2)*10+c+1] = float64(r * c)
		}
	}
	s := ot.NewSolver() // reuse one Solver per goroutine
	w, err := s.W2Sq(ot.NewImage(10, 10, a), ot.NewImage(10, 10, b))
	if err != nil {
		panic(err)
	}
	fmt.Println(w)
	// Output: 5
}

// The optimal plan between two images of two pixels each: a move by one
// column.
func ExampleSolver_Plan() {
	a := []float64{1, 0, 1, 0} // pixels (0,0) and (1,0) of a 2×2 grid
	b := []float64{0, 1, 0, 1} // pixels (0,1) and (1,1)
	p, err := ot.NewSolver().Plan(ot.NewImage(2, 2, a), ot.NewImage(2, 2, b))
	if err != nil {
		panic(err)
	}
	fmt.Println("W2² =", p.W2Sq)
	for _, e := range p.Entries {
		fmt.Printf("pixel %d -> pixel %d: mass %.2f\n", e.From, e.To, e.Mass)
	}
	// Output:
	// W2² = 1
	// pixel 0 -> pixel 1: mass 0.50
	// pixel 2 -> pixel 3: mass 0.50
}

func ExampleSinkhorn() {
	a := []float64{1, 0, 0, 0}
	b := []float64{0, 0, 0, 1}
	v, err := ot.Sinkhorn(ot.NewImage(2, 2, a), ot.NewImage(2, 2, b), ot.SinkhornOptions{Epsilon: 0.5})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", v) // two point masses: the only plan, cost 1² + 1²
	// Output: 2.0000
}

func ExampleSliced() {
	a := []float64{1, 0, 0, 0}
	b := []float64{0, 0, 0, 1}
	v, err := ot.NewSliced(2, 2, 32).W2Sq(ot.NewImage(2, 2, a), ot.NewImage(2, 2, b))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", v) // |(1,1)|²/2
	// Output: 1.0000
}
