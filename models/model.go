package models

import (
	"errors"
	"fmt"
	"math"
)

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

// Model is a declarative description. It holds no weights.
type Model struct {
	Kind    Kind    `json:"kind"`
	H       int     `json:"h"`
	W       int     `json:"w"`
	Target  string  `json:"target"`
	Encoder []Layer `json:"encoder"`
	ODE     *ODE    `json:"ode,omitempty"`
	// Decoder is DWE's ψ: dense layers, then a reshape to
	// [DecoderChannels, H, W], then conv layers, then a softmax over pixels.
	Decoder         []Layer `json:"decoder,omitempty"`
	DecoderChannels int     `json:"decoder_channels,omitempty"`
	// Members are the models an ensemble (kind ensemble) averages.
	Members []*Model `json:"members,omitempty"`
	// Weighting is how the segment weights come from the parameters
	// (weighting.go): absent (WeightingSoftplus) in every checkpoint
	// written before it existed, WeightingSoftmax in the DeepKENN and
	// ODEKENN models made now.
	Weighting Weighting `json:"weighting,omitempty"`
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

// The parts of the kinds whose segments are feature layers (deepkenn,
// naive).

// featureParams are the encoder's parameters and β, one weight per
// feature layer.
func featureParams(m *Model) []Param {
	return append(m.encoderParams(), weightParams(m, ParamBeta, len(m.Features()))...)
}

// featureSegments are the flattened outputs of the feature layers.
func featureSegments(m *Model) []int {
	sh := m.EncoderShapes()
	var out []int
	for _, i := range m.Features() {
		out = append(out, sh[i].Size())
	}
	return out
}

func validateFeatures(m *Model) error {
	if err := m.validateEncoder(); err != nil {
		return err
	}
	if err := m.validateNoDecoder(); err != nil {
		return err
	}
	if len(m.Features()) == 0 {
		return errors.New("models: no feature layers")
	}
	return nil
}

// featureWeightNames names each segment weight by its layer.
func featureWeightNames(c *Checkpoint) []string {
	var names []string
	for _, i := range c.Model.Features() {
		names = append(names, c.Model.Encoder[i].Name)
	}
	return names
}

// lastLayerSegment is the encoder's flattened output, one segment (dwe).
func lastLayerSegment(m *Model) []int { return []int{m.outputDim()} }

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
// distance weights, the ODE and the decoder (see each kind's file).
func (m *Model) Params() []Param {
	return m.Kind.mustSpec().params(m)
}

// layerParams lists the parameters of a chain of layers on an input of
// shape in, named prefix + layer name + ".W" / ".b", and returns the
// chain's output shape.
func layerParams(prefix string, in Shape, layers []Layer) ([]Param, Shape) {
	var ps []Param
	for _, l := range layers {
		switch l.Op {
		case OpConv:
			ps = append(ps, Param{WeightParam(prefix, l), []int{l.Out, in.C, l.Kernel, l.Kernel}}, Param{BiasParam(prefix, l), []int{l.Out}})
			in = Shape{l.Out, in.H, in.W}
		case OpDense:
			ps = append(ps, Param{WeightParam(prefix, l), []int{in.Size(), l.Out}}, Param{BiasParam(prefix, l), []int{l.Out}})
			in = Shape{l.Out, 1, 1}
		}
	}
	return ps, in
}

// encoderParams lists the encoder's parameters.
func (m *Model) encoderParams() []Param {
	ps, _ := layerParams("", Shape{1, m.H, m.W}, m.Encoder)
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
		if !IsDecoderParam(p.Name) {
			n += p.Size()
		}
	}
	return n
}

// Validate checks the description for consistency.
func (m *Model) Validate() error {
	spec, ok := m.Kind.spec()
	if !ok {
		return fmt.Errorf("models: unknown kind %q", m.Kind)
	}
	if err := spec.validate(m); err != nil {
		return err
	}
	if err := m.validateWeighting(spec); err != nil {
		return err
	}
	if m.Target != spec.target {
		return fmt.Errorf("models: %s predicts %s", m.Kind, spec.target)
	}
	return nil
}

// validateEncoder checks what every single (not composite) image model
// has: an input size and a chain of conv layers, then dense layers.
func (m *Model) validateEncoder() error {
	if m.H <= 0 || m.W <= 0 {
		return fmt.Errorf("models: input size %dx%d", m.H, m.W)
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
	return nil
}

// validateNoDecoder refuses a decoder on a kind that has none (its
// parameters would not be listed).
func (m *Model) validateNoDecoder() error {
	if len(m.Decoder) > 0 || m.DecoderChannels != 0 {
		return fmt.Errorf("models: a %s model has no decoder", m.Kind)
	}
	return nil
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

// Matched returns the model of a kind with a backbone form (deepkenn,
// odekenn, naive) whose distance parameter count is closest to target,
// varying the backbone's dense width (and nothing else), so that the
// comparison of the kinds is at equal capacity.
func Matched(kind Kind, h, w, target int, b Backbone, odeHidden, odeSteps int) (*Model, error) {
	spec, _ := kind.spec()
	if spec.onBackbone == nil {
		return nil, fmt.Errorf("models: kind %q has no matched form", kind)
	}
	build := func(hidden int) *Model {
		bb := b
		bb.Hidden = hidden
		return spec.onBackbone(h, w, bb, odeHidden, odeSteps)
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
