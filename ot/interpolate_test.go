package ot_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/kenn-ot/kenn/ot"
)

// blob is a 3×3 block of masses 1…9 with its top-left pixel at (r, c) on a
// 16×24 grid.
func blob(r, c int) ot.Image {
	img := ot.NewImage(16, 24, make([]float64, 16*24))
	for y := 0; y < 3; y++ {
		for x := 0; x < 3; x++ {
			img.Pix[(r+y)*24+c+x] = float64(1 + 3*y + x)
		}
	}
	return img
}

func normalized(img ot.Image) []float64 {
	m := img.Mass()
	out := make([]float64, len(img.Pix))
	for i, v := range img.Pix {
		out[i] = v / m
	}
	return out
}

// Between a blob and its translation by 8 columns the optimal plan is the
// translation, so McCann's interpolant at t is the blob translated by 8t
// columns: exactly for integer 8t, and for 8t = 2.4 each pixel split 0.6 /
// 0.4 between columns 2 and 3 of the shift, at a splat cost of 0.4·0.6 px².
func TestDisplacementInterpolationOfATranslation(t *testing.T) {
	a, b := blob(5, 4), blob(5, 12)
	p, err := ot.NewSolver().Plan(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if p.W2Sq != 64 {
		t.Fatalf("W2² of a translation by 8 px = %v, want 64 px²", p.W2Sq)
	}
	shifted := func(f float64) []float64 { // the blob shifted by f columns, splatted
		out := make([]float64, 16*24)
		i, fr := int(math.Floor(f)), f-math.Floor(f)
		for k, v := range normalized(a) {
			if v == 0 {
				continue
			}
			out[k+i] += v * (1 - fr)
			if fr > 0 {
				out[k+i+1] += v * fr
			}
		}
		return out
	}
	cases := []struct {
		t, shift, splat float64
	}{
		{0, 0, 0}, {0.125, 1, 0}, {0.25, 2, 0}, {0.3, 2.4, 0.24}, {0.5, 4, 0}, {1, 8, 0},
	}
	ts := make([]float64, len(cases))
	for k, c := range cases {
		ts[k] = c.t
	}
	got, err := ot.DisplacementInterpolation(p, ts)
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range cases {
		t.Run(fmt.Sprintf("t=%g", c.t), func(t *testing.T) {
			g := got[k]
			if g.T != c.t || g.Image.H != 16 || g.Image.W != 24 {
				t.Fatalf("interpolant %d: t %v, %d×%d", k, g.T, g.Image.H, g.Image.W)
			}
			want := shifted(c.shift)
			for i := range want {
				if math.Abs(g.Image.Pix[i]-want[i]) > 1e-12 {
					t.Fatalf("pixel %d (row %d, col %d) = %v, the blob shifted by %v columns has %v", i, i/24, i%24, g.Image.Pix[i], c.shift, want[i])
				}
			}
			if math.Abs(g.SplatW2Sq-c.splat) > 1e-12 {
				t.Errorf("SplatW2Sq = %v, want %v px²", g.SplatW2Sq, c.splat)
			}
		})
	}
}

// On pairs of MNIST digits: the ends are the normalized images, every
// interpolant has unit mass and the mean (1−t)·mean_0 + t·mean_1 (the
// bilinear splat keeps both), and W2 from either end is t·W2 and (1−t)·W2
// within the splat's bound √SplatW2Sq ≤ √(1/2) px.
func TestDisplacementInterpolationGeodesic(t *testing.T) {
	s := loadMNIST(t)
	sol := ot.NewSolver()
	ts := []float64{0, 0.1, 0.25, 1.0 / 3, 0.5, 0.7, 0.9, 1}
	mean := func(pix []float64, w int) (r, c float64) {
		for i, v := range pix {
			r += v * float64(i/w)
			c += v * float64(i%w)
		}
		return
	}
	for _, pr := range [][2]int{{0, 1}, {2, 7}, {3, 11}} {
		t.Run(fmt.Sprintf("images %d,%d", pr[0], pr[1]), func(t *testing.T) {
			a, b := s.Image(pr[0], nil), s.Image(pr[1], nil)
			p, err := sol.Plan(a, b)
			if err != nil {
				t.Fatal(err)
			}
			w := math.Sqrt(p.W2Sq)
			got, err := ot.DisplacementInterpolation(p, ts)
			if err != nil {
				t.Fatal(err)
			}
			na, nb := normalized(a), normalized(b)
			for i := range na {
				if math.Abs(got[0].Image.Pix[i]-na[i]) > 1e-12 || math.Abs(got[len(ts)-1].Image.Pix[i]-nb[i]) > 1e-12 {
					t.Fatalf("pixel %d: t=0 gives %v (image %v), t=1 gives %v (image %v)", i, got[0].Image.Pix[i], na[i], got[len(ts)-1].Image.Pix[i], nb[i])
				}
			}
			ra, ca := mean(na, a.W)
			rb, cb := mean(nb, a.W)
			for k, g := range got {
				tt := ts[k]
				if m := g.Image.Mass(); math.Abs(m-1) > 1e-12 {
					t.Errorf("t=%v: mass %v, want 1", tt, m)
				}
				r, c := mean(g.Image.Pix, a.W)
				if math.Abs(r-((1-tt)*ra+tt*rb)) > 1e-9 || math.Abs(c-((1-tt)*ca+tt*cb)) > 1e-9 {
					t.Errorf("t=%v: mean (%v, %v), want (%v, %v)", tt, r, c, (1-tt)*ra+tt*rb, (1-tt)*ca+tt*cb)
				}
				if g.SplatW2Sq < 0 || g.SplatW2Sq > 0.5 {
					t.Errorf("t=%v: SplatW2Sq %v outside [0, 1/2] px²", tt, g.SplatW2Sq)
				}
				if (tt == 0 || tt == 1) && g.SplatW2Sq != 0 {
					t.Errorf("t=%v: SplatW2Sq %v, want 0 at an end", tt, g.SplatW2Sq)
				}
				// + 1e-6 px: the interpolant's float64 pixels are not
				// integers, and the exact solver rounds them to multiples of
				// 2⁻⁵¹ of the total, W2² noise near 1e-14 px², W2 near 1e-7 px
				bound := math.Sqrt(g.SplatW2Sq) + 1e-6
				d0, err := sol.W2Sq(a, g.Image)
				if err != nil {
					t.Fatal(err)
				}
				d1, err := sol.W2Sq(g.Image, b)
				if err != nil {
					t.Fatal(err)
				}
				if e := math.Abs(math.Sqrt(d0) - tt*w); e > bound {
					t.Errorf("t=%v: W2(μ0, μt) = %v px, t·W2 = %v px: off by %v > √SplatW2Sq = %v", tt, math.Sqrt(d0), tt*w, e, bound)
				}
				if e := math.Abs(math.Sqrt(d1) - (1-tt)*w); e > bound {
					t.Errorf("t=%v: W2(μt, μ1) = %v px, (1−t)·W2 = %v px: off by %v > √SplatW2Sq = %v", tt, math.Sqrt(d1), (1-tt)*w, e, bound)
				}
			}
		})
	}
}

func TestDisplacementInterpolationErrors(t *testing.T) {
	p, err := ot.NewSolver().Plan(blob(0, 0), blob(2, 3))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		p    *ot.Plan
		ts   []float64
	}{
		{"nil plan", nil, []float64{0.5}},
		{"empty plan", &ot.Plan{H: 16, W: 24}, []float64{0.5}},
		{"t below 0", p, []float64{-0.1}},
		{"t above 1", p, []float64{1.5}},
		{"t NaN", p, []float64{math.NaN()}},
		{"entry off the grid", &ot.Plan{H: 2, W: 2, Entries: []ot.PlanEntry{{From: 0, To: 4, Mass: 1}}}, []float64{0.5}},
		{"negative mass", &ot.Plan{H: 2, W: 2, Entries: []ot.PlanEntry{{From: 0, To: 3, Mass: -1}}}, []float64{0.5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ot.DisplacementInterpolation(c.p, c.ts); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// Off the grid, McCann's interpolant is exactly on the geodesic: W2² from
// the first image to it is t²·W2² and to the second (1−t)²·W2², up to the
// 2⁻³⁰ rounding of EmpiricalW2Sq's masses and costs.
func TestDisplacementPointsGeodesic(t *testing.T) {
	s := loadMNIST(t)
	a, b := s.Image(4, nil), s.Image(9, nil)
	p, err := ot.NewSolver().Plan(a, b)
	if err != nil {
		t.Fatal(err)
	}
	pa, wa, err := ot.ImagePoints(a)
	if err != nil {
		t.Fatal(err)
	}
	pb, wb, err := ot.ImagePoints(b)
	if err != nil {
		t.Fatal(err)
	}
	m := ot.Mixed{Cont: 2}
	for _, tt := range []float64{0, 0.3, 0.5, 1} {
		t.Run(fmt.Sprintf("t=%g", tt), func(t *testing.T) {
			pts, w, err := ot.DisplacementPoints(p, tt)
			if err != nil {
				t.Fatal(err)
			}
			d0, err := ot.EmpiricalW2Sq(m, pa, pts, wa, w)
			if err != nil {
				t.Fatal(err)
			}
			d1, err := ot.EmpiricalW2Sq(m, pts, pb, w, wb)
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-6 * p.W2Sq
			if math.Abs(d0-tt*tt*p.W2Sq) > tol || math.Abs(d1-(1-tt)*(1-tt)*p.W2Sq) > tol {
				t.Errorf("W2² to the ends %v and %v px², want t²·W2² = %v and (1−t)²·W2² = %v", d0, d1, tt*tt*p.W2Sq, (1-tt)*(1-tt)*p.W2Sq)
			}
		})
	}
	if _, _, err := ot.DisplacementPoints(p, 2); err == nil {
		t.Error("t = 2 accepted")
	}
	if _, _, err := ot.DisplacementPoints(nil, 0.5); err == nil {
		t.Error("nil plan accepted")
	}
}
