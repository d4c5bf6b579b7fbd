package latent

import (
	"math"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
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

// Images on a known plane of pixel space: m + a_i·u + b_i·v, with u and v
// orthonormal and of zero sum, the coefficients centred and uncorrelated,
// each image scaled by its own mass (PixelPCA normalizes it back). The
// components are ±u and ±v, the standard deviations the coefficients'
// sample ones (n − 1), the shares of variance 0.9 and 0.1, the mean m.
func TestPixelPCAOfAPlane(t *testing.T) {
	const H, W = 4, 4
	m, u, v := make([]float64, H*W), make([]float64, H*W), make([]float64, H*W)
	for p := range m {
		r, c := p/W, p%W
		m[p] = 1.0 / 16
		u[p], v[p] = 0.25, 0.25
		if c >= W/2 {
			u[p] = -0.25
		}
		if r >= H/2 {
			v[p] = -0.25
		}
	}
	a := []float64{0.03, -0.03, 0.03, -0.03}
	b := []float64{0.01, 0.01, -0.01, -0.01}
	scale := []float64{1, 7, 0.5, 255}
	var imgs []ot.Image
	for i := range a {
		pix := make([]float64, H*W)
		for p := range pix {
			pix[p] = scale[i] * (m[p] + a[i]*u[p] + b[i]*v[p])
		}
		imgs = append(imgs, ot.NewImage(H, W, pix))
	}
	g, err := PixelPCA(imgs, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name         string
		comp         int
		dir          []float64
		sigma, share float64
	}{
		{"first: u", 0, u, math.Sqrt(4 * 0.03 * 0.03 / 3), 0.9},
		{"second: v", 1, v, math.Sqrt(4 * 0.01 * 0.01 / 3), 0.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dot := 0.0
			for p := range c.dir {
				dot += c.dir[p] * float64(g.Components[c.comp][p])
			}
			if math.Abs(math.Abs(dot)-1) > 1e-5 {
				t.Errorf("component %d · direction = %v, want ±1", c.comp, dot)
			}
			if math.Abs(g.Sigma[c.comp]-c.sigma) > 1e-5*c.sigma {
				t.Errorf("σ %v, want %v", g.Sigma[c.comp], c.sigma)
			}
			if math.Abs(g.Explained[c.comp]-c.share) > 1e-4 {
				t.Errorf("explains %v, want %v", g.Explained[c.comp], c.share)
			}
		})
	}
	for p := range m {
		if math.Abs(float64(g.Mean[p])-m[p]) > 1e-7 {
			t.Fatalf("mean pixel %d = %v, want %v", p, g.Mean[p], m[p])
		}
	}
	// one σ along u from the mean is m ± σ·u: every pixel moved by σ/4
	w := g.Walk(0, []float64{1})[0]
	for p := range m {
		if d := math.Abs(float64(w[p]) - m[p]); math.Abs(d-g.Sigma[0]*0.25) > 1e-6 {
			t.Fatalf("walk +1σ pixel %d moved by %v, want σ/4 = %v", p, d, g.Sigma[0]*0.25)
		}
	}
	if _, err := PixelPCA(nil, 1); err == nil {
		t.Error("PCA of no images accepted")
	}
	if _, err := PixelPCA(imgs, 4); err == nil {
		t.Error("4 components of 4 images accepted")
	}
}

func TestClipToMass(t *testing.T) {
	for _, c := range []struct {
		name    string
		in, out []float32
	}{
		{"negatives dropped", []float32{-1, 1, 3, 0}, []float32{0, 0.25, 0.75, 0}},
		{"nothing positive", []float32{-1, 0}, []float32{0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ClipToMass(c.in)
			for i := range got {
				if got[i] != c.out[i] {
					t.Fatalf("ClipToMass(%v) = %v, want %v", c.in, got, c.out)
				}
			}
		})
	}
}
