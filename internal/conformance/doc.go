// Package conformance holds kenn's one conformance suite (the GoMLX way):
// every image model kind (models.Kinds: dwe, deepkenn, odekenn, naive,
// ensemble) × every file the export writes (both profiles: NAME.onnx,
// NAME.pairwise.onnx, NAME.pair.onnx, NAME.decoder.onnx and the onnx-go
// profile's NAME.onnxgo.*) × every backend:
//
//   - onnxruntime in Go (package runtime, CPU: each file in its own
//     session), and the same on cuda:0;
//   - kenn's own models, as its commands run them: runtime.Model
//     (onnxruntime, the default profile) and onnxgo.Model (onnx-go, the
//     onnx-go profile) — Embed in batches, the all-pairs matrix in tiles,
//     the dwe decoder (the pair file is not theirs: they compute a pair
//     from two embeddings);
//   - onnx-go (github.com/owulveryck/onnx-go with gorgonnx, pure Go), the
//     runtime of runtime/onnxgo, fed each file as it is;
//   - onnxruntime-node (npm, the CPU build);
//   - onnxruntime-web (npm, wasm, one thread) in Debian's headless Chromium,
//     driven by puppeteer-core, pages served on 127.0.0.1 by the test.
//
// Every backend runs every file on the same inputs: small models with
// fixed seeded weights and MNIST test digits from testdata/. Outputs are
// compared with a reference that none of the backends computes: the
// features with the model's formula in float64 (Gorgonia, package build,
// on a float64 graph), distances with models.Distance in float64. The
// dwe decoder has no float64 twin; its reference is onnxruntime in Go on
// the default file (that row is marked "reference"). A file a backend
// cannot run, or a backend that cannot start (CUDA without a GPU build of
// onnxruntime), is reported as skipped with the reason — t.Skip and a row
// of the table — never as passed.
//
// The suite is the test TestConformance (make test runs it); `make
// conformance` runs it with -write-table, which writes its table into
// README.md and docs/runtimes.md between the conformance markers.
package conformance
