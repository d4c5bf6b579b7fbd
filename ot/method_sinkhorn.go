package ot

import (
	"context"
	"fmt"
)

// SinkhornMethod is Sinkhorn as a Method (see sinkhorn.go). It keeps no
// state between calls, so one value may be shared by goroutines; Clone
// returns a copy all the same.
type SinkhornMethod struct {
	SinkhornOptions
}

var _ Method = (*SinkhornMethod)(nil)

// Name is "sinkhorn".
func (m *SinkhornMethod) Name() string { return "sinkhorn" }

// String is "sinkhorn epsilon=E", E the regularization in effect.
func (m *SinkhornMethod) String() string { return fmt.Sprintf("sinkhorn epsilon=%g", m.epsilon()) }

// Options returns Epsilon (Tol and MaxIter are not MethodOptions: a method
// of NewMethod takes their defaults).
func (m *SinkhornMethod) Options() MethodOptions { return MethodOptions{Epsilon: m.Epsilon} }

// W2SqContext is Sinkhorn(a, b, m.SinkhornOptions), stopped by ctx.
func (m *SinkhornMethod) W2SqContext(ctx context.Context, a, b Image) (float64, error) {
	return sinkhorn(ctx, a, b, m.SinkhornOptions)
}

// Clone returns a copy of m.
func (m *SinkhornMethod) Clone() Method {
	c := *m
	return &c
}

func (m *SinkhornMethod) epsilon() float64 {
	if m.Epsilon == 0 {
		return 1
	}
	return m.Epsilon
}
