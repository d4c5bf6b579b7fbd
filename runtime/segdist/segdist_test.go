package segdist_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/segdist"
)

// exact is the model's distance in float64, straight from its definition
// (models.Distance): Σ_l w_l‖a_l − b_l‖, or ‖a − b‖².
func exact(form models.Form, segs []int, w []float32, a, b []float32) float64 {
	var total float64
	off := 0
	for l, n := range segs {
		var s float64
		for j := off; j < off+n; j++ {
			d := float64(a[j]) - float64(b[j])
			s += d * d
		}
		if form == models.FormSquared {
			total += s
		} else {
			total += float64(w[l]) * math.Sqrt(s)
		}
		off += n
	}
	return total
}

// allowed is the rounding the float32 Gram form may add to a pair's
// distance: per segment e_l = 4·k_l·(‖a_l‖² + ‖b_l‖²) on the squared
// distance (k_l = models.GramFloor(n_l), itself ten standard deviations),
// so at most min(√e_l, e_l/(2·d_l)) on its norm d_l; plus 1e-6 of the
// value for the float32 sum over the segments.
func allowed(form models.Form, segs []int, w []float32, a, b []float32) float64 {
	var total, value float64
	off := 0
	for l, n := range segs {
		var sa, sb, d2 float64
		for j := off; j < off+n; j++ {
			sa += float64(a[j]) * float64(a[j])
			sb += float64(b[j]) * float64(b[j])
			d := float64(a[j]) - float64(b[j])
			d2 += d * d
		}
		e := 4 * float64(models.GramFloor(n)) * (sa + sb)
		if form == models.FormSquared {
			total += e
			value += d2
		} else {
			d := math.Sqrt(d2)
			total += float64(w[l]) * min(math.Sqrt(e), e/(2*d))
			value += float64(w[l]) * d
		}
		off += n
	}
	return total + 1e-6*value
}

type layout struct {
	name string
	form models.Form
	segs []int
	w    []float32
}

func layouts() []layout {
	ens := make([]int, 27)
	ensW := make([]float32, 27)
	for i := range ens {
		ens[i], ensW[i] = 32, 0.2+0.05*float32(i%7)
	}
	return []layout{
		{"dwe-50", models.FormSquared, []int{50}, nil},
		{"odekenn-9x32", models.FormWeightedNorms, ens[:9], ensW[:9]},
		{"ensemble-27x32", models.FormWeightedNorms, ens, ensW},
		{"deepkenn-mixed", models.FormWeightedNorms, []int{64, 32, 16, 10, 1}, []float32{0.7, 1.3, 0.01, 2, 5}},
	}
}

func randFeatures(rng *rand.Rand, n, f int, offset float32) dataset.Features {
	x := make([]float32, n*f)
	for i := range x {
		x[i] = offset + float32(rng.NormFloat64())
	}
	return dataset.Features{Data: x, N: n, F: f}
}

