package build

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/models"
)

// The time weights' gradients of a tiny ODE-KENN whose segments carry
// different distances, in both weightings, against the closed form from
// the segment distances D_k (computed here from Gorgonia's embeddings):
// with residuals r = d − T over the P pairs, L = Σ r²/P and
//
//	old (models.WeightingSoftplus), w_k = softplus(α_k):
//	  ∂L/∂α_k = (2/P) Σ r · sigmoid(α_k) · D_k
//	new (models.WeightingSoftmax), w_k = softplus(s)·p_k/ν_k, p = softmax(α):
//	  ∂L/∂α_k = (2/P) Σ r · softplus(s) · p_k · (D_k/ν_k − Σ_j p_j D_j/ν_j).
//
// With the targets above the predictions (r < 0 for every pair), the old
// gradients all have one sign (each ∝ D_k), so Adam, which divides each by
// its own size, steps every α_k by the same −lr·sign: the profile never
// moves (issue 19: all nine went −2.14 → −4.07 together). The new ones
// sum to 0 and change sign at the mean normalized distance: the segments
// carrying more distance gain weight, the others lose it.
func TestTimeWeightGradientsFollowSegmentDistances(t *testing.T) {
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	for _, weighting := range []models.Weighting{models.WeightingSoftplus, models.WeightingSoftmax} {
		t.Run(fmt.Sprintf("weighting=%q", weighting), func(t *testing.T) {
			m := models.ODEKENN(8, 6, bb, 6, 3)
			m.Weighting = models.WeightingSoftmax // the new initialization (a flow that moves) for both
			c, err := models.NewCheckpoint(m, 3)
			if err != nil {
				t.Fatal(err)
			}
			K := m.ODE.Steps
			if weighting == models.WeightingSoftplus { // the old parametrisation, uniform weights 1/(K+1)
				m.Weighting = weighting
				x := float32(math.Log(math.Expm1(1 / float64(K+1))))
				for i := range c.Tensors[models.ParamAlpha] {
					c.Tensors[models.ParamAlpha][i] = x
				}
				delete(c.Tensors, models.ScaleParam(models.ParamAlpha))
				delete(c.Tensors, models.NormParam(models.ParamAlpha))
			} else { // a non-uniform profile and norms, to test the closed form beyond the start
				copy(c.Tensors[models.ParamAlpha], []float32{0.3, -0.2, 0.1, 0})
				copy(c.Tensors[models.NormParam(models.ParamAlpha)], []float32{1, 0.8, 1.3, 1.1})
			}
			rng := rand.New(rand.NewPCG(4, 4))
			bt := randomBatch(rng, 6, m.H*m.W, true)
			infer, err := NewNet(m, 6, tensor.Float64, false)
			if err != nil {
				t.Fatal(err)
			}
			defer infer.Close()
			if err := infer.SetWeights(c); err != nil {
				t.Fatal(err)
			}
			emb, err := Embeddings(infer, bt.Images)
			if err != nil {
				t.Fatal(err)
			}
			// per pair, the segment distances D_k
			d := m.ODE.Dim
			D := make([][]float64, len(bt.Pairs))
			meanD := make([]float64, K+1)
			w := c.DistanceWeights()
			var meanPred float64
			for q, p := range bt.Pairs {
				D[q] = make([]float64, K+1)
				for k := 0; k <= K; k++ {
					var s float64
					for i := k * d; i < (k+1)*d; i++ {
						x := emb[p[0]][i] - emb[p[1]][i]
						s += x * x
					}
					D[q][k] = math.Sqrt(s)
					meanD[k] += D[q][k] / float64(len(bt.Pairs))
				}
				meanPred += models.Distance(m, w, emb[p[0]], emb[p[1]]) / float64(len(bt.Pairs))
			}
			if lo, hi := minMax(meanD); hi < 1.2*lo {
				t.Fatalf("the fixture's segments carry near-equal distances %v: nothing to tell apart", meanD)
			}
			for q := range bt.Targets { // targets above every prediction: r < 0
				bt.Targets[q] = 2*meanPred + float64(q)
			}

			net, err := NewNet(m, 6, tensor.Float64, true)
			if err != nil {
				t.Fatal(err)
			}
			defer net.Close()
			if err := net.SetWeights(c); err != nil {
				t.Fatal(err)
			}
			lp, err := net.Forward(bt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := net.GradOf(models.ParamAlpha)
			if err != nil {
				t.Fatal(err)
			}

			// the closed form; the loss too, from models.Distance with
			// DistanceWeights (the formula export folds into its graphs)
			alpha := c.Tensors[models.ParamAlpha]
			want := make([]float64, K+1)
			var loss float64
			P := float64(len(bt.Pairs))
			for q, p := range bt.Pairs {
				r := models.Distance(m, w, emb[p[0]], emb[p[1]]) - bt.Targets[q]
				loss += r * r / P
				if weighting == models.WeightingSoftplus {
					for k := range want {
						want[k] += 2 / P * r / (1 + math.Exp(-float64(alpha[k]))) * D[q][k]
					}
					continue
				}
				norm := c.Tensors[models.NormParam(models.ParamAlpha)]
				pk := models.SegmentWeights(models.WeightingSoftmax, alpha, []float32{float32(math.Log(math.E - 1))}, make1(K+1)) // softmax(α)
				s := models.Softplus(float64(c.Tensors[models.ScaleParam(models.ParamAlpha)][0]))
				var mean float64
				for j := range pk {
					mean += pk[j] * D[q][j] / float64(norm[j])
				}
				for k := range want {
					want[k] += 2 / P * r * s * pk[k] * (D[q][k]/float64(norm[k]) - mean)
				}
			}
			if math.Abs(lp.MSE-loss) > 1e-6*loss {
				t.Errorf("Gorgonia's loss %.9g, from models.Distance %.9g", lp.MSE, loss)
			}
			scale := 0.0
			for k := range want {
				scale = math.Max(scale, math.Abs(want[k]))
			}
			for k := range want {
				if math.Abs(got[k]-want[k]) > 1e-6*scale {
					t.Errorf("∂L/∂α_%d: Gorgonia %.9g, closed form %.9g", k, got[k], want[k])
				}
			}
			t.Logf("segment distances %.3g, ∂L/∂α %.3g", meanD, got)

			lo, hi := minMax(got)
			switch weighting {
			case models.WeightingSoftplus: // one sign: Adam steps them all alike
				if lo*hi <= 0 {
					t.Errorf("old weighting: gradients %v change sign; the closed form says they cannot here", got)
				}
			case models.WeightingSoftmax:
				var sum float64
				for _, g := range got {
					sum += g
				}
				if math.Abs(sum) > 1e-9*scale {
					t.Errorf("softmax gradients sum to %g, want 0", sum)
				}
				if !(lo < 0 && hi > 0) || hi-lo < 0.5*scale {
					t.Errorf("softmax gradients %v: want both signs, spread at least half the largest", got)
				}
				// the segment farthest above the mean normalized distance gains
				// weight (negative gradient, as r < 0)
				far := 0
				norm := c.Tensors[models.NormParam(models.ParamAlpha)]
				for k := range meanD {
					if meanD[k]/float64(norm[k]) > meanD[far]/float64(norm[far]) {
						far = k
					}
				}
				if got[far] >= 0 {
					t.Errorf("segment %d, the largest normalized distance, has gradient %g ≥ 0", far, got[far])
				}
			}
		})
	}
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

func make1(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// Adam's first step moves every parameter with a non-zero gradient by
// the learning rate; weightedStep moves a WeightingSoftmax model's θ and
// s by weightsLRFactor times it, and the old weighting's θ by the rate.
func TestTimeWeightLearningRate(t *testing.T) {
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	for _, weighting := range []models.Weighting{models.WeightingSoftplus, models.WeightingSoftmax} {
		t.Run(fmt.Sprintf("weighting=%q", weighting), func(t *testing.T) {
			m := models.ODEKENN(8, 6, bb, 6, 3)
			m.Weighting = weighting
			c, err := models.NewCheckpoint(m, 3)
			if err != nil {
				t.Fatal(err)
			}
			net, err := NewNet(m, 6, tensor.Float32, true)
			if err != nil {
				t.Fatal(err)
			}
			defer net.Close()
			if err := net.SetWeights(c); err != nil {
				t.Fatal(err)
			}
			if _, err := net.Forward(randomBatch(rand.New(rand.NewPCG(5, 5)), 6, m.H*m.W, true)); err != nil {
				t.Fatal(err)
			}
			before := map[string][]float32{}
			for name, v := range c.Tensors {
				before[name] = append([]float32(nil), v...)
			}
			const lr = 1e-3
			if err := weightedStep(DefaultAdam(lr), net, c, 1); err != nil {
				t.Fatal(err)
			}
			moved := func(name string) float64 {
				var mx float64
				for i, v := range c.Tensors[name] {
					mx = math.Max(mx, math.Abs(float64(v-before[name][i])))
				}
				return mx
			}
			fast := 1.0
			if weighting == models.WeightingSoftmax {
				fast = weightsLRFactor
				if got := moved(models.ScaleParam(models.ParamAlpha)); math.Abs(got-fast*lr) > 1e-3*fast*lr {
					t.Errorf("scale moved %g, want %g", got, fast*lr)
				}
				if got := moved(models.NormParam(models.ParamAlpha)); got != 0 {
					t.Errorf("the fixed norms moved %g", got)
				}
			}
			if got := moved(models.ParamAlpha); math.Abs(got-fast*lr) > 1e-3*fast*lr {
				t.Errorf("α moved at most %g, want %g", got, fast*lr)
			}
			if got := moved(models.ParamODEW2); math.Abs(got-lr) > 1e-3*lr {
				t.Errorf("ode.W2 moved at most %g, want %g", got, lr)
			}
		})
	}
}
