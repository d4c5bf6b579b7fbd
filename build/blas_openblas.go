//go:build openblas

package build

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// With the openblas build tag (and CGO_LDFLAGS=-lopenblas, Debian's
// libopenblas-dev), Gorgonia's matrix products run on OpenBLAS through
// gonum's netlib bindings instead of the pure-Go default. Gorgonia's BLAS
// is process-wide by its design; this sets it once, at start-up.
func init() { G.Use(netlib.Implementation{}) }
