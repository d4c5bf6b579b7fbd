package build

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/internal/gtrain"
	"github.com/kenn-ot/kenn/models"
)

// gramEps keeps √ differentiable at 0 in the training loss; predictions
// (Embed + models.Distance) use exact norms.
const gramEps = 1e-9

// Net is a models.Model lowered to a Gorgonia graph for a fixed batch of B
// images. With train set, it also computes the training loss on the B×B
// matrix of model distances: Σ mask⊙(d − target)² / Σ mask, plus DWE's
// reconstruction terms; its gradients are bound to the parameters.
type Net struct {
	M     *models.Model
	B     int
	dt    tensor.Dtype
	g     *G.ExprGraph
	vm    G.VM
	train bool
	// squared: the loss is on d² against W2² targets (W2 models)
	squared bool

	X      *G.Node   // [B, 1, H, W] normalized input (models doc: x·H·W/Σx)
	params []*G.Node // models Params order, the fixed ones left out
	// fixed are the parameters set from the checkpoint but never trained
	// (models.IsFixedParam: the segment norms ν of WeightingSoftmax)
	fixed  []*G.Node
	byName map[string]*G.Node
	segs   []*G.Node // embedding segments, each [B, n]
	emb    *G.Node   // inference: the segments concatenated [B, F]

	// training inputs and outputs
	T, Mask  *G.Node // [B, B]
	InvCount *G.Node // scalar 1/Σmask
	Xt       *G.Node // [B, H·W] normalized target distributions (dwe)
	MSE      *G.Node
	Loss     *G.Node
	Recon    *G.Node // mean over images of −Σ x̃ log ψ (dwe)
	Sparse   *G.Node // mean over images of Σ √ψ (dwe)
	Psi      *G.Node // [B, H·W] decoded distributions ψ(φ(x)) (dwe)
}

// NewNet lowers m for batches of b images. dt is tensor.Float32 for
// training and tensor.Float64 for gradient checks.
func NewNet(m *models.Model, b int, dt tensor.Dtype, train bool) (*Net, error) {
	return newNet(m, b, dt, train, false)
}

// newNet is NewNet; with squared set, a W2 model's training loss compares
// squared distances with W2² targets (Options.Loss = LossW2Sq).
func newNet(m *models.Model, b int, dt tensor.Dtype, train, squared bool) (*Net, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	n := &Net{M: m, B: b, dt: dt, g: G.NewGraph(), train: train, squared: squared, byName: map[string]*G.Node{}}
	if err := n.lower(); err != nil {
		return nil, fmt.Errorf("build: lowering %s: %w", m.Kind, err)
	}
	var opts []G.VMOpt
	if train {
		opts = append(opts, G.BindDualValues(n.params...))
	}
	n.vm = G.NewTapeMachine(n.g, opts...)
	return n, nil
}

// Close releases the VM.
func (n *Net) Close() { n.vm.Close() }

func (n *Net) scalar(v float64) *G.Node { return constant(n.dt, v) }

// constant is a scalar constant of the graph's element type.
func constant(dt tensor.Dtype, v float64) *G.Node { return gtrain.Constant(dt, v) }

