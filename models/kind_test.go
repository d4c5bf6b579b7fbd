package models

import (
	"slices"
	"strings"
	"testing"
)

// sample returns a small valid model of every kind in Kinds, built by the
// kind's own constructor; a kind added to kindSpecs without a case here
// fails TestKinds.
func sample(k Kind) *Model {
	bb := Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	switch k {
	case KindDWE:
		return DWE(12, 10)
	case KindDeepKENN:
		return DeepKENN(12, 10, bb)
	case KindODEKENN:
		return ODEKENN(12, 10, bb, 6, 3)
	case KindNaive:
		return Naive(12, 10, bb)
	case KindEnsemble:
		return Ensemble(ODEKENN(12, 10, bb, 6, 3), DeepKENN(12, 10, bb))
	}
	return nil
}

// Every kind's description is consistent: a model of it validates, its
// parameters have distinct names and positive shapes and initialize, its
// segments sum to the embedding, its distance form agrees with its target,
// and it has segment weights exactly when its form is a weighted sum.
func TestKinds(t *testing.T) {
	if got := Kinds(); len(got) == 0 || !slices.Equal(got, Kinds()) {
		t.Fatalf("Kinds() = %v", got)
	}
	seen := map[Kind]bool{}
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			if seen[k] {
				t.Fatalf("%s listed twice", k)
			}
			seen[k] = true
			if back, err := ParseKind(string(k)); err != nil || back != k || !k.Known() {
				t.Fatalf("ParseKind(%q) = %q, %v", k, back, err)
			}
			m := sample(k)
			if m == nil {
				t.Fatalf("kind %s has no sample model in kind_test.go", k)
			}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			if m.Kind != k || m.Target != k.Target() {
				t.Fatalf("sample is a %s predicting %s; the kind predicts %s", m.Kind, m.Target, k.Target())
			}
			names := map[string]bool{}
			for _, p := range m.Params() {
				if names[p.Name] || p.Size() <= 0 {
					t.Errorf("parameter %s repeated or of shape %v", p.Name, p.Shape)
				}
				names[p.Name] = true
			}
			sum := 0
			for _, n := range m.Segments() {
				sum += n
			}
			if sum != m.EmbeddingDim() || sum == 0 {
				t.Errorf("segments %v, embedding %d", m.Segments(), m.EmbeddingDim())
			}
			switch k.Form() {
			case FormSquared:
				if k.Target() != TargetW2Sq {
					t.Errorf("a squared distance predicts %s", k.Target())
				}
			case FormWeightedNorms:
				if k.Target() != TargetW2 {
					t.Errorf("a sum of norms predicts %s", k.Target())
				}
			default:
				t.Errorf("form %d", k.Form())
			}
			c, err := NewCheckpoint(m, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Weights(); err != nil {
				t.Fatal(err)
			}
			w := c.DistanceWeights()
			if (k.Form() == FormWeightedNorms) != (len(w) == len(m.Segments())) || (k.Form() == FormSquared && w != nil) {
				t.Errorf("%d distance weights for %d segments (form %d)", len(w), len(m.Segments()), k.Form())
			}
			if names, pw := c.WeightProfile(); len(names) != len(w) || len(pw) != len(w) {
				t.Errorf("weight profile of %d names, %d weights; %d distance weights", len(names), len(pw), len(w))
			}
			if p := k.WeightsParam(); p != "" && !names[p] {
				t.Errorf("weights parameter %s is not a parameter", p)
			}
		})
	}
	if _, err := ParseKind("nosuch"); err == nil || !strings.Contains(err.Error(), "dwe") {
		t.Errorf("unknown kind: %v", err)
	}
	for _, k := range Trainable() {
		if k.Composite() || !k.Known() {
			t.Errorf("trainable %s is composite or unknown", k)
		}
	}
	if want := []Kind{KindDWE, KindDeepKENN, KindODEKENN, KindNaive}; !slices.Equal(Trainable(), want) {
		t.Errorf("Trainable() = %v, want %v (kenn train --model's choices)", Trainable(), want)
	}
}

// The parameter names other packages rely on are the models' own.
func TestParamNames(t *testing.T) {
	has := func(m *Model, name string) bool {
		for _, p := range m.Params() {
			if p.Name == name {
				return true
			}
		}
		return false
	}
	o := ODEKENN(12, 10, DefaultBackbone, 6, 3)
	for _, n := range []string{ParamODEW1, ParamODEB1, ParamODEW2, ParamODEB2, ParamAlpha, WeightParam("", o.Encoder[0]), BiasParam("", o.Encoder[0])} {
		if !has(o, n) {
			t.Errorf("odekenn has no parameter %s", n)
		}
	}
	if d := DeepKENN(12, 10, DefaultBackbone); !has(d, ParamBeta) {
		t.Errorf("deepkenn has no %s", ParamBeta)
	}
	dwe := DWE(12, 10)
	dec := 0
	for _, p := range dwe.Params() {
		if IsDecoderParam(p.Name) {
			dec++
			if !has(dwe, WeightParam(DecoderPrefix, Layer{Name: strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(p.Name, DecoderPrefix), ".W"), ".b")})) {
				t.Errorf("decoder parameter %s has no weights", p.Name)
			}
		}
	}
	if dec != 2*len(dwe.Decoder) {
		t.Errorf("%d decoder parameters for %d layers", dec, len(dwe.Decoder))
	}
	bad := DeepKENN(12, 10, DefaultBackbone)
	bad.Decoder = DWE(12, 10).Decoder
	if err := bad.Validate(); err == nil {
		t.Error("a deepkenn with a decoder accepted")
	}
}
