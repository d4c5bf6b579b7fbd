package models

import (
	"errors"
	"fmt"
	"math"
)

// Model kinds.
const (
	KindDWE      = "dwe"
	KindDeepKENN = "deepkenn"
	KindODEKENN  = "odekenn"
	KindNaive    = "naive"
)

// Kinds lists the model kinds.
var Kinds = []string{KindDWE, KindDeepKENN, KindODEKENN, KindNaive}

// Layer operations and activations.
const (
	OpConv  = "conv"
	OpDense = "dense"

	ActNone = ""
	ActReLU = "relu"
)

// Targets.
const (
	TargetW2Sq = "w2sq"
	TargetW2   = "w2"
)

// Layer is one encoder layer.
type Layer struct {
	Name    string `json:"name"`
	Op      string `json:"op"`
	Out     int    `json:"out"`              // channels (conv) or units (dense)
	Kernel  int    `json:"kernel,omitempty"` // conv kernel side, odd
	Act     string `json:"act,omitempty"`
	Feature bool   `json:"feature,omitempty"` // a distance segment (deepkenn, naive)
}

// ODE describes ODE-KENN's vector field and solver.
type ODE struct {
	Dim    int `json:"dim"`    // state dimension d (the encoder's output)
	Hidden int `json:"hidden"` // hidden units of g
	Steps  int `json:"steps"`  // K fixed RK4 steps on [0, 1]
}

// Model is a declarative description. It holds no weights.
type Model struct {
	Kind    string  `json:"kind"`
	H       int     `json:"h"`
	W       int     `json:"w"`
	Target  string  `json:"target"`
	Encoder []Layer `json:"encoder"`
	ODE     *ODE    `json:"ode,omitempty"`
	// Decoder is DWE's ψ: dense layers, then a reshape to
	// [DecoderChannels, H, W], then conv layers, then a softmax over pixels.
	Decoder         []Layer `json:"decoder,omitempty"`
	DecoderChannels int     `json:"decoder_channels,omitempty"`
	// SNN is the description of a stochastic neural network (kind snn);
	// image fields are unused then.
	SNN *SNN `json:"snn,omitempty"`
	// Members are the models an ensemble (kind ensemble) averages.
	Members []*Model `json:"members,omitempty"`
}

// Shape is the output shape of a layer: C×H×W for conv, N for dense (C=N,
// H=W=1).
type Shape struct{ C, H, W int }

// Size is the number of values.
func (s Shape) Size() int { return s.C * s.H * s.W }

// Param is a named parameter tensor.
type Param struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// Size is the number of values.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// EncoderShapes returns the output shape of each encoder layer.
func (m *Model) EncoderShapes() []Shape {
	return chainShapes(Shape{1, m.H, m.W}, m.Encoder)
}

func chainShapes(in Shape, layers []Layer) []Shape {
	out := make([]Shape, len(layers))
	cur := in
	for i, l := range layers {
		switch l.Op {
		case OpConv:
			cur = Shape{l.Out, cur.H, cur.W}
		case OpDense:
			cur = Shape{l.Out, 1, 1}
		}
		out[i] = cur
	}
	return out
}

// Features lists the encoder layers whose outputs are distance segments
// (deepkenn, naive), in order.
func (m *Model) Features() []int {
	var f []int
	for i, l := range m.Encoder {
		if l.Feature {
			f = append(f, i)
		}
	}
	return f
}

// EmbeddingDim is the length of the embedding: the sum of Segments().
func (m *Model) EmbeddingDim() int {
	n := 0
	for _, s := range m.Segments() {
		n += s
	}
	return n
}

// outputDim is the size of the encoder's last layer.
func (m *Model) outputDim() int {
	sh := m.EncoderShapes()
	return sh[len(sh)-1].Size()
}