func (n *Net) lower() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	m, b := n.M, n.B
	for _, p := range m.Params() {
		if !n.train && models.IsDecoderParam(p.Name) {
			continue
		}
		node := G.NewTensor(n.g, n.dt, len(p.Shape), G.WithShape(p.Shape...), G.WithName(p.Name), G.WithInit(G.Zeroes()))
		if models.IsFixedParam(p.Name) {
			n.fixed = append(n.fixed, node)
		} else {
			n.params = append(n.params, node)
		}
		n.byName[p.Name] = node
	}
	n.X = G.NewTensor(n.g, n.dt, 4, G.WithShape(b, 1, m.H, m.W), G.WithName("x"))
	if n.segs, err = n.encode(m, ""); err != nil {
		return err
	}
	if !n.train {
		// One output node that depends on every segment: the tape machine
		// may reuse a node's memory once no later node needs it (RK4's
		// additions overwrite earlier states in place), so segments must be
		// consumed inside the graph, not read after the run.
		n.emb = n.segs[0]
		if len(n.segs) > 1 {
			n.emb = G.Must(G.Concat(1, n.segs...))
		}
		return nil
	}
	n.T = G.NewMatrix(n.g, n.dt, G.WithShape(b, b), G.WithName("target"))
	n.Mask = G.NewMatrix(n.g, n.dt, G.WithShape(b, b), G.WithName("mask"))
	n.InvCount = G.NewScalar(n.g, n.dt, G.WithName("invcount"))
	d := n.pairwise()
	if n.squared && m.Target == models.TargetW2 {
		d = G.Must(G.Square(d))
	}
	diff := G.Must(G.Sub(d, n.T))
	n.MSE = G.Must(G.Mul(G.Must(G.Sum(G.Must(G.HadamardProd(n.Mask, G.Must(G.Square(diff)))))), n.InvCount))
	n.Loss = n.MSE
	if len(m.Decoder) > 0 { // dwe's
		n.decoder(n.segs[0])
		// per pair, the reference loss adds KL(x‖ψφx) + KL(y‖ψφy): twice
		// the mean over images
		rec := G.Must(G.Mul(n.Recon, n.scalar(2*10)))
		sp := G.Must(G.Mul(n.Sparse, n.scalar(2*1e-3)))
		n.Loss = G.Must(G.Add(n.Loss, G.Must(G.Add(rec, sp))))
	}
	_, err = G.Grad(n.Loss, n.params...)
	return err
}

// encode lowers model m through its kind's lowering (kinds.go), its
// parameters named prefix + m's names, and returns its embedding segments.
func (n *Net) encode(m *models.Model, prefix string) ([]*G.Node, error) {
	l, ok := lowerings()[m.Kind]
	if !ok {
		return nil, fmt.Errorf("no Gorgonia lowering for model kind %s (add it to build's lowerings)", m.Kind)
	}
	return l.segments(n, m, prefix)
}

// encoder lowers m's encoder layers on the images and returns every
// layer's output.
func (n *Net) encoder(m *models.Model, prefix string) []*G.Node {
	cur := n.X
	var outs []*G.Node
	for _, l := range m.Encoder {
		cur = n.layer(cur, l, prefix)
		outs = append(outs, cur)
	}
	return outs
}

// flat reshapes a layer output to [B, n].
func (n *Net) flat(x *G.Node) *G.Node {
	if x.Dims() == 2 {
		return x
	}
	return G.Must(G.Reshape(x, tensor.Shape{n.B, x.Shape().TotalSize() / n.B}))
}

func (n *Net) layer(cur *G.Node, l models.Layer, prefix string) *G.Node {
	W, bias := n.byName[models.WeightParam(prefix, l)], n.byName[models.BiasParam(prefix, l)]
	b := cur.Shape()[0]
	var out *G.Node
	switch l.Op {
	case models.OpConv:
		out = G.Must(conv2d(cur, W, bias))
	case models.OpDense:
		if cur.Dims() != 2 {
			cur = G.Must(G.Reshape(cur, tensor.Shape{b, cur.Shape().TotalSize() / b}))
		}
		out = G.Must(G.Mul(cur, W))
		bb := G.Must(G.Reshape(bias, tensor.Shape{1, l.Out}))
		out = G.Must(G.BroadcastAdd(out, bb, nil, []byte{0}))
	}
	if l.Act == models.ActReLU {
		out = G.Must(G.Rectify(out))
	}
	return out
}

// field is g(z, t) = tanh(z·W1[:d] + t·W1[d] + b1)·W2 + b2.
func (n *Net) field(z *G.Node, t float64, o *models.ODE, prefix string) *G.Node {
	W1 := n.byName[prefix+models.ParamODEW1]
	W1z := G.Must(G.Slice(W1, G.S(0, o.Dim)))
	w1t := G.Must(G.Slice(W1, G.S(o.Dim)))
	bias := G.Must(G.Add(G.Must(G.Mul(n.scalar(t), w1t)), n.byName[prefix+models.ParamODEB1]))
	h := G.Must(G.BroadcastAdd(G.Must(G.Mul(z, W1z)), G.Must(G.Reshape(bias, tensor.Shape{1, o.Hidden})), nil, []byte{0}))
	h = G.Must(G.Tanh(h))
	out := G.Must(G.Mul(h, n.byName[prefix+models.ParamODEW2]))
	return G.Must(G.BroadcastAdd(out, G.Must(G.Reshape(n.byName[prefix+models.ParamODEB2], tensor.Shape{1, o.Dim})), nil, []byte{0}))
}

