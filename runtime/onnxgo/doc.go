// Package onnxgo is kenn's pure-Go runtime backend: it runs the onnx-go
// export profile (package export, ExportOnnxGo: NAME.onnxgo.onnx,
// NAME.onnxgo.pairwise.onnx and, for dwe, NAME.onnxgo.decoder.onnx, the
// same model in operators gorgonnx implements) with
// github.com/owulveryck/onnx-go v0.5.0 and its Gorgonia backend
// (gorgonnx). No cgo and no onnxruntime library: `CGO_ENABLED=0 go build
// ./cmd/kenn-purego` gives a static binary; `kenn embed|pairwise|knn
// --backend onnx-go` runs the same code in kenn.
//
// Architecture rule (internal/archtest): this package never imports
// onnxruntime_go (so not package runtime either), build or Beam, and the
// onnxruntime path (package runtime) never imports this one, so a
// deployment on onnxruntime links no Gorgonia. *Model implements
// runtime.Backend (checked in this package's tests), with the same
// shapes: features in and out as dataset.Features of the model's F, batch
// and tile sizes as tiling.EmbedOptions and tiling.TileOptions (package
// runtime/tiling, cgo-free, which both backends import; its tiling, kNN
// merge and writers are this package's too). The default tile side here
// is DefaultTile (512), onnxruntime's tiling.DefaultTile (1024).
//
// # What runs where
//
// On both backends: every model kind's embedding (dwe, deepkenn, odekenn,
// naive, ensembles), its pairwise distance matrix and kNN, and the dwe
// decoder. Only on onnxruntime: NAME.pair.onnx (Split, ReduceL2), snn
// samplers (RandomNormal), CUDA. onnx-go needs the onnx-go profile: the
// default files use ReduceSum, ReduceSumSquare, ReduceMean, Slice, Where
// and 1-D bias broadcasts, which gorgonnx lacks or gets wrong.
//
// Tolerances against onnxruntime (tests on MNIST test digits, every
// kind): features within 1e-5 of the largest feature, distances within
// 1e-4 of the largest distance (measured: ≤ 1.2e-6 and ≤ 1.1e-6);
// identical images give +0 on both.
//
// # Speed
//
// gorgonnx fixes every shape when it builds a graph, so a graph is built
// per input shape and kept (at most 4 per file). Measured on 500 MNIST
// test digits, `pairwise --timing`, on a 2-core machine shared with other
// jobs (load average 5–7), so the figures are rough:
//
//	model (shipped)             backend       embed images/s   distances/s
//	odekenn-ensemble (F = 864)  onnxruntime   865              1.1e6
//	                            onnx-go       69               1.5e5
//	deepkenn (F = 15840)        onnxruntime   1120             7.2e5
//	                            onnx-go       169              3.5e4
//
// (onnx-go computes one triangle of the all-pairs matrix, 125,250
// distances; onnxruntime's figure counts 250,000.)
package onnxgo
