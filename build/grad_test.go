package build

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/models"
)

func smallModels(h, w int) []*models.Model {
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	dwe := models.DWE(h, w)
	dwe.Encoder[0].Out, dwe.Encoder[1].Out, dwe.Encoder[2].Out, dwe.Encoder[3].Out = 3, 2, 8, 4
	dwe.Decoder[0].Out, dwe.Decoder[1].Out, dwe.Decoder[2].Out = 6, 2*h*w, 3
	dwe.DecoderChannels = 2
	return []*models.Model{dwe, models.DeepKENN(h, w, bb), models.ODEKENN(h, w, bb, 6, 3), models.Naive(h, w, bb)}
}

func randomBatch(rng *rand.Rand, b, hw int, block bool) *Batch {
	bt := &Batch{}
	for i := 0; i < b; i++ {
		img := make([]float32, hw)
		for k := range img {
			if rng.Float64() < 0.6 {
				img[k] = float32(rng.IntN(256))
			}
		}
		img[0] = 1
		bt.Images = append(bt.Images, img)
	}
	if block {
		for i := 0; i < b; i++ {
			for j := i + 1; j < b; j++ {
				bt.Pairs = append(bt.Pairs, [2]int{i, j})
				bt.Targets = append(bt.Targets, 1+3*rng.Float64())
			}
		}
	} else {
		for k := 0; k < b/2; k++ {
			bt.Pairs = append(bt.Pairs, [2]int{k, b/2 + k})
			bt.Targets = append(bt.Targets, 1+3*rng.Float64())
		}
	}
	return bt
}

// Each model's loss gradient against central finite differences, in
// float64, on random parameter entries, in block and pair mode, and with
// the loss on squared distances (Options.Loss = LossW2Sq) for W2 models.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, m := range smallModels(8, 6) {
		for _, v := range []struct{ block, squared bool }{{true, false}, {false, false}, {true, true}} {
			block := v.block
			if v.squared && m.Target != models.TargetW2 {
				continue
			}
			net, err := newNet(m, 4, tensor.Float64, true, v.squared)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := models.NewCheckpoint(m, 5)
			// Non-zero biases: with zero biases, blank image regions sit
			// exactly on ReLU's kink, where finite differences average the
			// two one-sided slopes.
			for _, p := range m.Params() { // in Params order: the test is repeatable
				if v := c.Tensors[p.Name]; strings.HasSuffix(p.Name, ".b") {
					for i := range v {
						v[i] = float32(0.05 + 0.1*rng.Float64())
					}
				}
			}
			if err := net.SetWeights(c); err != nil {
				t.Fatal(err)
			}
			bt := randomBatch(rng, 4, m.H*m.W, block)
			if _, err := net.Forward(bt); err != nil {
				t.Fatal(err)
			}
			grads := map[string][]float64{}
			for _, name := range net.ParamNames() {
				g, err := net.GradOf(name)
				if err != nil {
					t.Fatal(err)
				}
				grads[name] = g
			}
			worst := 0.0
			loose, checks := 0, 0
			for _, name := range net.ParamNames() {
				data := net.byName[name].Value().Data().([]float64)
				for trial := 0; trial < 3; trial++ {
					i := rng.IntN(len(data))
					const h = 1e-5
					orig := data[i]
					data[i] = orig + h
					lp, err1 := net.Forward(bt)
					data[i] = orig - h
					lm, err2 := net.Forward(bt)
					data[i] = orig
					if err1 != nil || err2 != nil {
						t.Fatal(err1, err2)
					}
					fd := (lp.Loss - lm.Loss) / (2 * h)
					an := grads[name][i]
					err := math.Abs(fd-an) / math.Max(1e-3, math.Abs(fd)+math.Abs(an))
					worst = math.Max(worst, err)
					if err > 1e-5 {
						loose++
					}
					checks++
					if err > 1e-3 { // a ReLU kink crossed by ±h gives ~1e-4
						t.Errorf("%s block=%v squared=%v %s[%d]: analytic %.8g, finite difference %.8g", m.Kind, block, v.squared, name, i, an, fd)
					}
				}
			}
			if loose*10 > checks {
				t.Errorf("%s block=%v squared=%v: %d of %d entries off by more than 1e-5", m.Kind, block, v.squared, loose, checks)
			}
			t.Logf("%s block=%v squared=%v: worst relative gradient error %.2e", m.Kind, block, v.squared, worst)
			net.Close()
		}
	}
}

// The training loss is the mean squared difference between the model's
// distances (computed here from the embeddings) and the targets: on W2 for
// the KENN models, on d² against W2² with the squared loss.
func TestLossScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, m := range smallModels(8, 6)[1:] {
		c, _ := models.NewCheckpoint(m, 9)
		bt := randomBatch(rng, 4, m.H*m.W, true)
		ev, err := NewNet(m, 4, tensor.Float64, false)
		if err != nil {
			t.Fatal(err)
		}
		ev.SetWeights(c)
		emb, err := Embeddings(ev, bt.Images)
		if err != nil {
			t.Fatal(err)
		}
		ev.Close()
		w := c.DistanceWeights()
		for _, squared := range []bool{false, true} {
			var want float64
			for k, p := range bt.Pairs {
				d := models.Distance(m, w, emb[p[0]], emb[p[1]])
				if squared {
					d *= d
				}
				want += (d - bt.Targets[k]) * (d - bt.Targets[k])
			}
			want /= float64(len(bt.Pairs))
			net, err := newNet(m, 4, tensor.Float64, true, squared)
			if err != nil {
				t.Fatal(err)
			}
			net.SetWeights(c)
			lp, err := net.Forward(bt)
			net.Close()
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(lp.Loss-want) > 1e-6*want {
				t.Errorf("%s squared=%v: loss %.10g, from the embeddings %.10g", m.Kind, squared, lp.Loss, want)
			}
		}
	}
}