// rk4 integrates dz/dt = g(z, t) on [0, 1] with K classical RK4 steps and
// returns z(t_0), …, z(t_K).
func (n *Net) rk4(z *G.Node, o *models.ODE, prefix string) []*G.Node {
	K := o.Steps
	h := 1 / float64(K)
	states := []*G.Node{z}
	axpy := func(a float64, x, y *G.Node) *G.Node { return G.Must(G.Add(y, G.Must(G.Mul(n.scalar(a), x)))) }
	for k := 0; k < K; k++ {
		t := float64(k) * h
		k1 := n.field(z, t, o, prefix)
		k2 := n.field(axpy(h/2, k1, z), t+h/2, o, prefix)
		k3 := n.field(axpy(h/2, k2, z), t+h/2, o, prefix)
		k4 := n.field(axpy(h, k3, z), t+h, o, prefix)
		sum := G.Must(G.Add(G.Must(G.Add(k1, k4)), G.Must(G.Mul(n.scalar(2), G.Must(G.Add(k2, k3))))))
		z = axpy(h/6, sum, z)
		states = append(states, z)
	}
	return states
}

// pairwise builds the B×B matrix of model distances in Gram form.
func (n *Net) pairwise() *G.Node {
	b := n.B
	sqdist := func(f *G.Node) *G.Node {
		gram := G.Must(G.Mul(f, G.Must(G.Transpose(f))))
		r := G.Must(G.Sum(G.Must(G.Square(f)), 1))
		rc := G.Must(G.Reshape(r, tensor.Shape{b, 1}))
		rr := G.Must(G.Reshape(r, tensor.Shape{1, b}))
		s := G.Must(G.BroadcastAdd(rc, rr, []byte{1}, []byte{0}))
		return G.Must(G.Sub(s, G.Must(G.Mul(n.scalar(2), gram))))
	}
	if n.M.Kind.Form() == models.FormSquared {
		return sqdist(n.segs[0])
	}
	wts := n.segmentWeights()
	var d *G.Node
	for l, f := range n.segs {
		dl := G.Must(G.Sqrt(G.Must(G.Add(G.Must(G.Rectify(sqdist(f))), n.scalar(gramEps)))))
		wl := G.Must(G.Slice(wts, G.S(l)))
		term := G.Must(G.Mul(wl, dl))
		if d == nil {
			d = term
		} else {
			d = G.Must(G.Add(d, term))
		}
	}
	return d
}

// segmentWeights are the segment weights w_l, as models.SegmentWeights
// computes them: softplus(θ) (models.WeightingSoftplus), or
// softplus(s)·softmax(θ)/ν (models.WeightingSoftmax; the softmax without
// the shift by max θ, which changes no value and no gradient in exact
// arithmetic, and which |θ| far below float32's exp limit of 88 does not
// need).
func (n *Net) segmentWeights() *G.Node {
	theta := n.M.Kind.WeightsParam()
	if n.M.Weighting != models.WeightingSoftmax {
		return G.Must(G.Softplus(n.byName[theta]))
	}
	e := G.Must(G.Exp(n.byName[theta]))
	p := G.Must(G.Div(e, G.Must(G.Sum(e))))
	scale := G.Must(G.Softplus(G.Must(G.Slice(n.byName[models.ScaleParam(theta)], G.S(0)))))
	return G.Must(G.Mul(scale, G.Must(G.HadamardDiv(p, n.byName[models.NormParam(theta)]))))
}

