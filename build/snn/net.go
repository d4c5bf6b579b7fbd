package snn

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/internal/gtrain"
	msnn "github.com/kenn-ot/kenn/models/snn"
)

// Net is a stochastic neural network (models/snn.Model) lowered to a
// Gorgonia graph for B rows: inputs X [B, in] (standardized), one noise
// input per layer Eps[l] [B, width] (w2 loss), raw outputs Out [B, out].
//
// The loss inputs are per-cell weights of the same shape as Out, set by
// the trainer (see batchStep): WSq weighs (Out − T)²; WLin is the
// categorical surrogate's gradient, Σ WLin ⊙ Out (w2: −λ·w on the target
// category's score and +λ·w on the winning score of a sample pushed
// toward another category; its value is discarded, the detach), and for
// the ce baseline WCE weighs −T ⊙ log softmax(Out) within each
// categorical group.
type Net struct {
	S      *msnn.Model
	B      int
	dt     tensor.Dtype
	g      *G.ExprGraph
	vm     G.VM
	params []*G.Node
	byName map[string]*G.Node

	X, Out       *G.Node
	OneHot       *G.Node // [B, Σ K_c]: the sampled categories (msnn.Model.HasShift)
	Eps          []*G.Node
	T, WSq, WLin *G.Node
	WCE          *G.Node
	Loss         *G.Node
	trainable    bool
	lastInputs   inputs  // of the last run (tests replay it)
	outVal       G.Value // Out, copied during the run (later ops may reuse its memory)
}

// Close releases the graph's machine.
func (n *Net) Close() { n.vm.Close() }

// NewNet lowers m for b rows; with train, it also builds the
// loss and binds gradients.
func NewNet(m *msnn.Model, b int, dt tensor.Dtype, train bool) (net *Net, err error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	s := m
	n := &Net{S: s, B: b, dt: dt, g: G.NewGraph(), byName: map[string]*G.Node{}, trainable: train}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("snn: lowering snn: %v", r)
		}
	}()
	for _, p := range m.Params() {
		node := G.NewTensor(n.g, dt, len(p.Shape), G.WithShape(p.Shape...), G.WithName(p.Name), G.WithInit(G.Zeroes()))
		n.params = append(n.params, node)
		n.byName[p.Name] = node
	}
	w := s.Widths()
	n.X = G.NewMatrix(n.g, dt, G.WithShape(b, w[0]), G.WithName("x"))
	cur := n.X
	for l := 0; l+1 < len(w); l++ {
		pre := fmt.Sprintf("snn.%d.", l)
		z := G.Must(G.Mul(cur, n.byName[pre+"Wmu"]))
		z = G.Must(G.BroadcastAdd(z, G.Must(G.Reshape(n.byName[pre+"bmu"], tensor.Shape{1, w[l+1]})), nil, []byte{0}))
		if s.Stochastic() {
			two := n.scalar(2)
			vw := G.Must(G.Exp(G.Must(G.Mul(n.byName[pre+"Wrho"], two))))
			vb := G.Must(G.Exp(G.Must(G.Mul(n.byName[pre+"brho"], two))))
			v := G.Must(G.Mul(G.Must(G.Square(cur)), vw))
			v = G.Must(G.BroadcastAdd(v, G.Must(G.Reshape(vb, tensor.Shape{1, w[l+1]})), nil, []byte{0}))
			eps := G.NewMatrix(n.g, dt, G.WithShape(b, w[l+1]), G.WithName(fmt.Sprintf("eps%d", l)))
			n.Eps = append(n.Eps, eps)
			z = G.Must(G.Add(z, G.Must(G.HadamardProd(G.Must(G.Sqrt(v)), eps))))
		}
		if l+2 < len(w) {
			z = G.Must(G.Tanh(z))
		}
		cur = z
	}
	if s.HasShift() { // continuous outputs shifted by the sampled category's row of shift
		D := s.OutputDim()
		n.OneHot = G.NewMatrix(n.g, dt, G.WithShape(b, s.NumScores()), G.WithName("onehot"))
		cont := G.Must(G.Reshape(G.Must(G.Slice(cur, nil, G.S(0, s.Cont))), tensor.Shape{b, s.Cont})) // a width-1 slice drops its axis
		cont = G.Must(G.Add(cont, G.Must(G.Mul(n.OneHot, n.byName[msnn.ShiftParam]))))
		cur = G.Must(G.Concat(1, cont, G.Must(G.Slice(cur, nil, G.S(s.Cont, D)))))
	}
	n.Out = cur
	G.Read(n.Out, &n.outVal)
	var opts []G.VMOpt
	if train {
		n.buildLoss()
		if _, err := G.Grad(n.Loss, n.params...); err != nil {
			return nil, fmt.Errorf("snn: snn gradients: %w", err)
		}
		opts = append(opts, G.BindDualValues(n.params...))
	}
	n.vm = G.NewTapeMachine(n.g, opts...)
	return n, nil
}

