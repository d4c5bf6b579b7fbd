// Package build compiles a models description into a Gorgonia graph and
// trains it on exact pairs made by the pairs package.
//
// A Net is the graph for a fixed batch of B images (float32 for training,
// float64 for gradient checks). Training supervises the B×B matrix of
// model distances against exact targets through a mask: pair mode puts
// B/2 pairs in a batch, block mode all B(B−1)/2 pairs of B images (from an
// all-pairs file), for the price of B forward and backward passes. The
// target scale is the model's (W2² for dwe, W2 otherwise, pixel units).
// Adam runs in Go so that its state is saved in the checkpoint: Train
// writes Out+".train" every epoch and on interruption, and a resumed run
// ends with exactly the weights of an uninterrupted one (same seed).
//
// Inputs are normalized as the models package documents (x·H·W/Σx); the
// export package computes the same function, held together by the parity
// test in internal/parity. Gorgonia's BLAS is its pure-Go default; the
// openblas build tag (CGO_LDFLAGS=-lopenblas) switches to OpenBLAS.
//
// Convolutions do not use Gorgonia's Conv2d (a batch-wide im2col, a
// product and transposing copies) but kenn's own op (conv.go): per image,
// in worker goroutines, shifting the side with fewer channels (im2col or
// kn2row), through the same BLAS; it equals Gorgonia's Conv2d and its
// gradients (tested) at about 3× the training speed. Options.Augment
// (augment.go) transforms batches by grid symmetries, which keep exact W2.
package build
