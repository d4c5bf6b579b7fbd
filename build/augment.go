package build

import "fmt"

// Augmentations of training batches that leave exact W2 unchanged.
//
// W2 between images on their pixel grid uses the squared Euclidean distance
// between pixel positions, and every symmetry of the grid (the 8 rotations
// and reflections of a square, the 4 of a rectangle: identity, the two flips
// and the half turn) maps the grid onto itself and preserves those
// distances. Applying one such symmetry g to both images of a pair therefore
// keeps W2(g·x, g·y) = W2(x, y) exactly, and every training target stays
// exact. A batch is transformed as a whole (block mode supervises all its
// pairs), by a symmetry drawn from the epoch's seeded random stream, so a
// resumed run sees the same batches as an uninterrupted one.
const (
	AugmentNone     = "none"
	AugmentDihedral = "dihedral"
)

// symmetries is the number of grid symmetries of an h×w image: 8 for a
// square, 4 otherwise (transposition would change the shape).
func symmetries(h, w int) int {
	if h == w {
		return 8
	}
	return 4
}

// symmetry writes g·src into dst (both h×w, row-major) for g in
// [0, symmetries(h, w)): bit 0 flips the columns, bit 1 flips the rows, bit
// 2 transposes (squares only), applied in that order.
func symmetry(g, h, w int, src, dst []float32) {
	if g < 0 || g >= symmetries(h, w) || len(src) != h*w || len(dst) != h*w {
		panic(fmt.Sprintf("build: symmetry %d of a %dx%d image with %d and %d pixels", g, h, w, len(src), len(dst)))
	}
	for r := 0; r < h; r++ {
		for c := 0; c < w; c++ {
			sr, sc := r, c
			if g&4 != 0 {
				sr, sc = c, r
			}
			if g&2 != 0 {
				sr = h - 1 - sr
			}
			if g&1 != 0 {
				sc = w - 1 - sc
			}
			dst[r*w+c] = src[sr*w+sc]
		}
	}
}

// augmentation checks Options.Augment and returns its canonical form ("" for
// none, as recorded in the provenance).
func augmentation(a string) (string, error) {
	switch a {
	case "", AugmentNone:
		return "", nil
	case AugmentDihedral:
		return a, nil
	}
	return "", fmt.Errorf("build: unknown augmentation %q (want %s or %s)", a, AugmentNone, AugmentDihedral)
}