// Params lists every parameter, in a fixed order: encoder layers, then the
// distance weights, the ODE and the decoder.
func (m *Model) Params() []Param {
	if m.Kind == KindSNN {
		return m.SNN.params()
	}
	if m.Kind == KindEnsemble {
		return m.ensembleParams()
	}
	var ps []Param
	add := func(prefix string, in Shape, layers []Layer) Shape {
		for _, l := range layers {
			name := prefix + l.Name
			switch l.Op {
			case OpConv:
				ps = append(ps, Param{name + ".W", []int{l.Out, in.C, l.Kernel, l.Kernel}}, Param{name + ".b", []int{l.Out}})
				in = Shape{l.Out, in.H, in.W}
			case OpDense:
				ps = append(ps, Param{name + ".W", []int{in.Size(), l.Out}}, Param{name + ".b", []int{l.Out}})
				in = Shape{l.Out, 1, 1}
			}
		}
		return in
	}
	add("", Shape{1, m.H, m.W}, m.Encoder)
	switch m.Kind {
	case KindDeepKENN, KindNaive:
		ps = append(ps, Param{"beta", []int{len(m.Features())}})
	case KindODEKENN:
		o := m.ODE
		ps = append(ps,
			Param{"ode.W1", []int{o.Dim + 1, o.Hidden}}, Param{"ode.b1", []int{o.Hidden}},
			Param{"ode.W2", []int{o.Hidden, o.Dim}}, Param{"ode.b2", []int{o.Dim}},
			Param{"alpha", []int{o.Steps + 1}})
	}
	if len(m.Decoder) > 0 {
		var dense, conv []Layer
		for _, l := range m.Decoder {
			if l.Op == OpDense {
				dense = append(dense, l)
			} else {
				conv = append(conv, l)
			}
		}
		add("dec.", Shape{m.EmbeddingDim(), 1, 1}, dense)
		add("dec.", Shape{m.DecoderChannels, m.H, m.W}, conv)
	}
	return ps
}

// NumParams counts every parameter value, decoder included.
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.Params() {
		n += p.Size()
	}
	return n
}

// NumDistanceParams counts the parameters that the distance depends on
// (all but DWE's decoder): the count that "matched" models share.
func (m *Model) NumDistanceParams() int {
	n := 0
	for _, p := range m.Params() {
		if len(p.Name) < 4 || p.Name[:4] != "dec." {
			n += p.Size()
		}
	}
	return n
}

// Validate checks the description for consistency.
func (m *Model) Validate() error {
	if m.Kind == KindSNN {
		if m.SNN == nil {
			return errors.New("models: snn without its description")
		}
		return m.SNN.validate()
	}
	if m.Kind == KindEnsemble {
		return m.validateEnsemble()
	}
	if m.H <= 0 || m.W <= 0 {
		return fmt.Errorf("models: input size %dx%d", m.H, m.W)
	}
	known := false
	for _, k := range Kinds {
		known = known || k == m.Kind
	}
	if !known {
		return fmt.Errorf("models: unknown kind %q", m.Kind)
	}
	if len(m.Encoder) == 0 {
		return errors.New("models: empty encoder")
	}
	dense := false
	for i, l := range m.Encoder {
		switch l.Op {
		case OpConv:
			if dense {
				return fmt.Errorf("models: layer %d (%s): conv after dense", i, l.Name)
			}
			if l.Kernel <= 0 || l.Kernel%2 == 0 {
				return fmt.Errorf("models: layer %d (%s): kernel %d must be odd", i, l.Name, l.Kernel)
			}
		case OpDense:
			dense = true
		default:
			return fmt.Errorf("models: layer %d: unknown op %q", i, l.Op)
		}
		if l.Out <= 0 {
			return fmt.Errorf("models: layer %d (%s): %d outputs", i, l.Name, l.Out)
		}
		if l.Act != ActNone && l.Act != ActReLU {
			return fmt.Errorf("models: layer %d (%s): unknown activation %q", i, l.Name, l.Act)
		}
	}
	switch m.Kind {
	case KindDWE:
		if m.Target != TargetW2Sq {
			return errors.New("models: dwe predicts w2sq")
		}
	case KindODEKENN:
		if m.ODE == nil || m.ODE.Steps <= 0 || m.ODE.Hidden <= 0 {
			return errors.New("models: odekenn needs an ODE with steps and hidden units")
		}
		if m.ODE.Dim != m.outputDim() {
			return fmt.Errorf("models: ODE dimension %d, encoder output %d", m.ODE.Dim, m.outputDim())
		}
	case KindDeepKENN, KindNaive:
		if len(m.Features()) == 0 {
			return errors.New("models: no feature layers")
		}
	}
	if m.Kind != KindDWE && m.Target != TargetW2 {
		return fmt.Errorf("models: %s predicts w2", m.Kind)
	}
	return nil
}

