package plots

import (
	"path/filepath"
	"testing"
)

// Two panels under one title: the first panel's values above the second's,
// each panel's y label once, the x label once (under the last).
func TestProfilesStacksPanels(t *testing.T) {
	p := filepath.Join(t.TempDir(), "w.svg")
	err := Profiles(p, "ODE-KENN time weights", "time t_k", []string{"0", "0.5", "1"},
		Panel{"weight w_k (no unit)", []float64{0.017, 0.023, 0.031}},
		Panel{"contribution (W2, px)", []float64{1.25, 2.5, 3.75}})
	if err != nil {
		t.Fatal(err)
	}
	texts, _, _, h := readSVG(t, p)
	title := one(t, texts, "ODE-KENN time weights")
	one(t, texts, "time t_k")
	one(t, texts, "weight w_k (no unit)")
	one(t, texts, "contribution (W2, px)")
	for _, top := range []string{"0.017", "0.023", "0.031"} {
		for _, bottom := range []string{"1.25", "2.5", "3.75"} {
			a, b := one(t, texts, top), one(t, texts, bottom)
			if !(b.y < a.y && a.y < title.y && b.y > 0 && a.y < h) {
				t.Errorf("weight label %q at y = %.1f pt, contribution label %q at %.1f, title at %.1f, height %.1f: want the contributions below the weights, both inside",
					top, a.y, bottom, b.y, title.y, h)
			}
		}
	}
	if err := Profiles(p, "t", "x", []string{"a"}); err == nil {
		t.Error("no panel: want an error")
	}
	if err := Profiles(p, "t", "x", []string{"a"}, Panel{"y", []float64{1, 2}}); err == nil {
		t.Error("2 values for 1 name: want an error")
	}
}
