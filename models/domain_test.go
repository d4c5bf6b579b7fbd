package models_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestStatsOfClosedForms checks each statistic on images whose values are
// known in closed form, and that scaling an image changes none.
func TestStatsOfClosedForms(t *testing.T) {
	const h, w = 9, 7
	img := func(set func(pix []float32)) []float32 {
		pix := make([]float32, h*w)
		set(pix)
		return pix
	}
	tests := []struct {
		name string
		pix  []float32
		want models.ImageStats
	}{
		{"one pixel at the centre", img(func(p []float32) { p[4*w+3] = 5 }),
			models.ImageStats{Spread: 0, Offset: 0, Support: 1.0 / (h * w)}},
		{"one pixel in a corner", img(func(p []float32) { p[0] = 1 }),
			models.ImageStats{Spread: 0, Offset: math.Hypot(3, 4), Support: 1.0 / (h * w)}},
		// Two equal pixels 6 apart on row 4: each 3 px from the centroid.
		{"two pixels", img(func(p []float32) { p[4*w] = 2; p[4*w+6] = 2 }),
			models.ImageStats{Spread: 3, Offset: 0, Support: 2.0 / (h * w)}},
		// Uniform: the variance of a discrete uniform on n points is (n²−1)/12 per axis.
		{"uniform", img(func(p []float32) {
			for i := range p {
				p[i] = 0.5
			}
		}), models.ImageStats{Spread: math.Sqrt((w*w-1)/12.0 + (h*h-1)/12.0), Offset: 0, Support: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, scale := range []float32{1, 3, 1e-6} {
				pix := make([]float32, len(tc.pix))
				for i, v := range tc.pix {
					pix[i] = v * scale
				}
				got, ok := models.StatsOf(pix, h, w)
				if !ok || !near(got.Spread, tc.want.Spread) || !near(got.Offset, tc.want.Offset) || !near(got.Support, tc.want.Support) {
					t.Errorf("scale %g: got %+v (ok %v), want %+v", scale, got, ok, tc.want)
				}
			}
		})
	}
	for name, pix := range map[string][]float32{
		"zero":     make([]float32, h*w),
		"negative": img(func(p []float32) { p[0], p[1] = 2, -1 }),
		"NaN":      img(func(p []float32) { p[0], p[1] = 1, float32(math.NaN()) }),
		"Inf":      img(func(p []float32) { p[0] = float32(math.Inf(1)) }),
	} {
		if _, ok := models.StatsOf(pix, h, w); ok {
			t.Errorf("%s image: ok, want no statistics", name)
		}
	}
}