// DWE is the Deep Wasserstein Embedding of Courty, Flamary and Ducoffe
// (2018): encoder Conv(20, 3×3) + ReLU → Conv(5, 5×5) + ReLU → Dense(100)
// → Dense(50), no activation on the dense layers (as in the reference
// code); decoder Dense(100) + ReLU → Dense(5·H·W) + ReLU → reshape 5×H×W →
// Conv(10, 5×5) + ReLU → Conv(1, 3×3) → softmax over pixels.
func DWE(h, w int) *Model {
	return &Model{
		Kind: KindDWE, H: h, W: w, Target: TargetW2Sq,
		Encoder: []Layer{
			{Name: "conv1", Op: OpConv, Out: 20, Kernel: 3, Act: ActReLU},
			{Name: "conv2", Op: OpConv, Out: 5, Kernel: 5, Act: ActReLU},
			{Name: "fc1", Op: OpDense, Out: 100},
			{Name: "fc2", Op: OpDense, Out: 50},
		},
		Decoder: []Layer{
			{Name: "fc1", Op: OpDense, Out: 100, Act: ActReLU},
			{Name: "fc2", Op: OpDense, Out: 5 * h * w, Act: ActReLU},
			{Name: "conv1", Op: OpConv, Out: 10, Kernel: 5, Act: ActReLU},
			{Name: "conv2", Op: OpConv, Out: 1, Kernel: 3},
		},
		DecoderChannels: 5,
	}
}

// Backbone sizes a KENN CNN: Conv(C1, 3×3) + ReLU → Conv(C2, 5×5) + ReLU →
// Dense(Hidden) + ReLU → Dense(Out).
type Backbone struct{ C1, C2, Hidden, Out int }

// DefaultBackbone is the backbone of kenn's KENN models.
var DefaultBackbone = Backbone{C1: 16, C2: 4, Hidden: 128, Out: 32}

func (b Backbone) layers(features bool) []Layer {
	ls := []Layer{
		{Name: "conv1", Op: OpConv, Out: b.C1, Kernel: 3, Act: ActReLU},
		{Name: "conv2", Op: OpConv, Out: b.C2, Kernel: 5, Act: ActReLU},
		{Name: "fc1", Op: OpDense, Out: b.Hidden, Act: ActReLU},
		{Name: "fc2", Op: OpDense, Out: b.Out},
	}
	for i := range ls {
		ls[i].Feature = features || i == len(ls)-1
	}
	return ls
}

// DeepKENN sums learned positive weights times the distances between every
// intermediate feature map of the backbone.
func DeepKENN(h, w int, b Backbone) *Model {
	return &Model{Kind: KindDeepKENN, H: h, W: w, Target: TargetW2, Encoder: b.layers(true)}
}

// Naive is the single-layer baseline: the distance between the last
// feature layer's outputs alone, with one learned positive scale.
func Naive(h, w int, b Backbone) *Model {
	return &Model{Kind: KindNaive, H: h, W: w, Target: TargetW2, Encoder: b.layers(false)}
}

// ODEKENN encodes to R^d with the backbone (d = b.Out) and follows the
// Neural ODE trajectory for steps RK4 steps.
func ODEKENN(h, w int, b Backbone, hidden, steps int) *Model {
	ls := b.layers(false)
	for i := range ls {
		ls[i].Feature = false
	}
	return &Model{Kind: KindODEKENN, H: h, W: w, Target: TargetW2, Encoder: ls,
		ODE: &ODE{Dim: b.Out, Hidden: hidden, Steps: steps}}
}

// Matched returns the deepkenn, odekenn and naive models whose distance
// parameter counts are closest to target, varying the backbone's dense
// width (and nothing else), so that the comparison of the three kinds is
// at equal capacity.
func Matched(kind string, h, w, target int, b Backbone, odeHidden, odeSteps int) (*Model, error) {
	build := func(hidden int) *Model {
		bb := b
		bb.Hidden = hidden
		switch kind {
		case KindDeepKENN:
			return DeepKENN(h, w, bb)
		case KindNaive:
			return Naive(h, w, bb)
		case KindODEKENN:
			return ODEKENN(h, w, bb, odeHidden, odeSteps)
		}
		return nil
	}
	if build(1) == nil {
		return nil, fmt.Errorf("models: kind %q has no matched form", kind)
	}
	best, bestDiff := 0, math.MaxInt
	for hidden := 1; hidden <= 4096; hidden++ {
		d := build(hidden).NumDistanceParams() - target
		if d < 0 {
			d = -d
		}
		if d < bestDiff {
			best, bestDiff = hidden, d
		}
	}
	return build(best), nil
}
