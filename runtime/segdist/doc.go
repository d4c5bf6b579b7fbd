// Package segdist computes a kenn model's distance matrix from its
// embeddings natively, in one fused pass per block of the matrix: the
// same formula as the exported pairwise graph (NAME.pairwise.onnx, built
// by package export), without its sweeps of the N×M tile through memory.
//
// # The formula
//
// An embedding of F features is cut into segments of n_l features (the
// model's kenn.features). For FormWeightedNorms (odekenn, deepkenn,
// naive, ensembles: the distance is W2 in pixels)
//
//	d(a, b) = Σ_l w_l·‖a_l − b_l‖₂,
//
// and for FormSquared (dwe: W2² in pixels²) d(a, b) = ‖a − b‖₂² over the
// one segment. As in the graph, the weights are folded into the features
// (w·‖x − y‖ = ‖w·x − w·y‖ for w > 0), both sides are centred on the mean
// row of a, and each segment's squared distance is the Gram form of the
// augmented rows
//
//	â = (−2·a_l, ‖a_l‖², 1),   b̂ = (b_l, 1, ‖b_l‖²),   â·b̂ = ‖a_l − b_l‖²,
//
// clipped below at 0 (its rounding can go negative), square-rooted for
// FormWeightedNorms and summed over the segments in float32. The Gram form
// cannot tell a squared distance below k_l·(‖a_l‖² + ‖b_l‖²) from 0 (k_l =
// models.GramFloor(n_l)), so a total below τ = τ_a + τ_b, with τ_a =
// Σ_l √k_l·‖a_l‖ (FormSquared: k·‖a‖²), is set to exactly 0: identical
// rows give 0, and every other value is the form's own. Values agree with
// the graph run by onnxruntime to float32 rounding (a few 1e-7 of the
// largest distance; the tests bound it), and with the exact float64
// formula to within τ.
//
// # Shapes and speed
//
// Tile takes a (a.N×F) and b (b.N×F) and writes a.N×b.N distances,
// row-major. The rows of a are packed in blocks of R, the rows of b in
// panels of C, both augmented and interleaved so that the block kernel
// reads the panel's C values of one feature as vectors and broadcasts the
// block's R values: one fused multiply-add per pair and feature, and one
// clip, square root and add per pair and segment, in registers. On amd64
// with AVX-512 the kernel is 8×32 (Go assembly, block_amd64.s), with AVX2
// and FMA 6×16; elsewhere, or when Options.Generic asks for it, a portable
// Go kernel (4×8) runs. Panels are shared out among Options.Threads
// goroutines; each writes its own columns of the result.
//
// Tile packs both sides' rows for every call; a Matrix (Kernel.Matrix)
// packs them once for all the tiles of one matrix, centred on the mean
// row of its whole first set, and is what the backends' Pairwise,
// AllPairs, KNN and .npy writers use. On one Zen 5 core, the shipped
// ensemble's layout (27 segments of 32) ran at 9.1e7 distances/s through
// Tile on 1024² tiles (BenchmarkTile) and at 1.0e8 through a Matrix of
// 4096² in such tiles (BenchmarkMatrix); the AVX2 kernel at 5.2e7 and
// 5.6e7.
//
// Memory: about 4·(a.N + b.N)·(F + segments + 1) bytes of packed rows
// per Tile call, reused across calls of one Kernel; a Matrix keeps one
// tile of a's rows, one of b's, and up to DefaultCache bytes of b's rows
// between tiles.
package segdist