// kernels returns one kernel of l per block kernel this machine runs.
func kernels(t testing.TB, l layout) []*segdist.Kernel {
	var ks []*segdist.Kernel
	for _, name := range segdist.Geometries() {
		k, err := segdist.New(l.form, l.segs, l.w, segdist.Options{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		segdist.UseGeometry(k, name)
		ks = append(ks, k)
	}
	return ks
}

// TestChoosesAssembly: where an assembly kernel runs, New picks the
// fastest (the first of Geometries after the portable one), and Generic
// the portable one.
func TestChoosesAssembly(t *testing.T) {
	names := segdist.Geometries()
	k, err := segdist.New(models.FormSquared, []int{3}, nil, segdist.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) > 1 && (k.Name() != names[1] || !k.Accelerated()) {
		t.Errorf("New chose %s (accelerated %v), want %s", k.Name(), k.Accelerated(), names[1])
	}
	if len(names) == 1 && k.Accelerated() {
		t.Errorf("New chose %s, accelerated, with no assembly kernel", k.Name())
	}
	g, err := segdist.New(models.FormSquared, []int{3}, nil, segdist.Options{Generic: true})
	if err != nil {
		t.Fatal(err)
	}
	if g.Name() != names[0] || g.Accelerated() {
		t.Errorf("Generic chose %s", g.Name())
	}
}

// TestTileAgainstExact compares every kernel with the float64 formula on
// sizes that leave partial blocks and panels, with features offset from
// 0 (the centring must remove it).
func TestTileAgainstExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, l := range layouts() {
		for _, k := range kernels(t, l) {
			t.Run(l.name+"/"+k.Name(), func(t *testing.T) {
				for _, sz := range [][2]int{{1, 1}, {37, 45}, {8, 32}, {70, 3}} {
					a := randFeatures(rng, sz[0], k.F(), 3)
					b := randFeatures(rng, sz[1], k.F(), 3)
					out := make([]float32, a.N*b.N)
					if err := k.Tile(a, b, out); err != nil {
						t.Fatal(err)
					}
					for i := 0; i < a.N; i++ {
						for j := 0; j < b.N; j++ {
							ra, rb := a.Data[i*k.F():(i+1)*k.F()], b.Data[j*k.F():(j+1)*k.F()]
							want := exact(l.form, l.segs, l.w, ra, rb)
							got := float64(out[i*b.N+j])
							if tol := allowed(l.form, l.segs, l.w, ra, rb); math.Abs(got-want) > tol {
								t.Fatalf("%d×%d: d(a%d, b%d) = %.9g, want %.9g ± %.3g", a.N, b.N, i, j, got, want, tol)
							}
						}
					}
				}
			})
		}
	}
}

// TestKernelsAgree: every assembly kernel and the portable one give the
// same matrix to the Gram form's rounding, pair by pair, on rows centred
// at 0.
func TestKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, l := range layouts() {
		ks := kernels(t, l)
		a := randFeatures(rng, 101, ks[0].F(), 0)
		b := randFeatures(rng, 77, ks[0].F(), 0)
		var outs [][]float32
		for _, k := range ks {
			out := make([]float32, a.N*b.N)
			if err := k.Tile(a, b, out); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, out)
		}
		for i := 1; i < len(ks); i++ {
			for p := range outs[0] {
				ra, rb := a.Data[(p/b.N)*a.F:(p/b.N+1)*a.F], b.Data[(p%b.N)*b.F:(p%b.N+1)*b.F]
				tol := allowed(l.form, l.segs, l.w, ra, rb)
				if d := math.Abs(float64(outs[0][p]) - float64(outs[i][p])); d > tol {
					t.Fatalf("%s: pair %d: %s gives %.9g, %s %.9g (tolerance %.3g)", l.name, p, ks[0].Name(), outs[0][p], ks[i].Name(), outs[i][p], tol)
				}
			}
		}
	}
}

// TestIdenticalRowsZero: a row and itself give exactly 0 (the floor τ),
// and distances between different rows are never floored away.
func TestIdenticalRowsZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, l := range layouts() {
		for _, k := range kernels(t, l) {
			a := randFeatures(rng, 40, k.F(), 10)
			out := make([]float32, a.N*a.N)
			if err := k.Tile(a, a, out); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < a.N; i++ {
				for j := 0; j < a.N; j++ {
					v := out[i*a.N+j]
					if i == j && v != 0 {
						t.Errorf("%s/%s: d(x%d, x%d) = %g, want exactly 0", l.name, k.Name(), i, i, v)
					}
					if i != j && !(v > 0) {
						t.Errorf("%s/%s: d(x%d, x%d) = %g between different random rows", l.name, k.Name(), i, j, v)
					}
				}
			}
		}
	}
}

// TestNaNPropagates: a NaN feature gives NaN distances, never a silent 0
// from the clip below zero, to its own row (of a), and an infinity in b
// a NaN or an infinity in its column; only there: neither moves the
// centre the other rows are taken about.
func TestNaNPropagates(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, l := range layouts() {
		for _, k := range kernels(t, l) {
			a := randFeatures(rng, 9, k.F(), 0)
			b := randFeatures(rng, 33, k.F(), 0)
			a.Data[3*k.F()+k.F()-1] = float32(math.NaN())
			b.Data[5*k.F()] = float32(math.Inf(1))
			out := make([]float32, a.N*b.N)
			if err := k.Tile(a, b, out); err != nil {
				t.Fatal(err)
			}
			for i, v := range out {
				finite := !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
				if bad := i/b.N == 3 || i%b.N == 5; bad == finite || (i/b.N == 3 && !math.IsNaN(float64(v))) {
					t.Fatalf("%s/%s: value (%d, %d) is %g", l.name, k.Name(), i/b.N, i%b.N, v)
				}
			}
		}
	}
}

func TestRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		form models.Form
		segs []int
		w    []float32
	}{
		{"no segments", models.FormWeightedNorms, nil, nil},
		{"weights short", models.FormWeightedNorms, []int{3, 4}, []float32{1}},
		{"zero weight", models.FormWeightedNorms, []int{3}, []float32{0}},
		{"negative weight", models.FormWeightedNorms, []int{3}, []float32{-1}},
		{"NaN weight", models.FormWeightedNorms, []int{3}, []float32{float32(math.NaN())}},
		{"infinite weight", models.FormWeightedNorms, []int{3}, []float32{float32(math.Inf(1))}},
		{"empty segment", models.FormSquared, []int{0}, nil},
		{"unknown form", 0, []int{3}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := segdist.New(c.form, c.segs, c.w, segdist.Options{}); err == nil {
				t.Error("accepted")
			}
		})
	}
	k, err := segdist.New(models.FormSquared, []int{4}, nil, segdist.Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := dataset.Features{Data: make([]float32, 8), N: 2, F: 4}
	for name, call := range map[string]func() error{
		"wrong F": func() error {
			return k.Tile(dataset.Features{Data: make([]float32, 6), N: 2, F: 3}, good, make([]float32, 4))
		},
		"short out": func() error { return k.Tile(good, good, make([]float32, 3)) },
		"short data": func() error {
			return k.Tile(dataset.Features{Data: make([]float32, 7), N: 2, F: 4}, good, make([]float32, 4))
		},
	} {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// BenchmarkTile reports distances/s of the shipped ensemble's layout (27
// segments of 32) and dwe's on 1024×1024 tiles, per kernel.
func BenchmarkTile(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, l := range layouts() {
		if l.name != "ensemble-27x32" && l.name != "dwe-50" {
			continue
		}
		for _, k := range kernels(b, l) {
			x := randFeatures(rng, 1024, k.F(), 0)
			y := randFeatures(rng, 1024, k.F(), 0)
			out := make([]float32, x.N*y.N)
			b.Run(fmt.Sprintf("%s/%s", l.name, k.Name()), func(b *testing.B) {
				for b.Loop() {
					if err := k.Tile(x, y, out); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(x.N*y.N)*float64(b.N)/b.Elapsed().Seconds(), "distances/s")
			})
		}
	}
}

// TestSquareRootExact: with a ≡ 0 and one feature per segment, each
// segment's squared distance is b², exact for these b (12 significant
// bits), so every kernel's distance is Σ w·|b| through its own square
// roots: exactly |b| on every column of a panel, as every kernel's square
// root is correctly rounded (VSQRTPS; float64 in the portable one).
func TestSquareRootExact(t *testing.T) {
	segs, w := make([]int, 4), make([]float32, 4)
	for i := range segs {
		segs[i], w[i] = 1, 1
	}
	for _, name := range segdist.Geometries() {
		k, err := segdist.New(models.FormWeightedNorms, segs, w, segdist.Options{Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		segdist.UseGeometry(k, name)
		a := dataset.Features{Data: make([]float32, 4), N: 1, F: 4}
		nb := 64
		b := dataset.Features{Data: make([]float32, nb*4), N: nb, F: 4}
		for j := 0; j < nb; j++ {
			b.Data[j*4] = float32(j+1) * 0x1p-5 // one segment nonzero
		}
		out := make([]float32, nb)
		if err := k.Tile(a, b, out); err != nil {
			t.Fatal(err)
		}
		for j, got := range out {
			if want := float32(j+1) * 0x1p-5; got != want {
				t.Errorf("%s: column %d: √(%g²) = %.9g", name, j, want, got)
			}
		}
	}
}
