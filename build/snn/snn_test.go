package snn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/internal/gtrain"
	msnn "github.com/kenn-ot/kenn/models/snn"
	"github.com/kenn-ot/kenn/ot"
)

// gaussToy: x ~ U(0, 1), y | x ~ N(2x, (0.2 + 0.3x)²).
func gaussToy(n int, seed uint64) Data {
	rng := rand.New(rand.NewPCG(seed, 1))
	var d Data
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
	var d Data
	for i := 0; i < 40; i++ {
		x1, x2 := rng.Float64(), rng.Float64()
		d.X = append(d.X, []float64{x1, x2})
		d.Y = append(d.Y, []float64{x1 + rng.NormFloat64(), float64(rng.IntN(3)), float64(rng.IntN(2))})
	}
	names := []string{"y", "c", "k"}
	for _, loss := range []string{msnn.LossW2, msnn.LossMSE, msnn.LossCE} {
		m, err := NewModel(d.X, d.Y, Spec{X: []string{"x1", "x2"}, Y: names,
			Categorical: map[string][]float64{"c": nil, "k": nil}, Hidden: []int{5}, Loss: loss, InitSigma: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := msnn.NewCheckpoint(m, 2)
		e, err := encode(m, d, names, "t")
		if err != nil {
			t.Fatal(err)
		}
		nbs, _ := neighbourhoods(e.x, 6, 0, "t")
		net, err := NewNet(m, 2*6, tensor.Float64, true)
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
		if _, err := batchStep(net, e, nbs, []int{3, 17}, 6, rand.New(rand.NewPCG(1, 1)), true); err != nil {
			t.Fatal(err)
		}
		step()
		for _, p := range m.Params() {
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
				g := mustGrad(t, net, p.Name)
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
	var d Data
	for i := 0; i < 64; i++ {
		x := float64(i) / 63
		d.X = append(d.X, []float64{x})
		d.Y = append(d.Y, []float64{3*x - 1})
	}
	m, err := NewModel(d.X, d.Y, Spec{X: []string{"x"}, Y: []string{"y"}, Hidden: []int{}, InitSigma: 1e-30, Latent: -1})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := msnn.NewCheckpoint(m, 1)
	// y_std = a·x_std exactly, with a = cov/var = 1 (both standardized, perfectly correlated)
	c.Tensors["snn.0.Wmu"][0] = 1
	c.Tensors["snn.0.bmu"][0] = 0
	e, _ := encode(m, d, []string{"y"}, "t")
	nbs, _ := neighbourhoods(e.x, 8, 0, "t")
	v, err := LocalW2(c, e, nbs, 4, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v > 1e-12 {
		t.Fatalf("local W2² of exact samples: %g", v)
	}
	c.Tensors["snn.0.bmu"][0] = 0.5 // shifted by half a standard deviation
	v, _ = LocalW2(c, e, nbs, 4, 8, 1)
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
	m, err := NewModel(tr.X, tr.Y, Spec{X: []string{"x"}, Y: names, Hidden: []int{32, 32}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Train(context.Background(), m, names, tr, va, Options{Epochs: 150, Seed: 3, LR: 3e-3, Patience: 150, OnEpoch: func(e msnn.EpochLog) {
		if e.Epoch%50 == 0 {
			t.Logf("epoch %d train %.4f val %.4f", e.Epoch, e.TrainW2, e.ValW2)
		}
	}, Out: filepath.Join(t.TempDir(), "s.ckpt")})
	if err != nil {
		t.Fatal(err)
	}
	xs := [][]float64{{0.25}, {0.5}, {0.75}}
	samples, err := Sample(c, xs, 4000, 9)
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

func mustGrad(t *testing.T, n *Net, name string) []float64 {
	g, err := n.byName[name].Grad()
	if err != nil {
		t.Fatal(err)
	}
	return gtrain.Values(g)
}

// catModel is an SNN with one categorical output of k categories (and
// cont continuous outputs) for the hand-made matching examples.
func catModel(t *testing.T, k, cont int) *msnn.Model {
	t.Helper()
	var x, y [][]float64
	for i := 0; i < k; i++ {
		row := make([]float64, cont+1)
		row[cont] = float64(i)
		x, y = append(x, []float64{float64(i)}), append(y, row)
	}
	names := []string{"c"}
	for i := 0; i < cont; i++ {
		names = append([]string{"y" + string(rune('0'+i))}, names...)
	}
	m, err := NewModel(x, y, Spec{X: []string{"x"}, Y: names, Categorical: map[string][]float64{"c": nil}, Hidden: []int{}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The categorical gradient moves exactly the excess samples of each
// over-represented category, those closest to the cell of an
// under-represented category, toward it; nothing else but their mirrors
// (the nearest sample on the other side of the boundary, which takes half
// of each move). Worked by hand:
//
//	K = 2: observed categories 0,0,0,1,1; samples' scores (s0, s1) give
//	categories 0,0,0,0,1: one 0 too many, so one sample moves to 1: the
//	category-0 sample nearest cell 1 (hinge s0 − s1 = 0.5: sample 1),
//	sharing the move with the one category-1 sample (4).
//	K = 3: observed 0,2,2,1; sampled 0,0,0,1: two 0s too many, two 2s
//	missing, category 1 right: samples 0 (hinge to cell 2: 0.2) and 2
//	(1.0) move to 2, not sample 1 (2.0) and not toward category 1; no
//	sample of category 2 to mirror them.
func TestSNNCategoricalPushesExcessOnly(t *testing.T) {
	cases := []struct {
		name     string
		k, cont  int
		raws, ys [][]float64
		want     []catPush
	}{
		{"binary, one excess", 2, 0,
			[][]float64{{0, -3}, {0, -0.5}, {0, -1}, {0, -2}, {0, 1}},
			[][]float64{{0}, {0}, {0}, {1}, {1}},
			[]catPush{{Sample: 1, From: 0, Toward: 1, Share: 0.5}, {Sample: 4, From: 0, Toward: 1, Share: 0.5}}},
		{"three categories, two excess to the missing one", 3, 0,
			[][]float64{{0, -1, -0.2}, {0, -1, -2}, {0, -0.5, -1}, {-1, 0, -3}},
			[][]float64{{0}, {2}, {2}, {1}},
			[]catPush{{Sample: 0, From: 0, Toward: 2, Share: 1}, {Sample: 2, From: 0, Toward: 2, Share: 1}}},
		{"bimodal: the middle category over-represented", 3, 0,
			// sampled 1,1,1,1,0,2 against observed 0,0,1,2,2,0: three 1s too
			// many, two 0s and one 2 missing. Least total hinge: sample 1 to 2
			// (0.1), samples 2 (0.3) and 0 (1.0) to 0 (not 3: 2.0). Mirrors:
			// sample 5 (the only 2; hinge to cell 1: 1) for sample 1, sample
			// 4 (the only 0) for sample 2, none left for sample 0.
			[][]float64{{0, 1, -1}, {-1, 1, 0.9}, {0.7, 1, 0}, {-1, 1, 0}, {1, 0, 0}, {0, 0, 1}},
			[][]float64{{0}, {0}, {1}, {2}, {2}, {0}},
			[]catPush{{Sample: 1, From: 1, Toward: 2, Share: 0.5}, {Sample: 5, From: 1, Toward: 2, Share: 0.5},
				{Sample: 2, From: 1, Toward: 0, Share: 0.5}, {Sample: 4, From: 1, Toward: 0, Share: 0.5},
				{Sample: 0, From: 1, Toward: 0, Share: 1}}},
		{"frequencies equal: no push, whatever the pairing by y", 2, 1,
			// y pairs every sample with an observation of the other category
			[][]float64{{5, 1, 0}, {-5, 1, 0}, {5, 0, 1}, {-5, 0, 1}},
			[][]float64{{-5, 0}, {5, 0}, {-5, 1}, {5, 1}},
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := catModel(t, c.k, c.cont)
			got, err := categoricalPushes(s, c.raws, c.ys)
			if err != nil {
				t.Fatal(err)
			}
			key := func(ps []catPush) map[catPush]bool {
				m := map[catPush]bool{}
				for _, p := range ps {
					m[p] = true
				}
				return m
			}
			g, w := key(got), key(c.want)
			if len(got) != len(c.want) || len(g) != len(w) {
				t.Fatalf("pushes %+v, want %+v", got, c.want)
			}
			for p := range w {
				if !g[p] {
					t.Errorf("missing push %+v; got %+v", p, got)
				}
			}
		})
	}
}

// In training steps on random data, the categorical gradient adds up to
// exactly Σ over neighbourhoods of the number of excess samples (counted
// here from the decoded samples and the data) moves of λ·w, each row
// getting a whole move or half of one (−, + on two scores), and the loss
// reported is the true local W2² (indicator cost, exact assignment).
func TestSNNStepPushesCountExcess(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	var d Data
	for i := 0; i < 200; i++ {
		x := rng.Float64()
		d.X = append(d.X, []float64{x})
		d.Y = append(d.Y, []float64{x + rng.NormFloat64(), float64(rng.IntN(3))})
	}
	names := []string{"y", "c"}
	m, err := NewModel(d.X, d.Y, Spec{X: []string{"x"}, Y: names, Categorical: map[string][]float64{"c": nil}, Hidden: []int{8}, InitSigma: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	s := m
	c, _ := msnn.NewCheckpoint(m, 4)
	e, _ := encode(s, d, names, "t")
	const k = 16
	nbs, _ := neighbourhoods(e.x, k, 0, "t")
	centers := []int{3, 50, 120, 199}
	net, err := NewNet(m, len(centers)*k, tensor.Float64, true)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	net.SetWeights(c)
	loss, err := batchStep(net, e, nbs, centers, k, rand.New(rand.NewPCG(3, 3)), true)
	if err != nil {
		t.Fatal(err)
	}
	in := net.lastInputs
	D := s.OutputDim()
	out := gtrain.Values(net.outVal) // the second run has the same inputs and noise: same outputs
	wantPushed, wantLoss := 0, 0.0
	cost := ot.Mixed{Cont: 1, Cat: 1, Lambda: s.Lambda}
	for ci, ctr := range centers {
		sampled, observed := make([]int, 3), make([]int, 3)
		var ps, ys [][]float64
		for a := 0; a < k; a++ {
			raw := out[(ci*k+a)*D : (ci*k+a+1)*D]
			sampled[s.Category(raw, 0)]++
			observed[int(e.y[nbs[ctr][a]][1])]++
			ps, ys = append(ps, []float64{raw[0], float64(s.Category(raw, 0))}), append(ys, e.y[nbs[ctr][a]])
		}
		for j := range sampled {
			wantPushed += max(0, sampled[j]-observed[j])
		}
		v, err := ot.EmpiricalW2Sq(cost, ps, ys, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantLoss += v / float64(len(centers))
	}
	pushed := 0.0
	w := s.Lambda / float64(len(centers)*k)
	for r := 0; r < len(centers)*k; r++ {
		row := in.WLin[r*D : (r+1)*D]
		var neg, pos float64
		for j, v := range row {
			if v != 0 && j < s.Cont {
				t.Fatalf("row %d: categorical gradient on a continuous output: %v", r, row)
			}
			if v < 0 {
				neg -= v / w
			} else {
				pos += v / w
			}
		}
		if math.Abs(neg-pos) > 1e-12 || neg > 1+1e-12 || (neg != 0 && math.Abs(neg-0.5) > 1e-12 && math.Abs(neg-1) > 1e-12) {
			t.Fatalf("row %d: WLin %v (λ·w = %g)", r, row, w)
		}
		pushed += neg
	}
	if math.Abs(pushed-float64(wantPushed)) > 1e-9 || wantPushed == 0 {
		t.Errorf("%g samples' worth of pushes, %d excess samples", pushed, wantPushed)
	}
	if math.Abs(loss-wantLoss) > 1e-9 {
		t.Errorf("step loss %.12f, exact local W2² %.12f", loss, wantLoss)
	}
}

// The training curve: one line per epoch in OUT.curve.csv, equal to what
// OnEpoch reports, the validation local W2² equal to LocalW2 of the
// weights of that epoch (the last one checked), and a resumed run keeps
// the lines of the epochs before the interruption.
func TestSNNTrainingCurve(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	var d Data
	for i := 0; i < 300; i++ {
		x := rng.Float64()
		d.X = append(d.X, []float64{x})
		d.Y = append(d.Y, []float64{x + 0.1*rng.NormFloat64(), float64(rng.IntN(2))})
	}
	names := []string{"y", "c"}
	m, err := NewModel(d.X, d.Y, Spec{X: []string{"x"}, Y: names, Categorical: map[string][]float64{"c": nil}, Hidden: []int{4}})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "s.ckpt")
	var seen []msnn.EpochLog
	ctx, cancel := context.WithCancel(context.Background())
	opt := Options{Epochs: 4, Seed: 1, Out: out, OnEpoch: func(e msnn.EpochLog) {
		seen = append(seen, e)
		if e.Epoch == 2 {
			cancel()
		}
	}}
	if _, err := Train(ctx, m, names, d, d, opt); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	c, err := Train(context.Background(), m, names, d, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readCurve(out+CurveSuffix, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || len(seen) != 4 {
		t.Fatalf("curve has %d lines, OnEpoch saw %d epochs; want 4", len(got), len(seen))
	}
	for i, e := range got {
		w := seen[i]
		if e.Epoch != i+1 || e.Epoch != w.Epoch || math.Abs(e.ValW2-w.ValW2) > 1e-7*w.ValW2 || math.Abs(e.TrainW2-w.TrainW2) > 1e-7*w.TrainW2 || e.Improved != w.Improved || !(e.CatSigma > 0) {
			t.Errorf("curve line %d: %+v, OnEpoch %+v", i+1, e, w)
		}
	}
	if c.State.BestEpoch == 4 {
		e, _ := encode(m, d, names, "t")
		nbs, _ := neighbourhoods(e.x, 32, 0, "t")
		v, err := LocalW2(c, e, nbs, 8, 32, 1)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(v-got[3].ValW2) > 1e-7*v { // the file keeps 8 significant digits
			t.Errorf("best (last) epoch: LocalW2 %.9f, curve %.9f", v, got[3].ValW2)
		}
	}
}

// A run resumes only the run that saved its state: another table, other
// columns, layers, latent size or batch is refused, naming what differs,
// rather than trained on with the saved model's description.
func TestSNNResumeRefusesAnotherRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var d, d2 Data
	for i := 0; i < 200; i++ {
		x, z := rng.Float64(), rng.Float64()
		d.X = append(d.X, []float64{x, z})
		d.Y = append(d.Y, []float64{x + 0.1*rng.NormFloat64()})
		d2.X = append(d2.X, []float64{2 * x, z})
		d2.Y = append(d2.Y, d.Y[i])
	}
	names := []string{"y"}
	spec := Spec{X: []string{"a", "b"}, Y: names, Hidden: []int{4}}
	model := func(d Data, f func(*Spec)) *msnn.Model {
		sp := spec
		if f != nil {
			f(&sp)
		}
		m, err := NewModel(d.X, d.Y, sp)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	out := filepath.Join(t.TempDir(), "s.ckpt")
	ctx, cancel := context.WithCancel(context.Background())
	opt := Options{Epochs: 3, Seed: 1, Out: out, OnEpoch: func(e msnn.EpochLog) { cancel() }}
	if _, err := Train(ctx, model(d, nil), names, d, d, opt); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	opt.OnEpoch = nil
	for _, c := range []struct {
		name string
		m    *msnn.Model
		data Data
		opt  func(*Options)
		want string
	}{
		{"hidden", model(d, func(s *Spec) { s.Hidden = []int{8} }), d, nil, "hidden: saved [4], given [8]"},
		{"inputs", model(d, func(s *Spec) { s.X = []string{"b", "a"} }), d, nil, "inputs: saved [a b], given [b a]"},
		{"table", model(d2, nil), d2, nil, "training table"},
		{"latent", model(d, func(s *Spec) { s.Latent = 5 }), d, nil, "latent: saved 2, given 5"},
		{"batch", model(d, nil), d, func(o *Options) { o.Neighbors = 16 }, "batch (centers × neighbours): saved 256, given 128"},
		{"seed", model(d, nil), d, func(o *Options) { o.Seed = 2 }, "seed: saved 1, given 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := opt
			if c.opt != nil {
				c.opt(&o)
			}
			_, err := Train(context.Background(), c.m, names, c.data, c.data, o)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "another run") {
				t.Errorf("resume with another %s: %v, want a refusal naming %q", c.name, err, c.want)
			}
		})
	}
	if _, err := Train(context.Background(), model(d, nil), names, d, d, opt); err != nil {
		t.Errorf("resume with the same settings: %v", err)
	}
}
