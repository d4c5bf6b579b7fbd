package segdist

import (
	"fmt"

	"github.com/kenn-ot/kenn/models"
)

// Choice says what computes a backend's distance tiles (kenn's
// --pairwise): this package's kernel, or the exported pairwise graph run
// by the backend itself.
type Choice string

const (
	// Auto is Native where an assembly kernel runs and the backend
	// computes on the CPU (for onnxruntime on CUDA, the graph runs on the
	// GPU); Graph otherwise. The zero Choice is Auto.
	Auto Choice = "auto"
	// Native is this package's kernel, whatever the CPU.
	Native Choice = "native"
	// Graph is the model's pairwise file (NAME.pairwise.onnx, or the
	// onnx-go profile's) run by the backend.
	Graph Choice = "graph"
)

// Usage is the help of kenn's --pairwise flag, on either backend.
const Usage = "what computes the distances: auto (this CPU's native kernel, runtime/segdist: assembly where AVX2 or AVX-512 runs; onnxruntime on CUDA runs the graph), native, or graph (the model's pairwise .onnx file in the backend)"

// ParseChoice reads a --pairwise value: auto, native or graph ("" is
// auto).
func ParseChoice(s string) (Choice, error) {
	switch c := Choice(s); c {
	case "", Auto:
		return Auto, nil
	case Native, Graph:
		return c, nil
	}
	return "", fmt.Errorf("segdist: --pairwise %q: want auto, native or graph", s)
}

// ForModel is the kernel a backend computing on the CPU (cpu true) uses
// for a model of the given form, segments and weights under choice c, or
// nil when the graph is to run. Under Native a model the kernel refuses
// is an error; under Auto it falls back to the graph.
func ForModel(c Choice, cpu bool, form models.Form, segments []int, weights []float32, threads int) (*Kernel, error) {
	if c == Graph {
		return nil, nil
	}
	k, err := New(form, segments, weights, Options{Threads: threads})
	if c == Native {
		return k, err
	}
	if err != nil || !cpu || !k.Accelerated() {
		return nil, nil
	}
	return k, nil
}
