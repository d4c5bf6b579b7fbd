package models

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDWEParamCount(t *testing.T) {
	m := DWE(28, 28)
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	// by hand: encoder 200 + 2505 + 392100 + 5050, decoder 5100 + 395920 + 1260 + 91
	if got, want := m.NumDistanceParams(), 399855; got != want {
		t.Errorf("encoder parameters %d, want %d", got, want)
	}
	if got, want := m.NumParams(), 399855+402371; got != want {
		t.Errorf("all parameters %d, want %d", got, want)
	}
	// shapes follow the input size
	if got := DWE(32, 20).Params()[4].Shape; got[0] != 5*32*20 {
		t.Errorf("fc1 input for 32×20: %v", got)
	}
}

func TestMatchedCounts(t *testing.T) {
	ref := DeepKENN(28, 28, DefaultBackbone).NumDistanceParams()
	for _, kind := range []Kind{KindDeepKENN, KindODEKENN, KindNaive} {
		m, err := Matched(kind, 28, 28, ref, DefaultBackbone, 64, 8)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		n := m.NumDistanceParams()
		if d := float64(n-ref) / float64(ref); d > 0.01 || d < -0.01 {
			t.Errorf("%s: %d parameters, target %d", kind, n, ref)
		}
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	for _, m := range []*Model{DWE(28, 28), DeepKENN(28, 28, DefaultBackbone), ODEKENN(16, 12, DefaultBackbone, 32, 4), Naive(28, 28, DefaultBackbone)} {
		c, err := NewCheckpoint(m, 3)
		if err != nil {
			t.Fatal(err)
		}
		c.Metrics = map[string]float64{"pearson": 0.99}
		c.State = &TrainState{Epoch: 2, LR: 1e-3}
		c.Tensors["adam.m/fc2.b"] = make([]float32, len(c.Tensors["fc2.b"]))
		path := filepath.Join(t.TempDir(), string(m.Kind)+".ckpt")
		if err := c.Save(path); err != nil {
			t.Fatal(err)
		}
		back, err := LoadCheckpoint(path)
		if err != nil {
			t.Fatal(err)
		}
		if back.Model.Kind != m.Kind || back.Metrics["pearson"] != 0.99 || back.State.Epoch != 2 || len(back.Tensors) != len(c.Tensors) {
			t.Fatalf("%s: round trip lost data", m.Kind)
		}
		for name, v := range c.Tensors {
			w := back.Tensors[name]
			for i := range v {
				if v[i] != w[i] {
					t.Fatalf("%s: tensor %s differs", m.Kind, name)
				}
			}
		}
		if err := back.CheckCompatible(m.Kind, m.H, m.W); err != nil {
			t.Fatal(err)
		}
		if err := back.CheckCompatible(m.Kind, 64, 64); err == nil || !strings.Contains(err.Error(), "64x64") {
			t.Errorf("other input size accepted: %v", err)
		}
		other := KindNaive
		if m.Kind == KindNaive {
			other = KindDWE
		}
		if err := back.CheckCompatible(other, m.H, m.W); err == nil {
			t.Errorf("other kind accepted")
		}
		// corruption and truncation are detected
		raw, _ := os.ReadFile(path)
		raw[len(raw)/2] ^= 1
		os.WriteFile(path, raw, 0o644)
		if _, err := LoadCheckpoint(path); err == nil || !strings.Contains(err.Error(), "checksum") {
			t.Errorf("corrupt file: %v", err)
		}
		os.WriteFile(path, raw[:len(raw)-100], 0o644)
		if _, err := LoadCheckpoint(path); err == nil {
			t.Errorf("truncated file accepted")
		}
		os.WriteFile(path, []byte("hello"), 0o644)
		if _, err := LoadCheckpoint(path); err == nil || !strings.Contains(err.Error(), "not a kenn checkpoint") {
			t.Errorf("foreign file: %v", err)
		}
	}
}

// An ensemble's distance is the mean of its members' distances, computed
// on the concatenated embedding with the members' weights over M.
func TestEnsembleAveragesMembers(t *testing.T) {
	a := ODEKENN(12, 10, Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}, 6, 3)
	b := DeepKENN(12, 10, Backbone{C1: 2, C2: 2, Hidden: 7, Out: 4})
	ca, _ := NewCheckpoint(a, 1)
	cb, _ := NewCheckpoint(b, 2)
	for i := range cb.Tensors["beta"] { // unequal weights
		cb.Tensors["beta"][i] = float32(i) - 1
	}
	ce, err := NewEnsemble(ca, cb)
	if err != nil {
		t.Fatal(err)
	}
	if ce.Model.NumParams() != a.NumParams()+b.NumParams() || ce.Model.EmbeddingDim() != a.EmbeddingDim()+b.EmbeddingDim() {
		t.Fatalf("ensemble sizes: %d parameters, embedding %d", ce.Model.NumParams(), ce.Model.EmbeddingDim())
	}
	rng := rand.New(rand.NewPCG(3, 3))
	vec := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	for trial := 0; trial < 5; trial++ {
		xa, ya, xb, yb := vec(a.EmbeddingDim()), vec(a.EmbeddingDim()), vec(b.EmbeddingDim()), vec(b.EmbeddingDim())
		want := (Distance(a, ca.DistanceWeights(), xa, ya) + Distance(b, cb.DistanceWeights(), xb, yb)) / 2
		got := Distance(ce.Model, ce.DistanceWeights(), append(append([]float64(nil), xa...), xb...), append(append([]float64(nil), ya...), yb...))
		if math.Abs(got-want) > 1e-12*want {
			t.Fatalf("ensemble distance %.15g, mean of members %.15g", got, want)
		}
	}
	// the member view returns the member's own tensors
	if m1 := ce.Member(1); &m1.Tensors["beta"][0] == &cb.Tensors["beta"][0] || m1.Tensors["beta"][2] != cb.Tensors["beta"][2] {
		t.Fatal("member view does not hold a copy of member 1's weights")
	}
	// errors: one member, a dwe member, other input sizes, other pairs
	for name, mk := range map[string]func() error{
		"one member": func() error { return Ensemble(a).Validate() },
		"dwe member": func() error { return Ensemble(a, DWE(12, 10)).Validate() },
		"sizes":      func() error { return Ensemble(a, DeepKENN(14, 10, DefaultBackbone)).Validate() },
		"pairs": func() error {
			cb.Provenance.TrainSHA256 = "other"
			_, err := NewEnsemble(ca, cb)
			return err
		},
	} {
		if err := mk(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