// TestDomainRanges: the ranges cover the central 99.8% of the images
// (their extremes below 1,000 images), the offset from 0.
func TestDomainRanges(t *testing.T) {
	const h, w = 8, 8
	// Image k lights pixels 0..k of row 0 equally; its spread grows with k.
	make1 := func(n int) []float32 {
		pix := make([]float32, n*h*w)
		for i := range n {
			for k := 0; k <= i%w; k++ {
				pix[i*h*w+k] = 1
			}
		}
		return pix
	}
	for _, n := range []int{400, 4000} {
		pix := make1(n)
		d, err := models.NewDomain(pix, n, h, w, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		// i%8 = 0 is one pixel (support 1/64, spread 0); 7 is the whole row.
		if d.Spread.Lo != 0 || !near(d.Spread.Hi, math.Sqrt(63.0/12)) || !near(d.Support.Lo, 1.0/64) || !near(d.Support.Hi, 8.0/64) || d.Offset.Lo != 0 {
			t.Errorf("%d images: %+v", n, *d)
		}
		r := d.Screen(pix, n, h, w)
		if r.Outside != 0 || r.Images != n || r.Off() || r.Warning() != "" {
			t.Errorf("%d training images screened against their own domain: %+v", n, r)
		}
	}
	// 4,000 distinct spreads: the lowest and highest 3 (0.1% of 3,999
	// ranks, 3.999, rounded down) lie outside.
	const n = 4000
	pix := make([]float32, n*h*w)
	for i := range n {
		pix[i*h*w] = 1
		pix[i*h*w+63] = 1 + float32(i)/n // the centroid moves, the spread shrinks
	}
	d, err := models.NewDomain(pix, n, h, w, "test")
	if err != nil {
		t.Fatal(err)
	}
	if r := d.Screen(pix, n, h, w); r.Spread != 6 {
		t.Errorf("%d images outside the spread range, want 6: %+v", r.Spread, r)
	}
	if _, err := models.NewDomain(pix[:199*h*w], 199, h, w, "few"); err == nil {
		t.Error("a domain of 199 images: no error")
	}
}

// TestDomainValidate refuses impossible domains.
func TestDomainValidate(t *testing.T) {
	good := models.Domain{Source: "s", Images: 300, H: 28, W: 28,
		Spread: models.Range{Lo: 4, Hi: 9}, Offset: models.Range{Lo: 0, Hi: 1.4}, Support: models.Range{Lo: 0.05, Hi: 0.33}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(d *models.Domain){
		"few images":         func(d *models.Domain) { d.Images = 3 },
		"no size":            func(d *models.Domain) { d.H = 0 },
		"empty range":        func(d *models.Domain) { d.Spread = models.Range{Lo: 5, Hi: 4} },
		"negative":           func(d *models.Domain) { d.Offset.Lo = -1 },
		"NaN":                func(d *models.Domain) { d.Support.Hi = math.NaN() },
		"support above 1":    func(d *models.Domain) { d.Support.Hi = 1.5 },
		"spread beyond grid": func(d *models.Domain) { d.Spread.Hi = 100 },
	} {
		d := good
		edit(&d)
		if err := d.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestDomainUnion joins the members' ranges; a member without a domain
// leaves none.
func TestDomainUnion(t *testing.T) {
	a := &models.Domain{Source: "a", Images: 300, H: 4, W: 4, Spread: models.Range{Lo: 1, Hi: 2}, Support: models.Range{Lo: 0.1, Hi: 0.2}}
	b := &models.Domain{Source: "b", Images: 400, H: 4, W: 4, Spread: models.Range{Lo: 0.5, Hi: 1.5}, Offset: models.Range{Hi: 1}, Support: models.Range{Lo: 0.15, Hi: 0.3}}
	u := models.Union(a, b)
	if u.Spread != (models.Range{Lo: 0.5, Hi: 2}) || u.Offset != (models.Range{Hi: 1}) || u.Support != (models.Range{Lo: 0.1, Hi: 0.3}) || u.Source != "a; b" || u.Images != 400 {
		t.Errorf("union %+v", *u)
	}
	if a.Spread.Lo != 1 {
		t.Error("Union changed its first argument")
	}
	if models.Union(a, nil) != nil || models.Union() != nil {
		t.Error("a union with an unknown member is not unknown")
	}
}

// TestDomainScreensRealImages: the domain of 1,000 MNIST training digits
// keeps MNIST test digits (other writers, never seen) inside, and puts
// Fashion-MNIST images and MNIST digits moved off centre outside.
func TestDomainScreensRealImages(t *testing.T) {
	load := func(p string) *dataset.Images {
		imgs, err := dataset.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		return imgs
	}
	train := load("../testdata/mnist-train-images-idx3-ubyte")
	d, err := models.NewDomain(train.Pix, train.N, train.H, train.W, "MNIST train")
	if err != nil {
		t.Fatal(err)
	}
	mnist := load("../testdata/mnist-test-images-idx3-ubyte")
	if r := d.Screen(mnist.Pix, mnist.N, mnist.H, mnist.W); r.Off() || r.Share() > 0.02 {
		t.Errorf("MNIST test digits: %s", r.Report())
	}
	fashion := load("../testdata/fashion-test-images-idx3-ubyte")
	r := d.Screen(fashion.Pix, fashion.N, fashion.H, fashion.W)
	if !r.Off() || r.Share() < 0.5 || !strings.Contains(r.Warning(), "--check") {
		t.Errorf("Fashion-MNIST: %s", r.Report())
	}
	// Ranges from few images are narrow, and the screen allows for it:
	// from 200, 300 or 500 training digits (evenly spaced: the file is
	// grouped by class), MNIST test digits pass and Fashion-MNIST does not.
	for _, n := range []int{200, 300, 500} {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i * train.N / n
		}
		sub := train.Subset(idx)
		few, err := models.NewDomain(sub.Pix, n, 28, 28, "few")
		if err != nil {
			t.Fatal(err)
		}
		in, off := few.Screen(mnist.Pix, mnist.N, 28, 28), few.Screen(fashion.Pix, fashion.N, 28, 28)
		t.Logf("%d training digits (chance %.1f%%): MNIST %.1f%% outside, Fashion-MNIST %.1f%%", n, 100*few.Expected(), 100*in.Share(), 100*off.Share())
		if in.Off() || !off.Off() {
			t.Errorf("%d training digits: MNIST %s; Fashion-MNIST %s", n, in.Report(), off.Report())
		}
	}
	// MNIST digits moved 6 pixels right (their last 6 columns are empty
	// on most digits; the rest are cut).
	moved := make([]float32, len(mnist.Pix))
	for i := range mnist.N {
		for y := range 28 {
			copy(moved[i*784+y*28+6:i*784+y*28+28], mnist.Pix[i*784+y*28:i*784+y*28+22])
		}
	}
	if r := d.Screen(moved, mnist.N, 28, 28); !r.Off() || r.Offset < mnist.N*9/10 {
		t.Errorf("MNIST moved 6 px: %s", r.Report())
	}
}

// TestCheckpointDomain: a checkpoint keeps its domain through Save and
// LoadCheckpoint, and a reader refuses an impossible one or one of
// another image size than the model's.
func TestCheckpointDomain(t *testing.T) {
	c, err := models.NewCheckpoint(models.DWE(12, 10), 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := models.Domain{Source: "s", Images: 300, H: 12, W: 10,
		Spread: models.Range{Lo: 1, Hi: 3}, Offset: models.Range{Hi: 1}, Support: models.Range{Lo: 0.1, Hi: 0.4}}
	for _, tc := range []struct {
		name string
		edit func(d *models.Domain)
		ok   bool
	}{
		{"valid", func(*models.Domain) {}, true},
		{"empty range", func(d *models.Domain) { d.Support = models.Range{Lo: 0.5, Hi: 0.4} }, false},
		{"another size", func(d *models.Domain) { d.W = 28 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := good
			tc.edit(&d)
			c.Domain = &d
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".ckpt")
			if err := c.Save(path); err != nil {
				t.Fatal(err)
			}
			back, err := models.LoadCheckpoint(path)
			if tc.ok && (err != nil || *back.Domain != d) || !tc.ok && err == nil {
				t.Errorf("loaded %v, %v", back, err)
			}
		})
	}
}
