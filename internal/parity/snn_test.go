package parity

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
)

// a small trained SNN with one continuous and one categorical output
func trainedSNN(t *testing.T, loss string) *models.Checkpoint {
	rng := rand.New(rand.NewPCG(7, 7))
	var d build.SNNData
	for i := 0; i < 300; i++ {
		x := rng.Float64()
		c := 0.0
		if rng.Float64() < x {
			c = 1
		}
		d.X = append(d.X, []float64{x, rng.Float64()})
		d.Y = append(d.Y, []float64{x + 0.3*c + 0.1*rng.NormFloat64(), c * 5})
	}
	names := []string{"y", "c"}
	m, err := build.NewSNNModel(d.X, d.Y, build.SNNSpec{X: []string{"x1", "x2"}, Y: names,
		Categorical: map[string][]float64{"c": {0, 5}}, Hidden: []int{16}, Loss: loss})
	if err != nil {
		t.Fatal(err)
	}
	c, err := build.TrainSNN(context.Background(), m, names, d, d, build.SNNOptions{Epochs: 3, Seed: 1, Out: filepath.Join(t.TempDir(), "s.ckpt")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The exported SNN with its noise as inputs gives Gorgonia's outputs for
// the same noise; the sampling export's 10,000 draws have Go's mean and
// variance (within sampling error) and onnxruntime draws fresh noise on
// every run.
func TestSNNGorgoniaEqualsONNXRuntime(t *testing.T) {
	rt, err := runtime.Open(runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, loss := range []string{models.LossW2, models.LossMSE, models.LossCE} {
		c := trainedSNN(t, loss)
		s := c.Model.SNN
		path := filepath.Join(t.TempDir(), "s.onnx")
		if _, err := export.WriteSNN(c, path, 42); err != nil {
			t.Fatal(err)
		}
		// exact parity with explicit noise
		x := [][]float64{{0.1, 0.5}, {0.5, 0.2}, {0.9, 0.9}, {0.3, 0.7}}
		rng := rand.New(rand.NewPCG(1, 2))
		var eps [][]float64
		inputs := []string{"x"}
		values := []ort.Value{}
		xs := make([]float32, 0, 8)
		for _, r := range x {
			xs = append(xs, float32(r[0]), float32(r[1]))
		}
		tx, _ := ort.NewTensor(ort.NewShape(4, 2), xs)
		values = append(values, tx)
		if s.Stochastic() {
			for l, w := range s.Widths()[1:] {
				e := make([]float64, 4*w)
				e32 := make([]float32, 4*w)
				for i := range e {
					e[i] = rng.NormFloat64()
					e32[i] = float32(e[i])
				}
				eps = append(eps, e)
				te, _ := ort.NewTensor(ort.NewShape(4, int64(w)), e32)
				values = append(values, te)
				inputs = append(inputs, "eps"+string(rune('0'+l)))
			}
		}
		want, err := build.SNNForward(c, x, eps)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := ort.NewDynamicAdvancedSession(export.NoisePath(path), inputs, []string{"y"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float32, 4*2)
		ty, _ := ort.NewTensor(ort.NewShape(4, 2), out)
		if err := sess.Run(values, []ort.Value{ty}); err != nil {
			t.Fatal(err)
		}
		for i := range x {
			if math.Abs(float64(out[i*2])-want[i][0]) > 1e-4*math.Max(1, math.Abs(want[i][0])) || float64(out[i*2+1]) != want[i][1] {
				t.Errorf("%s row %d: onnxruntime %v, Gorgonia %v", loss, i, out[i*2:i*2+2], want[i])
			}
		}
		ty.Destroy()
		for _, v := range values {
			v.Destroy()
		}
		sess.Destroy()

		// 10,000 draws: onnxruntime's in-graph sampling against Go's
		sm, err := rt.LoadSampler(path, 7)
		if err != nil {
			t.Fatal(err)
		}
		pt := [][]float64{{0.6, 0.4}}
		a, err := sm.Sample(pt, 10000)
		if err != nil {
			t.Fatal(err)
		}
		b, err := build.SampleSNN(c, pt, 10000, 7)
		if err != nil {
			t.Fatal(err)
		}
		for col := 0; col < 2; col++ {
			ma, va, ka := moments(a[0], col)
			mb, vb, kb := moments(b[0], col)
			// five standard errors of the difference of means and of variances
			se := math.Sqrt((va + vb) / 10000)
			sev := math.Sqrt((ka - va*va + kb - vb*vb) / 10000)
			if math.Abs(ma-mb) > 5*se+1e-6 || math.Abs(va-vb) > 5*sev+1e-6 {
				t.Errorf("%s column %d: onnxruntime mean %.4f var %.5f, Go mean %.4f var %.5f", loss, col, ma, va, mb, vb)
			}
			t.Logf("%s column %s: onnxruntime mean %.4f var %.5f, Go mean %.4f var %.5f", loss, s.Outputs[col], ma, va, mb, vb)
		}
		if s.Stochastic() {
			again, _ := sm.Sample(pt, 10)
			same := true
			for k := range again[0] {
				same = same && again[0][k][0] == a[0][k][0]
			}
			if same {
				t.Errorf("%s: a second run repeated the first run's samples", loss)
			}
		}
	}
}

// moments returns the mean, variance and fourth central moment.
func moments(rows [][]float64, col int) (float64, float64, float64) {
	var s, ss, s4 float64
	for _, r := range rows {
		s += r[col]
	}
	m := s / float64(len(rows))
	for _, r := range rows {
		d := (r[col] - m) * (r[col] - m)
		ss += d
		s4 += d * d
	}
	n := float64(len(rows))
	return m, ss / n, s4 / n
}
