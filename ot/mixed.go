package ot

import (
	"fmt"
	"math"
)

// Mixed is the ground cost between mixed continuous/categorical vectors of
// the generalized W2 distance (Xia and Shen, 2025): the first Cont
// coordinates are continuous, the remaining Cat are category codes, and
//
//	c(y, y′) = Σ_{k<Cont} (y_k − y′_k)² + Lambda · #{k ≥ Cont : y_k ≠ y′_k}.
//
// W2² under c is the squared generalized W2 distance; with Cat = 0 it is
// the ordinary W2² in the units of the continuous coordinates.
type Mixed struct {
	Cont, Cat int
	Lambda    float64 // penalty of one categorical mismatch; ≥ 0
}

// Dim is the length of a vector.
func (m Mixed) Dim() int { return m.Cont + m.Cat }

// Cost is c(a, b). Categorical coordinates are compared after rounding to
// the nearest integer code.
func (m Mixed) Cost(a, b []float64) float64 {
	s := 0.0
	for k := 0; k < m.Cont; k++ {
		d := a[k] - b[k]
		s += d * d
	}
	for k := m.Cont; k < m.Cont+m.Cat; k++ {
		if math.Round(a[k]) != math.Round(b[k]) {
			s += m.Lambda
		}
	}
	return s
}

func (m Mixed) check(x [][]float64, what string) error {
	if m.Cont < 0 || m.Cat < 0 || m.Dim() == 0 || !(m.Lambda >= 0) {
		return fmt.Errorf("ot: mixed cost with %d continuous, %d categorical coordinates and λ = %v", m.Cont, m.Cat, m.Lambda)
	}
	for i, v := range x {
		if len(v) != m.Dim() {
			return fmt.Errorf("ot: %s sample %d has %d coordinates, the cost takes %d (%d continuous + %d categorical)", what, i, len(v), m.Dim(), m.Cont, m.Cat)
		}
		for k, c := range v {
			if math.IsNaN(c) || math.IsInf(c, 0) {
				return fmt.Errorf("ot: %s sample %d coordinate %d is %v", what, i, k, c)
			}
		}
	}
	return nil
}
