package runtime

import (
	"context"

	"github.com/kenn-ot/kenn/dataset"
)

// Backend is what a command needs from a loaded model set, whatever runs
// it: *Model (onnxruntime, CPU or CUDA) and *onnxgo.Model (package
// runtime/onnxgo: pure Go through github.com/owulveryck/onnx-go, on the
// onnx-go export profile) both implement it. The onnxruntime path never
// imports runtime/onnxgo (internal/archtest checks it), so a deployment
// on onnxruntime links no Gorgonia.
type Backend interface {
	// CheckImages refuses images the model cannot take.
	CheckImages(imgs *dataset.Images) error
	// Embed returns the features [N, F] (row-major) of every image.
	Embed(ctx context.Context, imgs *dataset.Images, batch int) ([]float32, error)
	// PairwiseTile writes the na×nb distances (kenn.target) between the
	// rows of a and of b into out.
	PairwiseTile(a []float32, na int, b []float32, nb int, out []float32) error
	// Pairwise is the na×nb matrix; with b nil, the symmetric all-pairs
	// matrix of a with a zero diagonal.
	Pairwise(ctx context.Context, a []float32, na int, b []float32, nb int, tile int) ([]float32, error)
	// Distance is the model's exact distance between two feature rows.
	Distance(fx, fy []float32) float64
}

// Backends that kenn's commands choose with --backend.
const (
	BackendOnnxruntime = "onnxruntime"
	BackendOnnxGo      = "onnx-go"
)
