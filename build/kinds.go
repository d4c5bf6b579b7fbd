package build

import (
	"errors"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/kenn-ot/kenn/models"
)

// lowering is how build compiles and trains one model kind.
type lowering struct {
	// segments appends the embedding segments [B, n] of model m (a model
	// of the kind) on the net's images n.X, its parameters named prefix +
	// m's names (models.Model.Params), in the order of m.Segments(). The
	// distance (pairwise) follows the kind's models.Form and DWE's decoder
	// the model's Decoder: they need nothing per kind.
	segments func(n *Net, m *models.Model, prefix string) ([]*G.Node, error)
	// lr is the default learning rate (Options.LR); 0 for a kind that is
	// not trained as one.
	lr float64
	// calibrate rescales freshly initialized weights by r, the ratio of
	// the mean target to the mean prediction, so that predictions start
	// at the targets' scale (see calibrate); nil for a kind that is not
	// trained as one.
	calibrate func(c *models.Checkpoint, r float64)
}

// lowerings is the table of every kind's lowering, keyed by models.Kind;
// TestEveryKindLowers fails for a kind in models.Kinds it lacks.
func lowerings() map[models.Kind]lowering {
	return map[models.Kind]lowering{
		// φ(x), the encoder's output; measured: at 1e-3 the first epoch
		// kills DWE's ReLUs
		models.KindDWE: {segments: lastLayer, lr: 1e-4, calibrate: scaleLastLayer},
		// the feature layers' outputs
		models.KindDeepKENN: {segments: featureLayers, lr: 1e-3, calibrate: scaleSegmentWeights},
		models.KindNaive:    {segments: featureLayers, lr: 1e-3, calibrate: scaleSegmentWeights},
		// z(t_0), …, z(t_K) of the RK4 steps from the encoder's output
		models.KindODEKENN: {
			segments: func(n *Net, m *models.Model, prefix string) ([]*G.Node, error) {
				outs := n.encoder(m, prefix)
				return n.rk4(n.flat(outs[len(outs)-1]), m.ODE, prefix), nil
			},
			lr: 1e-3, calibrate: scaleSegmentWeights,
		},
		// the members' segments in turn, by their own kinds' lowerings
		models.KindEnsemble: {segments: func(n *Net, m *models.Model, _ string) ([]*G.Node, error) {
			if n.train {
				return nil, errors.New("an ensemble is not trained as one: train its members, then combine them (models.NewEnsemble, kenn ensemble)")
			}
			var segs []*G.Node
			for k, mm := range m.Members {
				s, err := n.encode(mm, models.MemberPrefix(k))
				if err != nil {
					return nil, err
				}
				segs = append(segs, s...)
			}
			return segs, nil
		}},
	}
}

func lastLayer(n *Net, m *models.Model, prefix string) ([]*G.Node, error) {
	outs := n.encoder(m, prefix)
	return []*G.Node{n.flat(outs[len(outs)-1])}, nil
}

func featureLayers(n *Net, m *models.Model, prefix string) ([]*G.Node, error) {
	outs := n.encoder(m, prefix)
	var segs []*G.Node
	for _, i := range m.Features() {
		segs = append(segs, n.flat(outs[i]))
	}
	return segs, nil
}

// scaleLastLayer multiplies the encoder's last layer by √r: a squared
// distance (models.FormSquared) scales by r.
func scaleLastLayer(c *models.Checkpoint, r float64) {
	last := c.Model.Encoder[len(c.Model.Encoder)-1]
	f := float32(math.Sqrt(r))
	for _, name := range []string{models.WeightParam("", last), models.BiasParam("", last)} {
		for i := range c.Tensors[name] {
			c.Tensors[name][i] *= f
		}
	}
}

// scaleSegmentWeights multiplies every segment weight by r: each
// softplus(θ_l) (models.WeightingSoftplus), or the one scale softplus(s)
// (models.WeightingSoftmax).
func scaleSegmentWeights(c *models.Checkpoint, r float64) {
	name := c.Model.Kind.WeightsParam()
	if c.Model.Weighting == models.WeightingSoftmax {
		name = models.ScaleParam(name)
	}
	for i, v := range c.Tensors[name] {
		c.Tensors[name][i] = float32(math.Log(math.Expm1(models.Softplus(float64(v)) * r)))
	}
}
