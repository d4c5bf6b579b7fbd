package models

import (
	"math"
	"strings"
	"testing"
)

// The conversions on hand-worked values, their round trip, and a target
// that is neither scale refused (CheckTarget) or a panic (ToW2Sq, ToW2):
// never read as one of the two.
func TestScale(t *testing.T) {
	for _, c := range []struct {
		target   string
		d        float64
		w2sq, w2 float64
	}{
		{TargetW2, 3, 9, 3},
		{TargetW2, 0, 0, 0},
		{TargetW2, 0.5, 0.25, 0.5},
		{TargetW2Sq, 9, 9, 3},
		{TargetW2Sq, 2, 2, math.Sqrt2},
		{TargetW2Sq, -1e-9, -1e-9, 0}, // a W2² rounded below 0 is W2 0
	} {
		t.Run(c.target, func(t *testing.T) {
			if err := CheckTarget(c.target); err != nil {
				t.Fatal(err)
			}
			if got := ToW2Sq(c.target, c.d); got != c.w2sq {
				t.Errorf("ToW2Sq(%s, %g) = %g, want %g", c.target, c.d, got, c.w2sq)
			}
			if got := ToW2(c.target, c.d); math.Abs(got-c.w2) > 1e-15 {
				t.Errorf("ToW2(%s, %g) = %g, want %g", c.target, c.d, got, c.w2)
			}
			// FromW2Sq inverts ToW2Sq on the distances a model can give.
			if c.w2sq >= 0 {
				if got := FromW2Sq(c.target, c.w2sq); math.Abs(got-c.d) > 1e-15 {
					t.Errorf("FromW2Sq(%s, %g) = %g, want %g", c.target, c.w2sq, got, c.d)
				}
			}
		})
	}
	for _, bad := range []string{"", "W2", "w2²", "distance"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if err := CheckTarget(bad); err == nil || !strings.Contains(err.Error(), "want") {
				t.Errorf("CheckTarget(%q) = %v, want an error", bad, err)
			}
			for name, f := range map[string]func(string, float64) float64{"ToW2Sq": ToW2Sq, "ToW2": ToW2, "FromW2Sq": FromW2Sq} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s(%q, 2) did not panic", name, bad)
						}
					}()
					f(bad, 2)
				}()
			}
		})
	}
	// every kind predicts one of the two scales
	for _, k := range Kinds() {
		if err := CheckTarget(k.Target()); err != nil {
			t.Errorf("kind %s: %v", k, err)
		}
	}
}
