package runtime

import (
	"math"
	"slices"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/segdist"
)

// A Session on NAME.pairwise.onnx gives Model.PairwiseTile's distances
// bit for bit when the model runs its graph too (same file, same
// options), and refuses a wrong input count.
func TestSessionEqualsModel(t *testing.T) {
	rt, err := Open(Options{Threads: 1, Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	path := exportTiny(t, models.KindNaive, 28, 28)
	m, err := rt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	const na, nb = 3, 2
	a := make([]float32, na*m.F)
	for i := range a {
		a[i] = float32(math.Sin(float64(i)))
	}
	b := a[:nb*m.F]
	want := make([]float32, na*nb)
	if err := m.PairwiseTile(dataset.Features{Data: a, N: na, F: m.F}, dataset.Features{Data: b, N: nb, F: m.F}, want); err != nil {
		t.Fatal(err)
	}
	_, pw, _ := export.Paths(path)
	s, err := rt.OpenFile(pw, []string{"a", "b"}, "distances")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Run(Tensor{Dims: []int64{na, int64(m.F)}, Data: a}, Tensor{Dims: []int64{nb, int64(m.F)}, Data: b})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Dims, []int64{na, nb}) || !slices.Equal(got.Data, want) {
		t.Fatalf("session gives %v %v, Model.PairwiseTile %v", got.Dims, got.Data, want)
	}
	if _, err := s.Run(Tensor{Dims: []int64{na, int64(m.F)}, Data: a}); err == nil || !strings.Contains(err.Error(), "1 inputs given") {
		t.Fatalf("one input of two: %v", err)
	}
}

// The library make ort installs (onnxruntime-node's CPU build) reports
// the CPU provider, and its version is the one onnxruntime_go reports
// once loaded.
func TestProviders(t *testing.T) {
	lib, err := FindLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	v, ps, err := Providers(lib)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ps, "CPUExecutionProvider") {
		t.Fatalf("providers %v lack CPUExecutionProvider", ps)
	}
	rt, err := Open(Options{Library: lib})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if got := ort.GetVersion(); got != v {
		t.Fatalf("Providers says version %q, the loaded library %q", v, got)
	}
	if _, _, err := Providers("/nonexistent/libonnxruntime.so.1"); err == nil || !strings.Contains(err.Error(), "/nonexistent/") {
		t.Fatalf("missing library: %v", err)
	}
}
