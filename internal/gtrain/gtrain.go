// Package gtrain is the Gorgonia training kit shared by the image models'
// trainer (build) and the stochastic neural networks' (build/snn): values
// in and out of graph nodes, weights copied from checkpoint tensors, the
// Adam optimizer whose state lives beside the weights, and the epoch
// bookkeeping (best weights, learning-rate halving, early stopping) of a
// models.TrainState.
//
// It knows tensors by name only (map[string][]float32, the Tensors of
// models.Checkpoint and models/snn.Checkpoint), not model descriptions.
package gtrain

import (
	"errors"
	"fmt"
	"math"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/models"
)

// TrainSuffix is appended to a run's output path for its resumable state.
const TrainSuffix = ".train"

// ErrInterrupted is returned when training stops before its end; the
// state is saved and the same call resumes it.
var ErrInterrupted = errors.New("training interrupted")

// Constant is a scalar constant of the graph's element type.
func Constant(dt tensor.Dtype, v float64) *G.Node {
	if dt == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}

// Bind binds a copy of data, converted to dt, to an input node of its shape
// (a copy: the caller may reuse data, and the graph may work in place).
func Bind(node *G.Node, dt tensor.Dtype, data []float64) error {
	var t *tensor.Dense
	if dt == tensor.Float32 {
		f := make([]float32, len(data))
		for i, v := range data {
			f[i] = float32(v)
		}
		t = tensor.New(tensor.WithShape(node.Shape()...), tensor.WithBacking(f))
	} else {
		t = tensor.New(tensor.WithShape(node.Shape()...), tensor.WithBacking(append([]float64(nil), data...)))
	}
	return G.Let(node, t)
}

// Values copies a node's value (float32 or float64, tensor or scalar) to
// float64s; nil for another type.
func Values(v G.Value) []float64 {
	switch d := v.Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	case float32:
		return []float64{float64(d)}
	case float64:
		return []float64{d}
	}
	return nil
}

// ZeroGrads clears the gradients bound to params: the tape machine
// accumulates into them, so every run that computes them starts here.
func ZeroGrads(params []*G.Node) {
	for _, p := range params {
		if g, err := p.Grad(); err == nil {
			if z, ok := g.(tensor.Tensor); ok {
				z.Zero()
			}
		}
	}
}

// SetParams copies tensors[name] into each parameter node of that name.
func SetParams(params []*G.Node, tensors map[string][]float32) error {
	for _, p := range params {
		src, ok := tensors[p.Name()]
		if !ok {
			return fmt.Errorf("build: checkpoint lacks %s", p.Name())
		}
		if err := SetData(p, src); err != nil {
			return err
		}
	}
	return nil
}

// SetData copies src into node's value (allocated if it has none).
func SetData(node *G.Node, src []float32) error {
	v := node.Value()
	if v == nil {
		t := tensor.New(tensor.Of(node.Dtype()), tensor.WithShape(node.Shape()...))
		if err := G.Let(node, t); err != nil {
			return err
		}
		v = node.Value()
	}
	switch d := v.Data().(type) {
	case []float32:
		if len(d) != len(src) {
			return fmt.Errorf("build: %s has %d values, want %d", node.Name(), len(src), len(d))
		}
		copy(d, src)
	case []float64:
		if len(d) != len(src) {
			return fmt.Errorf("build: %s has %d values, want %d", node.Name(), len(src), len(d))
		}
		for i, x := range src {
			d[i] = float64(x)
		}
	}
	return nil
}

// Adam is the optimizer, kept in Go so that its state lives in the
// checkpoint (moments "adam.m/NAME", "adam.v/NAME") and a resumed run
// continues exactly.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
}

// DefaultAdam has the usual constants.
func DefaultAdam(lr float64) Adam { return Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// Update applies one Adam step from the parameter nodes' gradients to
// tensors (step counts from 1) and copies the new weights into the nodes.
func (a Adam) Update(params []*G.Node, tensors map[string][]float32, step int) error {
	b1c := 1 - math.Pow(a.Beta1, float64(step))
	b2c := 1 - math.Pow(a.Beta2, float64(step))
	for _, p := range params {
		name := p.Name()
		gv, err := p.Grad()
		if err != nil {
			return fmt.Errorf("build: gradient of %s: %w", name, err)
		}
		g := Values(gv)
		w := tensors[name]
		mk, vk := "adam.m/"+name, "adam.v/"+name
		if tensors[mk] == nil {
			tensors[mk] = make([]float32, len(w))
			tensors[vk] = make([]float32, len(w))
		}
		mm, vv := tensors[mk], tensors[vk]
		for i := range w {
			gi := g[i]
			mi := a.Beta1*float64(mm[i]) + (1-a.Beta1)*gi
			vi := a.Beta2*float64(vv[i]) + (1-a.Beta2)*gi*gi
			mm[i], vv[i] = float32(mi), float32(vi)
			w[i] -= float32(a.LR * (mi / b1c) / (math.Sqrt(vi/b2c) + a.Eps))
		}
		if err := SetData(p, w); err != nil {
			return err
		}
	}
	return nil
}

// EndEpoch records a finished epoch's validation loss in st: the best
// weights of params are kept in tensors as "best/NAME"; after every
// lrPatience epochs without gain the learning rate halves; after patience
// of them training is done. It reports whether the epoch improved.
func EndEpoch(st *models.TrainState, tensors map[string][]float32, params []models.Param, val float64, adam *Adam, patience, lrPatience int, took time.Duration) bool {
	improved := val < st.BestVal
	if improved {
		st.BestVal, st.BestEpoch, st.Bad = val, st.Epoch+1, 0
		for _, p := range params {
			tensors["best/"+p.Name] = append([]float32(nil), tensors[p.Name]...)
		}
	} else {
		st.Bad++
		if lrPatience > 0 && st.Bad%lrPatience == 0 {
			st.LR /= 2
			adam.LR = st.LR
		}
	}
	st.Epoch++
	st.EpochStep = 0
	st.Seconds += took.Seconds()
	if st.Bad >= patience {
		st.Done, st.StopReason = true, fmt.Sprintf("early stop: no validation gain in %d epochs", st.Bad)
	}
	return improved
}

// Final is the result of a training run from its state st and tensors:
// the best weights of params (the current ones if none was kept), no
// optimizer state, and a copy of the state marked done (st gets its stop
// reason).
func Final(st *models.TrainState, tensors map[string][]float32, params []models.Param) (map[string][]float32, map[string][]int, *models.TrainState) {
	done := *st
	if done.StopReason == "" {
		done.StopReason = models.CapStopReason(done.Epoch)
	}
	done.Done = true
	st.StopReason = done.StopReason
	ts, shapes := map[string][]float32{}, map[string][]int{}
	for _, p := range params {
		w := tensors["best/"+p.Name]
		if w == nil {
			w = tensors[p.Name]
		}
		ts[p.Name], shapes[p.Name] = w, p.Shape
	}
	return ts, shapes, &done
}
