// Package tiling is what kenn's two runtime backends share: package
// runtime (onnxruntime, cgo) and package runtime/onnxgo (pure Go) both
// import it, and it imports neither (of runtime's packages only the
// native kernel, runtime/segdist), so it builds with CGO_ENABLED=0
// (internal/archtest checks that it links no cgo package, no
// onnxruntime_go, no onnx-go and no Gorgonia).
//
// It holds the batch and tile sizes of the backends' calls as option
// structs with their defaults (EmbedOptions, TileOptions), the tiling of a
// distance matrix (Grid, Tile), the in-memory assembly of a matrix from
// its tiles (Pairwise, PairwiseOf), the k-nearest-neighbour merge over
// tiles (KNN, KNNOf, Neighbor), and the .npy writers (Writer, WriteNPY,
// WriteFeatures) and kNN CSV (WriteKNN). The distances themselves come
// from a backend's TileFunc (rows against rows) or MatrixFunc (a tile of
// one matrix by position: ByRows of a TileFunc, or runtime/segdist's
// Matrix.Tile).
//
// Surface puts these together for a model: its tiles, matrices and
// nearest neighbours from the native kernel (runtime/segdist, the one
// package of runtime's that tiling imports) or else from the backend's
// run of the pairwise graph. Both backends' Models forward to one, so a
// third backend supplies its graph's TileFunc and gets the same
// Pairwise, AllPairs, KNN, Matrix, Centre and MatrixAbout.
//
// # Shapes and units
//
// Features are dataset.Features: N rows of F float32 values, row-major,
// as a backend's Embed returns them; F must be the model's feature count
// (CheckFeatures). A distance matrix between a (N rows) and b (M rows) is
// N×M float32, row-major: entry (i, j) at i·M + j, in the model's unit
// (metadata kenn.target: W2 in pixels, or W2² in pixels² for a W2² model
// such as dwe); an all-pairs matrix of one collection is N×N, exactly
// symmetric, with a zero diagonal. Batch sizes count images (or feature
// rows, for a decoder); a tile side counts rows and columns, so a tile
// holds at most Side² distances and a tiled computation needs
// O(Side·(Side + F)) memory besides its output.
//
// # Concurrency and errors
//
// Functions hold no state; a Writer is used from one goroutine. Shapes
// that do not match are errors (prefixed "tiling:"), not panics; a
// cancelled context stops Pairwise and KNN between tiles with ctx.Err().
package tiling
