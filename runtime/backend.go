package runtime

import (
	"context"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Backend is what a command needs from a loaded model set, whatever runs
// it: *Model (onnxruntime, CPU or CUDA) and *onnxgo.Model (package
// runtime/onnxgo: pure Go through github.com/owulveryck/onnx-go, on the
// onnx-go export profile) both implement it. The onnxruntime path never
// imports runtime/onnxgo (internal/archtest checks it), so a deployment
// on onnxruntime links no Gorgonia. What both share (options, tiling,
// kNN merge, writers) is package runtime/tiling.
//
// Features are dataset.Features of the model's F (runtime.Model.F,
// onnxgo.Model.F); others are refused with an error. Distance matrices
// are row-major float32, the model's distances (kenn.target: W2 in
// pixels, or W2² in pixels²).
type Backend interface {
	// CheckImages refuses images the model cannot take.
	CheckImages(imgs *dataset.Images) error
	// Screen places images against the model's training domain
	// (tiling.Screen); ok is false when the model records none.
	Screen(imgs *dataset.Images) (r models.Screening, ok bool)
	// Embed returns the features [imgs.N, F] of every image.
	Embed(ctx context.Context, imgs *dataset.Images, opt tiling.EmbedOptions) (dataset.Features, error)
	// PairwiseTile writes the a.N×b.N distances between the rows of a and
	// of b into out (a tiling.TileFunc).
	PairwiseTile(a, b dataset.Features, out []float32) error
	// Matrix is the tiling.MatrixFunc of the distances between the rows
	// of a and of b that Pairwise and AllPairs take their tiles from.
	Matrix(a, b dataset.Features) (tiling.MatrixFunc, error)
	// Pairwise is the a.N×b.N matrix between the rows of a and of b.
	Pairwise(ctx context.Context, a, b dataset.Features, opt tiling.TileOptions) ([]float32, error)
	// AllPairs is the a.N×a.N all-pairs matrix of a: exactly symmetric,
	// with a zero diagonal.
	AllPairs(ctx context.Context, a dataset.Features, opt tiling.TileOptions) ([]float32, error)
	// KNN is the k nearest index rows of every query row, nearest first
	// (ties by lower index); k must be in [1, index.N] (an error
	// otherwise, on every backend).
	KNN(ctx context.Context, index, query dataset.Features, k int, opt tiling.TileOptions) ([][]tiling.Neighbor, error)
	// Distance is the model's exact distance between two feature rows.
	Distance(fx, fy []float32) float64
	// PairwiseKernel says what computes the distance tiles: "native …"
	// (runtime/segdist) or "graph" (the model's pairwise file).
	PairwiseKernel() string
}

// Backends that kenn's commands choose with --backend.
const (
	BackendOnnxruntime = "onnxruntime"
	BackendOnnxGo      = "onnx-go"
)

var _ Backend = (*Model)(nil)
