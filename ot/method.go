package ot

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// Method is one way to compute W2² between two images: the exact solver
// (*Solver), entropic Sinkhorn (*SinkhornMethod) or sliced W2
// (*SlicedMethod). Every method returns W2² in pixel² between the two
// images normalized to unit mass, or an error; never a value it did not
// reach (see the package doc).
//
// A Method may keep work buffers between calls, so one value must not be
// used by two goroutines at once: give each goroutine its own Clone.
type Method interface {
	// Name is the method's key in Methods: "exact", "sinkhorn" or
	// "sliced".
	Name() string
	// String names the method and the parameters that change its values,
	// as pairs files record it: "exact", "sinkhorn epsilon=1",
	// "sliced directions=64".
	String() string
	// Options are the method's parameters: NewMethod(m.Name(),
	// m.Options()) makes a method that computes the same values.
	Options() MethodOptions
	// W2SqContext returns W2² between a and b in pixel², stopping soon
	// after ctx is done with an error wrapping ctx's.
	W2SqContext(ctx context.Context, a, b Image) (float64, error)
	// Clone returns a method with the same parameters and its own
	// buffers, for another goroutine.
	Clone() Method
}

// MethodOptions are the parameters of the methods of Methods. Each method
// reads its own and ignores the others; zero fields take the defaults;
// negative ones are refused by NewMethod.
type MethodOptions struct {
	// Epsilon is Sinkhorn's entropic regularization in pixel² (default 1).
	Epsilon float64
	// Directions is the number of projection directions of sliced W2
	// (default 64).
	Directions int
	// MaxMemory bounds one exact solve, in bytes (default
	// DefaultMaxMemory); a larger pair is refused with ErrTooLarge. It never
	// changes a value.
	MaxMemory int64
}

func (o MethodOptions) validate(name string) error {
	switch {
	case o.Epsilon < 0 || math.IsNaN(o.Epsilon) || math.IsInf(o.Epsilon, 0):
		return fmt.Errorf("ot: method %s: epsilon %v: want a finite value > 0 (0 takes the default 1)", name, o.Epsilon)
	case o.Directions < 0:
		return fmt.Errorf("ot: method %s: %d directions: want ≥ 1 (0 takes the default 64)", name, o.Directions)
	case o.MaxMemory < 0:
		return fmt.Errorf("ot: method %s: the memory limit of a solve %d bytes: want > 0 (0 takes the default %d)", name, o.MaxMemory, DefaultMaxMemory)
	}
	return nil
}

// MethodInfo describes one entry of Methods.
type MethodInfo struct {
	Name    string
	Summary string // one line, for help texts
	New     func(MethodOptions) Method
}

// Methods lists the W2² methods, in the order help texts show them. It is
// the one table of methods: NewMethod, the pairs package and the kenn
// command find them here. A new method is a type implementing Method in
// its own file plus one entry here.
func Methods() []MethodInfo {
	return []MethodInfo{
		{"exact", "network simplex: the LP optimum", func(o MethodOptions) Method {
			s := NewSolver()
			s.MaxMemory = o.MaxMemory
			return s
		}},
		{"sinkhorn", "entropic OT, log-domain Sinkhorn (above exact, tends to it as epsilon → 0)", func(o MethodOptions) Method {
			return &SinkhornMethod{SinkhornOptions: SinkhornOptions{Epsilon: o.Epsilon}}
		}},
		{"sliced", "sliced W2² over deterministic directions (about half of W2² in 2-D)", func(o MethodOptions) Method {
			return &SlicedMethod{Directions: o.Directions}
		}},
	}
}

// MethodNames returns the names of Methods, in order.
func MethodNames() []string {
	var names []string
	for _, m := range Methods() {
		names = append(names, m.Name)
	}
	return names
}

// NewMethod returns the method of Methods called name with the options
// opt. It refuses an unknown name and a negative or non-finite option.
func NewMethod(name string, opt MethodOptions) (Method, error) {
	for _, m := range Methods() {
		if m.Name == name {
			if err := opt.validate(name); err != nil {
				return nil, err
			}
			return m.New(opt), nil
		}
	}
	names := MethodNames()
	return nil, fmt.Errorf("ot: unknown method %q (want %s or %s)", name, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}
