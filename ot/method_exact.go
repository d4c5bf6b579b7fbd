package ot

// *Solver is the exact Method; its methods are in exact.go. This file
// holds what the Method interface adds.

// Name is "exact".
func (s *Solver) Name() string { return "exact" }

// String is "exact": the memory limit never changes a value.
func (s *Solver) String() string { return "exact" }

// Options returns the memory limit of the Solver.
func (s *Solver) Options() MethodOptions { return MethodOptions{MaxMemory: s.MaxMemory} }

// Clone returns a Solver with the same settings and empty buffers.
func (s *Solver) Clone() Method {
	c := NewSolver()
	c.MaxMemory = s.MaxMemory
	c.multiscale = s.multiscale
	return c
}

var _ Method = (*Solver)(nil)
