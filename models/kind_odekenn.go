package models

import (
	"errors"
	"fmt"
)

// KindODEKENN follows a Neural ODE from the encoder's output: z(0) = φ(x),
// dz/dt = g(z, t) on [0, 1] with K fixed RK4 steps, and
// d(x, y) = Σ_k w_k·‖z_x(t_k) − z_y(t_k)‖₂ with w_k from α by the model's
// Weighting (ParamAlpha holds α, ParamODEW1 … ParamODEB2 the field g).
const KindODEKENN Kind = "odekenn"

// ODE describes ODE-KENN's vector field and solver.
type ODE struct {
	Dim    int `json:"dim"`    // state dimension d (the encoder's output)
	Hidden int `json:"hidden"` // hidden units of g
	Steps  int `json:"steps"`  // K fixed RK4 steps on [0, 1]
}

func odeKENNKind() kindSpec {
	return kindSpec{
		kind: KindODEKENN, target: TargetW2, form: FormWeightedNorms, weights: ParamAlpha,
		params: func(m *Model) []Param {
			o := m.ODE
			ps := append(m.encoderParams(),
				Param{ParamODEW1, []int{o.Dim + 1, o.Hidden}}, Param{ParamODEB1, []int{o.Hidden}},
				Param{ParamODEW2, []int{o.Hidden, o.Dim}}, Param{ParamODEB2, []int{o.Dim}})
			return append(ps, weightParams(m, ParamAlpha, o.Steps+1)...)
		},
		segments: func(m *Model) []int { // each state z(t_k)
			out := make([]int, m.ODE.Steps+1)
			for i := range out {
				out[i] = m.ODE.Dim
			}
			return out
		},
		validate: func(m *Model) error {
			if err := m.validateEncoder(); err != nil {
				return err
			}
			if err := m.validateNoDecoder(); err != nil {
				return err
			}
			if m.ODE == nil || m.ODE.Steps <= 0 || m.ODE.Hidden <= 0 {
				return errors.New("models: odekenn needs an ODE with steps and hidden units")
			}
			if m.ODE.Dim != m.outputDim() {
				return fmt.Errorf("models: ODE dimension %d, encoder output %d", m.ODE.Dim, m.outputDim())
			}
			return nil
		},
		weightNames: func(c *Checkpoint) []string { // the times t_k = k/K
			m := c.Model
			names := make([]string, m.ODE.Steps+1)
			for l := range names {
				names[l] = fmt.Sprintf("%.3g", float64(l)/float64(m.ODE.Steps))
			}
			return names
		},
		onBackbone: func(h, w int, b Backbone, hidden, steps int) *Model { return ODEKENN(h, w, b, hidden, steps) },
	}
}

// ODEKENN encodes to R^d with the backbone (d = b.Out) and follows the
// Neural ODE trajectory for steps RK4 steps; its time weights are
// WeightingSoftmax.
func ODEKENN(h, w int, b Backbone, hidden, steps int) *Model {
	ls := b.layers(false)
	for i := range ls {
		ls[i].Feature = false
	}
	return &Model{Kind: KindODEKENN, H: h, W: w, Target: TargetW2, Encoder: ls,
		ODE: &ODE{Dim: b.Out, Hidden: hidden, Steps: steps}, Weighting: WeightingSoftmax}
}