// decoder builds DWE's ψ(φ(x)) and its loss terms.
func (n *Net) decoder(emb *G.Node) {
	m, b := n.M, n.B
	var dense, conv []models.Layer
	for _, l := range m.Decoder {
		if l.Op == models.OpDense {
			dense = append(dense, l)
		} else {
			conv = append(conv, l)
		}
	}
	cur := emb
	for _, l := range dense {
		cur = n.layer(cur, l, models.DecoderPrefix)
	}
	cur = G.Must(G.Reshape(cur, tensor.Shape{b, m.DecoderChannels, m.H, m.W}))
	for _, l := range conv {
		cur = n.layer(cur, l, models.DecoderPrefix)
	}
	logits := G.Must(G.Reshape(cur, tensor.Shape{b, m.H * m.W}))
	psi := G.Must(G.SoftMax(logits, 1))
	n.Psi = psi
	n.Xt = G.NewMatrix(n.g, n.dt, G.WithShape(b, m.H*m.W), G.WithName("xt"))
	tiny := n.scalar(1e-12)
	logpsi := G.Must(G.Log(G.Must(G.Add(psi, tiny))))
	ce := G.Must(G.Neg(G.Must(G.Sum(G.Must(G.HadamardProd(n.Xt, logpsi))))))
	n.Recon = G.Must(G.Mul(ce, n.scalar(1/float64(b))))
	sq := G.Must(G.Sum(G.Must(G.Sqrt(G.Must(G.Add(psi, tiny))))))
	n.Sparse = G.Must(G.Mul(sq, n.scalar(1/float64(b))))
}

// SetWeights copies the checkpoint's weights into the graph.
func (n *Net) SetWeights(c *models.Checkpoint) error {
	if err := setWeights(n.fixed, c); err != nil {
		return err
	}
	return setWeights(n.params, c)
}

// setWeights copies the checkpoint's tensors into the parameter nodes.
func setWeights(params []*G.Node, c *models.Checkpoint) error {
	return gtrain.SetParams(params, c.Tensors)
}

// normalizeInto writes the model input for one image: x·H·W/Σx.
func normalizeInto(dst []float64, img []float32) {
	var s float64
	for _, v := range img {
		s += float64(v)
	}
	scale := float64(len(img)) / s
	for i, v := range img {
		dst[i] = float64(v) * scale
	}
}

// letInput binds a float64 buffer of the graph's shape to node.
func (n *Net) letInput(node *G.Node, data []float64) error { return bind(node, n.dt, data) }

// bind binds a copy of data, converted to dt, to an input node of its shape.
func bind(node *G.Node, dt tensor.Dtype, data []float64) error { return gtrain.Bind(node, dt, data) }

func (n *Net) letScalar(node *G.Node, v float64) error {
	if n.dt == tensor.Float32 {
		return G.Let(node, float32(v))
	}
	return G.Let(node, v)
}

func values(v G.Value) []float64 { return gtrain.Values(v) }

// Embed runs the encoder on up to B images and returns, per image, the
// concatenated embedding segments (see models.Model.Segments).
func (n *Net) Embed(imgs [][]float32) ([][]float64, error) {
	m := n.M
	hw := m.H * m.W
	if len(imgs) > n.B {
		return nil, fmt.Errorf("build: %d images for a batch of %d", len(imgs), n.B)
	}
	x := make([]float64, n.B*hw)
	for i := 0; i < n.B; i++ {
		src := imgs[min(i, len(imgs)-1)] // pad with the last image
		if len(src) != hw {
			return nil, fmt.Errorf("build: image %d has %d pixels, the model takes %dx%d", i, len(src), m.H, m.W)
		}
		normalizeInto(x[i*hw:(i+1)*hw], src)
	}
	if err := n.letInput(n.X, x); err != nil {
		return nil, err
	}
	if err := n.vm.RunAll(); err != nil {
		return nil, err
	}
	defer n.vm.Reset()
	if n.emb == nil {
		return nil, fmt.Errorf("build: Embed on a training graph")
	}
	out := make([][]float64, len(imgs))
	v := values(n.emb.Value())
	w := n.emb.Shape()[1]
	for i := range out {
		out[i] = v[i*w : (i+1)*w]
	}
	for _, e := range out {
		for _, v := range e {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("build: non-finite embedding")
			}
		}
	}
	return out, nil
}
