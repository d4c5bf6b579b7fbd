// Package manifold embeds a collection in a few dimensions from its
// pairwise Wasserstein distances: Wassmap (Hamm, Henscheid and Kang, 2023),
// classical multidimensional scaling of a W2 matrix, plus the Procrustes
// comparison of two embeddings.
//
// Units and shapes: a distance matrix is n×n, row-major, in W2 (pixel
// units, not W2²: MDS squares it itself), symmetric with a zero diagonal.
// Coordinates come back n×k, row-major, in pixel units: for images that
// are translates of one image, the coordinates are the translations
// themselves up to a rigid motion (Wassmap's exact-recovery case).
//
// Invalid matrices (not square, not symmetric, NaN, negative or nonzero
// diagonal entries) are errors naming the entry; panics are kept for
// programmer errors such as k < 1.
package manifold
