package models

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// SegmentWeights against values worked out by hand.
func TestSegmentWeights(t *testing.T) {
	inv := func(y float64) float32 { return float32(math.Log(math.Expm1(y))) } // softplus⁻¹
	cases := []struct {
		name      string
		weighting Weighting
		theta     []float32
		scale     []float32
		norm      []float32
		want      []float64
	}{
		{"softplus each", WeightingSoftplus, []float32{inv(0.25), inv(2)}, nil, nil, []float64{0.25, 2}},
		// softmax(0, ln 2) = (1/3, 2/3), softplus(s) = 3, ν = (2, 0.5):
		// w = (3·(1/3)/2, 3·(2/3)/0.5)
		{"softmax", WeightingSoftmax, []float32{0, float32(math.Ln2)}, []float32{inv(3)}, []float32{2, 0.5}, []float64{0.5, 4}},
		// a common shift of θ changes nothing
		{"softmax shifted", WeightingSoftmax, []float32{50, 50 + float32(math.Ln2)}, []float32{inv(3)}, []float32{2, 0.5}, []float64{0.5, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := SegmentWeights(tc.weighting, tc.theta, tc.scale, tc.norm)
			for i := range tc.want {
				if math.Abs(got[i]-tc.want[i]) > 1e-5*tc.want[i] {
					t.Errorf("w[%d] = %.7g, want %.7g", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// A description without "weighting" (every checkpoint written before it
// existed) keeps its parameters and marshals as before; the models made
// now are WeightingSoftmax, with a scale and norms.
func TestWeightingParams(t *testing.T) {
	bb := Backbone{C1: 2, C2: 2, Hidden: 4, Out: 3}
	names := func(m *Model) string {
		var s []string
		for _, p := range m.Params() {
			if !strings.HasPrefix(p.Name, "conv") && !strings.HasPrefix(p.Name, "fc") && !strings.HasPrefix(p.Name, "ode.") {
				s = append(s, p.Name)
			}
		}
		return strings.Join(s, " ")
	}
	legacy := func(m *Model) *Model {
		raw, _ := json.Marshal(m)
		var old map[string]any
		json.Unmarshal(raw, &old)
		delete(old, "weighting")
		raw, _ = json.Marshal(old)
		var back Model
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		return &back
	}
	cases := []struct {
		name string
		m    *Model
		want string
	}{
		{"deepkenn", DeepKENN(8, 8, bb), "beta beta.scale beta.norm"},
		{"deepkenn legacy", legacy(DeepKENN(8, 8, bb)), "beta"},
		{"odekenn", ODEKENN(8, 8, bb, 4, 3), "alpha alpha.scale alpha.norm"},
		{"odekenn legacy", legacy(ODEKENN(8, 8, bb, 4, 3)), "alpha"},
		{"naive", Naive(8, 8, bb), "beta"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.m.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := names(tc.m); got != tc.want {
				t.Errorf("weight parameters %q, want %q", got, tc.want)
			}
			raw, _ := json.Marshal(tc.m)
			if has := strings.Contains(string(raw), `"weighting"`); has != (tc.m.Weighting != WeightingSoftplus) {
				t.Errorf("description %s: \"weighting\" present %v", raw, has)
			}
			c, err := NewCheckpoint(tc.m, 1)
			if err != nil {
				t.Fatal(err)
			}
			// fresh weights are uniform, 1/count each, in both weightings
			w := c.DistanceWeights()
			for l, v := range w {
				if math.Abs(v-1/float64(len(w))) > 1e-6 {
					t.Errorf("fresh weight %d = %g, want %g", l, v, 1/float64(len(w)))
				}
			}
		})
	}
}

func TestWeightingRefused(t *testing.T) {
	bb := Backbone{C1: 2, C2: 2, Hidden: 4, Out: 3}
	unknown := DeepKENN(8, 8, bb)
	unknown.Weighting = "linear"
	dwe := DWE(8, 8)
	dwe.Weighting = WeightingSoftmax
	for _, tc := range []struct {
		name string
		m    *Model
		want string
	}{{"unknown", unknown, `unknown weighting "linear"`}, {"dwe", dwe, "no segment weights"}} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// Two segments of 2 and 1 values; pairs at distances (3, 1) and (5, 3).
func TestSegmentContributions(t *testing.T) {
	m := &Model{Kind: KindDeepKENN, Encoder: []Layer{
		{Name: "a", Op: OpDense, Out: 2, Feature: true}, {Name: "b", Op: OpDense, Out: 1, Feature: true}}, H: 1, W: 1}
	pairs := [][2][]float64{
		{{0, 0, 0}, {3, 0, 1}},
		{{1, 1, 1}, {4, 5, -2}},
	}
	got := SegmentContributions(m, []float64{2, 0.5}, pairs)
	want := []float64{2 * (3 + 5) / 2.0, 0.5 * (1 + 3) / 2.0}
	for l := range want {
		if math.Abs(got[l]-want[l]) > 1e-12 {
			t.Errorf("contribution %d = %g, want %g", l, got[l], want[l])
		}
	}
}
