package fit

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitPartitionsAndStratifies(t *testing.T) {
	const n = 1000
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i * 7) % 10
		if i%13 == 0 {
			labels[i] = 3 // an over-represented class
		}
	}
	count := func(idx []int) map[int]int {
		c := map[int]int{}
		for _, i := range idx {
			c[labels[i]]++
		}
		return c
	}
	all := count(func() []int {
		v := make([]int, n)
		for i := range v {
			v[i] = i
		}
		return v
	}())
	s, err := MakeSplit(n, labels, 36, 500, 600, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.N = n
	if err := s.check(); err != nil {
		t.Fatal(err)
	}
	if len(s.Test) != 100 || len(s.Val) != 100 || len(s.Train) != 800 {
		t.Errorf("sizes %d/%d/%d, want 800/100/100", len(s.Train), len(s.Val), len(s.Test))
	}
	for name, part := range map[string][]int{"test": s.Test, "val": s.Val, "train": s.Train, "first 200 train": s.Train[:200]} {
		c := count(part)
		for l, tot := range all {
			want := float64(tot) * float64(len(part)) / n
			if d := float64(c[l]) - want; d > 1.5 || d < -1.5 {
				t.Errorf("%s: label %d has %d images, want %.1f ± 1", name, l, c[l], want)
			}
		}
	}
	again, _ := MakeSplit(n, labels, 36, 500, 600, 1)
	other, _ := MakeSplit(n, labels, 36, 500, 600, 2)
	if !slices.Equal(again.Test, s.Test) || !slices.Equal(again.Train, s.Train) {
		t.Error("the same seed gave another split")
	}
	if slices.Equal(other.Test, s.Test) {
		t.Error("another seed gave the same split")
	}
	if _, err := MakeSplit(MinImages(36)-1, nil, 36, 500, 600, 1); err == nil || !strings.Contains(err.Error(), "at least 158") {
		t.Errorf("a collection one image too small: %v, want a refusal naming the 158 images needed", err)
	}
	if _, err := MakeSplit(MinImages(36), nil, 36, 500, 600, 1); err != nil {
		t.Errorf("the smallest collection: %v", err)
	}
}