func (n *Net) scalar(v float64) *G.Node { return gtrain.Constant(n.dt, v) }

func (n *Net) mat(name string) *G.Node {
	return G.NewMatrix(n.g, n.dt, G.WithShape(n.B, n.S.OutputDim()), G.WithName(name))
}

func (n *Net) buildLoss() {
	s := n.S
	n.T, n.WSq = n.mat("t"), n.mat("wsq")
	diff := G.Must(G.Sub(n.Out, n.T))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(n.WSq, G.Must(G.Square(diff))))))
	if s.Loss == msnn.LossW2 && len(s.Categories) > 0 {
		n.WLin = n.mat("wlin")
		loss = G.Must(G.Add(loss, G.Must(G.Sum(G.Must(G.HadamardProd(n.WLin, n.Out))))))
	}
	if s.Loss == msnn.LossCE {
		n.WCE = n.mat("wce")
		off := s.Cont
		for _, codes := range s.Categories {
			k := len(codes)
			logits := G.Must(G.Slice(n.Out, nil, G.S(off, off+k)))
			lse := G.Must(G.Log(G.Must(G.Sum(G.Must(G.Exp(logits)), 1))))
			logp := G.Must(G.BroadcastSub(logits, G.Must(G.Reshape(lse, tensor.Shape{n.B, 1})), nil, []byte{1}))
			t := G.Must(G.Slice(n.T, nil, G.S(off, off+k)))
			wce := G.Must(G.Slice(n.WCE, nil, G.S(off, off+k)))
			ce := G.Must(G.Sum(G.Must(G.HadamardProd(wce, G.Must(G.HadamardProd(t, logp))))))
			loss = G.Must(G.Sub(loss, ce))
			off += k
		}
	}
	n.Loss = loss
}

// SetWeights copies the checkpoint's weights into the graph.
func (n *Net) SetWeights(c *msnn.Checkpoint) error { return gtrain.SetParams(n.params, c.Tensors) }

// inputs are the values fed to one run.
type inputs struct {
	X   []float64   // [B, in]
	Eps [][]float64 // per layer [B, width]
	// OneHot [B, Σ K_c] of the sampled categories (HasShift; nil: found
	// by a first run, the categories not depending on it)
	OneHot []float64
	// loss inputs, [B, out] each (nil when not training)
	T, WSq, WLin, WCE []float64
}

func (n *Net) let(node *G.Node, v []float64) error { return gtrain.Bind(node, n.dt, v) }

// run feeds in, runs the graph and returns Out [B, out] and, when
// training, the graph's loss (gradients bound to the parameters).
func (n *Net) run(in inputs) ([]float64, float64, error) {
	if n.OneHot != nil && in.OneHot == nil {
		in.OneHot = make([]float64, n.B*n.S.NumScores())
		out, _, err := n.run(in)
		if err != nil {
			return nil, 0, err
		}
		s, D := n.S, n.S.OutputDim()
		in.OneHot = make([]float64, n.B*s.NumScores())
		for r := 0; r < n.B; r++ {
			off := 0
			for c, codes := range s.Categories {
				in.OneHot[r*s.NumScores()+off+s.Category(out[r*D:(r+1)*D], c)] = 1
				off += len(codes)
			}
		}
	}
	n.lastInputs = in
	if n.OneHot != nil {
		if err := n.let(n.OneHot, in.OneHot); err != nil {
			return nil, 0, err
		}
	}
	if err := n.let(n.X, in.X); err != nil {
		return nil, 0, err
	}
	for l, e := range n.Eps {
		if err := n.let(e, in.Eps[l]); err != nil {
			return nil, 0, err
		}
	}
	if n.trainable {
		zero := make([]float64, n.B*n.S.OutputDim())
		pick := func(v []float64) []float64 {
			if v == nil {
				return zero
			}
			return v
		}
		for _, p := range []struct {
			node *G.Node
			v    []float64
		}{{n.T, in.T}, {n.WSq, in.WSq}, {n.WLin, in.WLin}, {n.WCE, in.WCE}} {
			if p.node != nil {
				if err := n.let(p.node, pick(p.v)); err != nil {
					return nil, 0, err
				}
			}
		}
		gtrain.ZeroGrads(n.params)
	}
	n.vm.Reset()
	if err := n.vm.RunAll(); err != nil {
		return nil, 0, err
	}
	out := gtrain.Values(n.outVal)
	loss := 0.0
	if n.trainable {
		loss = gtrain.Values(n.Loss.Value())[0]
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, 0, fmt.Errorf("snn: snn loss is %v", loss)
		}
	}
	return out, loss, nil
}
