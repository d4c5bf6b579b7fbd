package dataset

import "fmt"

// Features are N feature vectors of F values each, row-major in Data
// (len N·F): the embeddings of N images, as runtime's Embed returns them
// and latent and manifold take them. Row i is Data[i·F : (i+1)·F].
type Features struct {
	Data []float32
	N, F int
}

// NewFeatures wraps data as n rows of f features. It panics if the length
// does not match, which is a programming error.
func NewFeatures(data []float32, n, f int) Features {
	x := Features{Data: data, N: n, F: f}
	if err := x.Check(); err != nil {
		panic(err)
	}
	return x
}

// Check reports a shape that does not match Data.
func (x Features) Check() error {
	if x.N < 0 || x.F < 0 || len(x.Data) != x.N*x.F {
		return fmt.Errorf("dataset: features of %d values as %d rows of %d", len(x.Data), x.N, x.F)
	}
	return nil
}

// Row returns row i (not a copy).
func (x Features) Row(i int) []float32 { return x.Data[i*x.F : (i+1)*x.F] }

// Rows returns the n rows from row i on (not a copy).
func (x Features) Rows(i, n int) Features {
	return Features{Data: x.Data[i*x.F : (i+n)*x.F], N: n, F: x.F}
}
