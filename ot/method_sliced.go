package ot

import (
	"context"
	"fmt"
)

// SlicedMethod is sliced W2² as a Method (see sliced.go): it prepares a
// Sliced for the grid of the first pair it sees, and again when the grid
// changes. It must not be used by two goroutines at once (see Clone).
type SlicedMethod struct {
	// Directions is the number of directions L (default 64).
	Directions int

	s *Sliced
}

var _ Method = (*SlicedMethod)(nil)

// Name is "sliced".
func (m *SlicedMethod) Name() string { return "sliced" }

// String is "sliced directions=L", L the number in effect.
func (m *SlicedMethod) String() string { return fmt.Sprintf("sliced directions=%d", m.directions()) }

// Options returns Directions.
func (m *SlicedMethod) Options() MethodOptions { return MethodOptions{Directions: m.Directions} }

// W2SqContext returns the sliced W2² of a and b, which takes no longer
// than reading them L times: ctx is checked once, before.
func (m *SlicedMethod) W2SqContext(ctx context.Context, a, b Image) (float64, error) {
	if m.Directions < 0 {
		return 0, fmt.Errorf("ot: sliced W2 with %d directions: want ≥ 1 (0 takes the default 64)", m.Directions)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("ot: sliced W2 not started: %w", err)
	}
	if err := checkPair(a, b); err != nil {
		return 0, err
	}
	if m.s == nil || m.s.H != a.H || m.s.W != a.W {
		m.s = NewSliced(a.H, a.W, m.directions())
	}
	return m.s.w2sq(a, b), nil
}

// Clone returns a SlicedMethod with the same directions and its own
// prepared grid.
func (m *SlicedMethod) Clone() Method { return &SlicedMethod{Directions: m.Directions} }

func (m *SlicedMethod) directions() int {
	if m.Directions == 0 {
		return 64
	}
	return m.Directions
}
