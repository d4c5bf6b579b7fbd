package dataset

import (
	"slices"
	"strings"
	"testing"
)

func TestFeatures(t *testing.T) {
	f := NewFeatures([]float32{0, 1, 2, 10, 11, 12, 20, 21, 22}, 3, 3)
	if got := f.Row(1); !slices.Equal(got, []float32{10, 11, 12}) {
		t.Fatalf("row 1 %v", got)
	}
	if r := f.Rows(1, 2); r.N != 2 || r.F != 3 || !slices.Equal(r.Row(1), []float32{20, 21, 22}) {
		t.Fatalf("rows 1–2 %+v", r)
	}
	for _, bad := range []Features{{Data: make([]float32, 5), N: 2, F: 3}, {N: -1}, {Data: make([]float32, 6), N: 3, F: 3}} {
		if err := bad.Check(); err == nil || !strings.Contains(err.Error(), "rows of") {
			t.Errorf("%d values as %d×%d: %v", len(bad.Data), bad.N, bad.F, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("NewFeatures of a mismatched length did not panic")
		}
	}()
	NewFeatures(make([]float32, 5), 2, 3)
}
