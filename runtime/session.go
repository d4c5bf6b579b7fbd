package runtime

import (
	"fmt"
	"os"

	ort "github.com/yalue/onnxruntime_go"
)

// Tensor is a float32 tensor of the given dimensions (row-major data).
type Tensor struct {
	Dims []int64
	Data []float32
}

// Session runs one ONNX file with whatever inputs and output its graph
// names, on the runtime's device and threads: any file of a kenn set, of
// either export profile (the conformance suite, internal/conformance,
// runs every file this way). kenn's commands use Model instead. A Session
// may be run from one goroutine at a time.
type Session struct {
	path   string
	inputs []string
	s      *ort.DynamicAdvancedSession
}

// OpenFile reads path and creates its session with the given input names
// (fed in that order by Run) and single output name. The file is run as
// it is: its checksums are not verified (Load does that for a set).
func (r *Runtime) OpenFile(path string, inputs []string, output string) (*Session, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	so, err := r.sessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(raw, inputs, []string{output}, so)
	if err != nil {
		return nil, fmt.Errorf("runtime: %s: %w", path, err)
	}
	return &Session{path: path, inputs: inputs, s: s}, nil
}

// Run feeds one tensor per input name and returns the output tensor.
func (s *Session) Run(in ...Tensor) (Tensor, error) {
	if len(in) != len(s.inputs) {
		return Tensor{}, fmt.Errorf("runtime: %s: %d inputs given, the session takes %d (%v)", s.path, len(in), len(s.inputs), s.inputs)
	}
	vals := make([]ort.Value, len(in))
	for i, t := range in {
		v, err := ort.NewTensor(ort.NewShape(t.Dims...), t.Data)
		if err != nil {
			for _, d := range vals[:i] {
				d.Destroy()
			}
			return Tensor{}, fmt.Errorf("runtime: %s: input %s %v: %w", s.path, s.inputs[i], t.Dims, err)
		}
		vals[i] = v
	}
	defer func() {
		for _, v := range vals {
			v.Destroy()
		}
	}()
	outs := []ort.Value{nil}
	if err := s.s.Run(vals, outs); err != nil {
		return Tensor{}, fmt.Errorf("runtime: %s: %w", s.path, err)
	}
	defer outs[0].Destroy()
	t, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		return Tensor{}, fmt.Errorf("runtime: %s: the output is %T, want a float32 tensor", s.path, outs[0])
	}
	return Tensor{Dims: append([]int64(nil), t.GetShape()...), Data: append([]float32(nil), t.GetData()...)}, nil
}

// Close releases the session.
func (s *Session) Close() error { return s.s.Destroy() }
