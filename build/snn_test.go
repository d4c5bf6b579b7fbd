package build

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/models"
)

// gaussToy: x ~ U(0, 1), y | x ~ N(2x, (0.2 + 0.3x)²).
func gaussToy(n int, seed uint64) SNNData {
	rng := rand.New(rand.NewPCG(seed, 1))
	var d SNNData
	for i := 0; i < n; i++ {
		x := rng.Float64()
		d.X = append(d.X, []float64{x})
		d.Y = append(d.Y, []float64{2*x + (0.2+0.3*x)*rng.NormFloat64()})
	}
	return d
}

// Gradients of every SNN loss against central finite differences, in
// float64, with fixed noise and a fixed matching.
func TestSNNGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var d SNNData
	for i := 0; i < 40; i++ {
		x1, x2 := rng.Float64(), rng.Float64()
		d.X = append(d.X, []float64{x1, x2})
		d.Y = append(d.Y, []float64{x1 + rng.NormFloat64(), float64(rng.IntN(3)), float64(rng.IntN(2))})
	}
	names := []string{"y", "c", "k"}
	for _, loss := range []string{models.LossW2, models.LossMSE, models.LossCE} {
		m, err := NewSNNModel(d.X, d.Y, SNNSpec{X: []string{"x1", "x2"}, Y: names,
			Categorical: map[string][]float64{"c": nil, "k": nil}, Hidden: []int{5}, Loss: loss, InitSigma: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := models.NewCheckpoint(m, 2)
		e, err := encode(m.SNN, d, names, "t")
		if err != nil {
			t.Fatal(err)
		}
		nbs, _ := neighbourhoods(e.x, 6, 0, "t")
		net, err := NewSNNNet(m, 2*6, tensor.Float64, true)
		if err != nil {
			t.Fatal(err)
		}
		net.SetWeights(c)
		// one step fixes the noise and the matching; then the loss inputs
		// are frozen and the graph's loss is a smooth function of the weights
		step := func() float64 {
			_, l, err := net.run(net.lastInputs)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		if _, err := snnStep(net, e, nbs, []int{3, 17}, 6, rand.New(rand.NewPCG(1, 1)), true); err != nil {
			t.Fatal(err)
		}
		step()
		for _, p := range m.Params() {
			g := mustGrad(t, net, p.Name)
			w := c.Tensors[p.Name]
			for _, i := range []int{0, len(w) / 2, len(w) - 1} {
				orig := w[i]
				h := float32(1e-3)
				w[i] = orig + h
				net.SetWeights(c)
				up := step()
				w[i] = orig - h
				net.SetWeights(c)
				down := step()
				w[i] = orig
				net.SetWeights(c)
				fd := (up - down) / (2 * float64(h))
				step()
				g = mustGrad(t, net, p.Name)
				if math.Abs(fd-g[i]) > 1e-4*math.Max(1, math.Abs(fd)) {
					t.Errorf("%s %s[%d]: gradient %.8g, finite difference %.8g", loss, p.Name, i, g[i], fd)
				}
			}
		}
		net.Close()
	}
}

// The loss is zero when the samples equal the targets: a network whose
// output is exactly the observed value (σ → 0, a target that is a
// function of x) scores local W2² = 0.
func TestSNNLossZeroOnExactSamples(t *testing.T) {
	var d SNNData
	for i := 0; i < 64; i++ {
		x := float64(i) / 63
		d.X = append(d.X, []float64{x})
		d.Y = append(d.Y, []float64{3*x - 1})
	}
	m, err := NewSNNModel(d.X, d.Y, SNNSpec{X: []string{"x"}, Y: []string{"y"}, Hidden: []int{}, InitSigma: 1e-30})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := models.NewCheckpoint(m, 1)
	// y_std = a·x_std exactly, with a = cov/var = 1 (both standardized, perfectly correlated)
	c.Tensors["snn.0.Wmu"][0] = 1
	c.Tensors["snn.0.bmu"][0] = 0
	e, _ := encode(m.SNN, d, []string{"y"}, "t")
	nbs, _ := neighbourhoods(e.x, 8, 0, "t")
	v, err := SNNLocalW2(c, e, nbs, 4, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v > 1e-12 {
		t.Fatalf("local W2² of exact samples: %g", v)
	}
	c.Tensors["snn.0.bmu"][0] = 0.5 // shifted by half a standard deviation
	v, _ = SNNLocalW2(c, e, nbs, 4, 8, 1)
	if math.Abs(v-0.25) > 1e-6 {
		t.Fatalf("local W2² of samples shifted by 0.5: %g, want 0.25", v)
	}
}

// On a 1-D Gaussian toy, the trained SNN's conditional mean and standard
// deviation match the truth within a stated tolerance: 0.1 on the mean
// and 25% on the standard deviation at x = 0.25, 0.5, 0.75.
func TestSNNLearnsGaussianToy(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network for several seconds")
	}
	names := []string{"y"}
	tr, va := gaussToy(1500, 1), gaussToy(300, 2)
	m, err := NewSNNModel(tr.X, tr.Y, SNNSpec{X: []string{"x"}, Y: names, Hidden: []int{32, 32}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := TrainSNN(context.Background(), m, names, tr, va, SNNOptions{Epochs: 150, Seed: 3, LR: 3e-3, Patience: 150, EpochDone: func(e int, tl, vl float64, imp bool) {
		if e%50 == 0 {
			t.Logf("epoch %d train %.4f val %.4f", e, tl, vl)
		}
	}, Out: filepath.Join(t.TempDir(), "s.ckpt")})
	if err != nil {
		t.Fatal(err)
	}
	xs := [][]float64{{0.25}, {0.5}, {0.75}}
	samples, err := SampleSNN(c, xs, 4000, 9)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range xs {
		var s, ss float64
		for _, y := range samples[i] {
			s += y[0]
			ss += y[0] * y[0]
		}
		n := float64(len(samples[i]))
		mean := s / n
		sd := math.Sqrt(ss/n - mean*mean)
		wantMean, wantSD := 2*x[0], 0.2+0.3*x[0]
		t.Logf("x=%.2f: mean %.3f (true %.3f), sd %.3f (true %.3f)", x[0], mean, wantMean, sd, wantSD)
		if math.Abs(mean-wantMean) > 0.1 || math.Abs(sd-wantSD) > 0.25*wantSD {
			t.Errorf("x=%.2f: mean %.3f sd %.3f, want %.3f ± 0.1 and %.3f ± 25%%", x[0], mean, sd, wantMean, wantSD)
		}
	}
}

func mustGrad(t *testing.T, n *SNNNet, name string) []float64 {
	g, err := n.byName[name].Grad()
	if err != nil {
		t.Fatal(err)
	}
	return values(g)
}
