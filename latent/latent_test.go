package latent

import (
	"math"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
)

func TestBarycenterAndInterpolate(t *testing.T) {
	f := dataset.NewFeatures([]float32{0, 0, 2, 4, 4, 8}, 3, 2)
	b, err := Barycenter(f, []int{0, 1, 2}, []float64{1, 0, 1})
	if err != nil || b[0] != 2 || b[1] != 4 {
		t.Fatalf("barycenter %v %v, want [2 4]", b, err)
	}
	// identical rows: the barycenter is the row
	b, _ = Barycenter(dataset.NewFeatures([]float32{1.5, -2, 1.5, -2}, 2, 2), []int{0, 1}, nil)
	if b[0] != 1.5 || b[1] != -2 {
		t.Fatalf("barycenter of identical rows %v", b)
	}
	in := Interpolate([]float32{1, 2}, []float32{3, 6}, []float64{0, 0.5, 1})
	if in[0][0] != 1 || in[0][1] != 2 || in[1][0] != 2 || in[1][1] != 4 || in[2][0] != 3 || in[2][1] != 6 {
		t.Fatalf("interpolation %v", in)
	}
	if _, err := Barycenter(f, nil, nil); err == nil {
		t.Fatal("barycenter of no rows accepted")
	}
	classes, bs, err := ClassBarycenters(f, []int{7, 3, 7})
	if err != nil || len(classes) != 2 || classes[0] != 3 || bs[1][0] != 2 || bs[1][1] != 4 {
		t.Fatalf("class barycenters %v %v %v", classes, bs, err)
	}
	if _, _, err := ClassBarycenters(f, []int{1}); err == nil {
		t.Fatal("label count mismatch accepted")
	}
}

// Points on a line in 3-D: one component carries all the variance, along
// the line's direction, with the sample standard deviation.
func TestPrincipalGeodesicsOfALine(t *testing.T) {
	dir := []float64{1 / math.Sqrt(3), 1 / math.Sqrt(3), -1 / math.Sqrt(3)}
	var f []float32
	ts := []float64{-2, -1, 0, 1, 2}
	for _, s := range ts {
		for c := range dir {
			f = append(f, float32(5+s*dir[c]))
		}
	}
	g, err := PrincipalGeodesics(dataset.NewFeatures(f, len(ts), 3), 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(g.Explained[0]-1) > 1e-6 || math.Abs(g.Sigma[0]-math.Sqrt(2.5)) > 1e-5 {
		t.Fatalf("explained %v sigma %v, want 1 and √2.5", g.Explained, g.Sigma)
	}
	dot := 0.0
	for c := range dir {
		dot += dir[c] * float64(g.Components[0][c])
	}
	if math.Abs(math.Abs(dot)-1) > 1e-5 {
		t.Fatalf("first component %v is not the line's direction", g.Components[0])
	}
	w := g.Walk(0, []float64{0})
	for c := range dir {
		if math.Abs(float64(w[0][c])-5) > 1e-5 {
			t.Fatalf("walk at 0 is %v, want the mean", w[0])
		}
	}
}
