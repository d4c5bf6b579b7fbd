// Package runtime runs kenn's exported ONNX models with onnxruntime
// (github.com/yalue/onnxruntime_go over the shared library
// libonnxruntime.so.1) to compute embeddings, pairwise distance matrices
// and nearest neighbours at scale.
//
// Architecture rule, checked by internal/archtest: runtime never imports
// Gorgonia; a deployment needs only onnxruntime.
//
// # The library
//
// Open looks for libonnxruntime.so.1 (LibraryCandidates) in
// Options.Library, then in $ONNXRUNTIME_SHARED_LIBRARY_PATH, beside the
// running executable (its folder, then ../lib/kenn/ as `kenn setup
// --prefix` installs it), in the user cache ($XDG_CACHE_HOME/kenn or
// ~/.cache/kenn, where `kenn setup` puts it), at the path recorded when
// the binary was built (`make build`), and last in the Makefile's cache
// (.cache/onnxruntime/ of the working directory or a parent), where
// `make ort` puts the one shipped in the npm package onnxruntime-node
// 1.30.0. So a kenn binary works from any folder once set up. The onnxruntime
// environment is process-wide: one Runtime may be
// open at a time, and Close destroys its sessions and tensors before the
// environment (which unloads the library).
//
// # Units and shapes
//
// Images are float32 [N, 1, H, W] raw intensities (dataset.Images);
// features are dataset.Features, N rows of F values (Embed returns them,
// F the model's Model.F, as in the export package), and every call that
// takes features refuses, with an error, rows that are not of the model's
// F or a Features whose data does not match its shape. Distances are the
// model's (W2² in pixels² for dwe, W2 in pixels otherwise, metadata
// kenn.target): Pairwise(a, b) is the a.N×b.N matrix, row-major, and
// AllPairs(a) the a.N×a.N all-pairs matrix (one triangle computed and
// mirrored: exactly symmetric, zero diagonal). Pairwise matrices are
// computed in tiles of T×T (tiling.TileOptions, default
// tiling.DefaultTile = 1024) and PairwiseNPY and AllPairsNPY stream them to
// a .npy file of float32 (tiling.Writer), so that memory is O(T·(T + F))
// whatever N and M are. Embed runs in batches of tiling.EmbedOptions.Batch
// images (default tiling.DefaultBatch = 256). The option structs, the
// tiling, the kNN merge and the writers are package runtime/tiling, shared
// with the pure-Go backend runtime/onnxgo.
//
// # Verification at load
//
// Load and LoadSampler read every file of the set that exists with
// export.ReadSet before onnxruntime sees it, and create the sessions from
// the bytes verified: each file's initializers must hash to its
// kenn.initializers_sha256, every sibling must carry the main file's
// kenn.model_id (a set mixed from two models, e.g. an export killed
// between renames, is refused naming the file), and a truncated file is
// refused naming it. Files exported before model ids were recorded are
// refused (export.ErrNoModelID) with the command that re-exports them
// from their checkpoint: kenn export M.ckpt -o NAME.onnx.
//
// # Domain
//
// Model.Domain is the training images' models.Domain from kenn.domain
// (nil for a file that records none); Model.Screen places a collection
// against it, as kenn's model commands do before they embed it.
package runtime
