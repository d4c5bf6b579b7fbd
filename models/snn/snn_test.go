package snn

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/internal/ckptfile"
	"github.com/kenn-ot/kenn/models"
)

func tiny() *Model {
	return &Model{Inputs: []string{"x1", "x2"}, Outputs: []string{"y", "c"}, Cont: 1, Categories: [][]float64{{0, 1, 2}},
		Hidden: []int{4}, Loss: LossW2, Lambda: 1, InMean: []float64{0, 0}, InStd: []float64{1, 1}, OutMean: []float64{10}, OutStd: []float64{2},
		InitSigma: 0.1, CatEncoding: CatScores, Latent: 2}
}

// Parameters and widths follow the description: layers from x and the
// latent inputs to Cont + Σ K scores, μ and ρ per layer, then the shift.
func TestParams(t *testing.T) {
	s := tiny()
	var got []string
	for _, p := range s.Params() {
		got = append(got, p.Name)
	}
	want := []string{"snn.0.Wmu", "snn.0.bmu", "snn.0.Wrho", "snn.0.brho", "snn.1.Wmu", "snn.1.bmu", "snn.1.Wrho", "snn.1.brho", ShiftParam}
	if !slices.Equal(got, want) {
		t.Fatalf("params %v, want %v", got, want)
	}
	if w := s.Widths(); !slices.Equal(w, []int{4, 4, 4}) {
		t.Errorf("widths %v, want [4 4 4] (2 inputs + 2 latent, hidden 4, 1 + 3 scores)", w)
	}
	// (4·4 + 4)·2 + (4·4 + 4)·2 + 3·1
	if n := s.NumParams(); n != 83 {
		t.Errorf("NumParams %d, want 83", n)
	}
}

// Raw outputs are read as documented: argmax of the scores (the first on
// ties), the mse baseline's rounded and clamped real, and Decode
// unstandardizes the continuous outputs.
func TestCategoryAndDecode(t *testing.T) {
	s := tiny()
	cases := []struct {
		name string
		loss string
		raw  []float64
		want []float64
	}{
		{"scores, middle wins", LossW2, []float64{0.5, 0.1, 0.9, 0.2}, []float64{11, 1}},
		{"scores, tie takes the first", LossW2, []float64{0, 0.7, 0.7, 0.1}, []float64{10, 0}},
		{"mse, rounded", LossMSE, []float64{-1, 1.4}, []float64{8, 1}},
		{"mse, clamped", LossMSE, []float64{0, 7}, []float64{10, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := *s
			m.Loss = c.loss
			if got := m.Decode(c.raw); !slices.Equal(got, c.want) {
				t.Errorf("Decode(%v) = %v, want %v", c.raw, got, c.want)
			}
		})
	}
}

func TestValidateRefuses(t *testing.T) {
	cases := []struct {
		name   string
		change func(s *Model)
		want   string
	}{
		{"no inputs", func(s *Model) { s.Inputs, s.InMean, s.InStd = nil, nil, nil }, "no inputs"},
		{"one category", func(s *Model) { s.Categories = [][]float64{{0}} }, "has 1 categories"},
		{"unknown loss", func(s *Model) { s.Loss = "kl" }, `loss "kl"`},
		{"latent without noise", func(s *Model) { s.Loss = LossMSE }, "latent noise is for w2 only"},
		{"old encoding", func(s *Model) { s.CatEncoding = "" }, "retrain it"},
		{"negative lambda", func(s *Model) { s.Lambda = -1 }, "λ -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := tiny()
			c.change(s)
			if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate: %v, want an error with %q", err, c.want)
			}
		})
	}
	if err := tiny().Validate(); err != nil {
		t.Errorf("valid description refused: %v", err)
	}
}

// A checkpoint survives a save and load with every tensor, its state and
// provenance; ρ starts at log InitSigma, weight means within the Glorot
// bound, bias means at 0.
func TestCheckpointRoundTrip(t *testing.T) {
	c, err := NewCheckpoint(tiny(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range c.Tensors["snn.0.Wrho"] {
		if math.Abs(float64(v)-math.Log(0.1)) > 1e-6 {
			t.Fatalf("ρ = %v, want log 0.1", v)
		}
	}
	limit := math.Sqrt(6.0 / 8)
	for _, v := range c.Tensors["snn.0.Wmu"] {
		if math.Abs(float64(v)) > limit {
			t.Fatalf("weight mean %v beyond the Glorot bound %v", v, limit)
		}
	}
	if slices.ContainsFunc(c.Tensors["snn.0.bmu"], func(v float32) bool { return v != 0 }) {
		t.Fatal("bias means not 0")
	}
	c.State = &models.TrainState{Epoch: 4, BestVal: 0.25}
	c.Tensors["adam.m/snn.0.Wmu"] = make([]float32, 16)
	path := filepath.Join(t.TempDir(), "s.ckpt")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.State.Epoch != 4 || back.Provenance.Seed != 3 || back.Model.Latent != 2 || len(back.Tensors) != len(c.Tensors) {
		t.Fatalf("loaded state %+v, seed %d, latent %d, %d tensors (saved %d)", back.State, back.Provenance.Seed, back.Model.Latent, len(back.Tensors), len(c.Tensors))
	}
	for name, v := range c.Tensors {
		if !slices.Equal(back.Tensors[name], v) {
			t.Errorf("tensor %s changed in the round trip", name)
		}
	}
}

// An image model's checkpoint is refused with ErrNotSNN; an snn
// checkpoint written before this package (the description under
// "model") still loads.
func TestLoadCheckpointKinds(t *testing.T) {
	dir := t.TempDir()
	img, err := models.NewCheckpoint(models.Naive(8, 8, models.Backbone{C1: 2, C2: 2, Hidden: 4, Out: 3}), 1)
	if err != nil {
		t.Fatal(err)
	}
	ip := filepath.Join(dir, "naive.ckpt")
	if err := img.Save(ip); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCheckpoint(ip); !errors.Is(err, ErrNotSNN) || !strings.Contains(err.Error(), "naive") {
		t.Errorf("image checkpoint: %v, want ErrNotSNN naming its kind", err)
	}
	c, _ := NewCheckpoint(tiny(), 1)
	names, _ := c.paramNames()
	order, _ := ckptfile.Order(names, c.Tensors)
	legacy := map[string]any{"model": map[string]any{"kind": "snn", "snn": c.Model}, "provenance": c.Provenance,
		"tensors": ckptfile.Layout(order, c.Tensors, c.Shapes)}
	js, _ := json.Marshal(legacy)
	lp := filepath.Join(dir, "old.ckpt")
	if err := ckptfile.Write(lp, js, order, c.Tensors); err != nil {
		t.Fatal(err)
	}
	back, err := LoadCheckpoint(lp)
	if err != nil {
		t.Fatalf("older snn checkpoint: %v", err)
	}
	if !slices.Equal(back.Tensors["snn.1.Wmu"], c.Tensors["snn.1.Wmu"]) || back.Model.Outputs[1] != "c" {
		t.Error("older snn checkpoint read with other values")
	}
	// and models refuses an snn checkpoint, pointing at this package
	sp := filepath.Join(dir, "s.ckpt")
	c.Save(sp)
	if _, err := models.LoadCheckpoint(sp); err == nil || !strings.Contains(err.Error(), "models/snn") {
		t.Errorf("models.LoadCheckpoint of an snn checkpoint: %v", err)
	}
}
