// Package ot computes squared 2-Wasserstein distances (W2²) between
// images: exactly, by a network simplex on the separable-cost graph, and
// approximately, by entropic Sinkhorn and by sliced W2. It also holds the
// exact solvers kenn's other packages need (assignment, empirical W2 under
// a mixed cost) and a debiased entropic barycenter. It imports no other
// package of kenn.
//
// # Units
//
// An Image is a non-negative histogram on an H×W grid: pixel (r, c) is a
// point mass at (r, c), so neighbouring pixels are one unit apart. Every
// method divides each image by its total mass first, so two images are
// compared as probability measures, and the ground cost is the squared
// Euclidean distance (r−r')² + (c−c')². W2² is therefore in pixel² (a
// translation by (dr, dc) pixels costs dr² + dc²), W2 its square root in
// pixels; the regularization ε of Sinkhorn and of the barycenter is in
// pixel² too. EmpiricalW2Sq is in the units of its points' coordinates.
//
// # Methods
//
// A Method is one way to compute W2² of a pair; Methods is the one table
// of them (exact, sinkhorn, sliced) and NewMethod builds one by name with
// MethodOptions. The pairs package, Beam jobs and the kenn command take a
// Method. A new method is a type implementing Method in its own file plus
// one entry of Methods.
//
// # Invariants
//
//   - Integer exactness: the exact solver works on integer masses (see
//     masses.go). Integer-valued pixels are rescaled exactly to a common
//     total, so the LP solved is the LP of the normalized histograms and
//     W2² is exact up to one final division; other pixels are rounded to
//     multiples of 2⁻ᵏ of the total (k = 51 at 28×28), far below float32
//     input noise. Stats.Exact tells which. Costs and flows are int64: every
//     pivot is exact, with no tolerance.
//   - Optimality is checked on every arc: a solve ends only when no arc of
//     the whole graph has a negative reduced cost, whatever order of pricing
//     (blocks, tiers, shields, multiscale warm starts) found the pivots.
//     The warm starts change the starting point, never the optimum, which
//     the tests compare with POT.
//   - No silent caps: a limit that is reached is an error, never a
//     truncated value. Sinkhorn and Barycenter return an error wrapping
//     ErrNotConverged at their iteration cap; a solve whose estimated
//     memory exceeds Solver.MaxMemory is refused before allocating, with
//     ErrTooLarge; the simplex's pivot bound (far above any real solve)
//     ends in an error. Sinkhorn's value is the cost of a feasible plan, so
//     never below the exact W2²; sliced W2² is never above it.
//   - Input is validated, not repaired: Image.Validate names the first
//     negative, NaN or infinite pixel, a shape mismatch or zero mass, and
//     every method returns that error.
//
// # Concurrency and panics
//
// The package has no mutable package-level state. A *Solver, *Sliced or
// *SlicedMethod keeps work buffers between calls (a warm Solver allocates
// nothing per pair) and must not be used by two goroutines at once:
// parallelize across pairs, one value per goroutine (Method.Clone), never
// inside a solve. A *SinkhornMethod keeps no state. Long solves take a
// context.Context (Solver.W2SqContext, Method.W2SqContext) and stop soon
// after it is done, with an error wrapping ctx's.
//
// Errors are returned for anything the caller's data can cause. Panics
// are for programmer errors only: NewImage with a pixel count that does
// not match its shape, NewSliced with a non-positive size, and the
// "ot: internal error" checks of invariants that a correct solver never
// breaks.
//
// # Files
//
//   - image.go: Image, its validation, mass and support.
//   - method.go: the Method interface, MethodOptions, the Methods table
//     and NewMethod; method_exact.go, method_sinkhorn.go and
//     method_sliced.go: each method's side of it.
//   - exact.go: Solver (the exact W2², plans, stats) and the separable
//     graph; guard.go: its memory estimate and ErrTooLarge; masses.go: the
//     integer masses.
//   - simplex.go: the network simplex (block pricing, strongly feasible
//     trees); shield.go: shielded pricing on the separable graph;
//     multiscale.go and warm.go: the coarse-to-fine warm start.
//   - plan.go: Plan, the optimal transport plan of Solver.Plan;
//     interpolate.go: McCann's displacement interpolation of a plan
//     (DisplacementInterpolation, splatted onto the grid with its W2²
//     bound; DisplacementPoints and ImagePoints off the grid).
//   - sinkhorn.go: log-domain Sinkhorn with ε-scaling and ErrNotConverged;
//     sliced.go: Sliced, sliced W2² over deterministic directions.
//   - barycenter.go: the debiased entropic barycenter.
//   - assignment.go: the Hungarian assignment solver; empirical.go and
//     mixed.go: W2² between point sets under the mixed continuous and
//     categorical cost.
//   - Tests: exact_test.go, metric_test.go (metric axioms, plans,
//     invalid input), pot_test.go (against POT), approx_test.go and
//     method_test.go (Sinkhorn, sliced, the Method table), guard_test.go,
//     barycenter_test.go, empirical_test.go, interpolate_test.go; bench_test.go and
//     method_bench_test.go: the benchmarks.
package ot
