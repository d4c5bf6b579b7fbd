package manifold

import (
	"context"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/ot"
)

// blob is a 28×28 integer image, a bump centred at (r, c).
func blob(r, c int) ot.Image {
	img := ot.Image{H: 28, W: 28, Pix: make([]float64, 28*28)}
	for y := -3; y <= 3; y++ {
		for x := -2; x <= 2; x++ {
			img.Pix[(r+y)*28+c+x] = float64(9 - y*y/2 - x*x)
		}
	}
	return img
}

// Wassmap's exact-recovery case: the exact W2 matrix of one image
// translated over a grid of shifts; MDS recovers the shift grid up to a
// rigid motion, in pixel units, and finds no third dimension.
func TestMDSRecoversTranslationGrid(t *testing.T) {
	var shifts []float64
	var imgs []ot.Image
	for dy := -3; dy <= 3; dy += 2 {
		for dx := -4; dx <= 4; dx += 2 {
			shifts = append(shifts, float64(dy), float64(dx))
			imgs = append(imgs, blob(14+dy, 14+dx))
		}
	}
	n := len(imgs)
	s := ot.NewSolver()
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			w2sq, err := s.W2Sq(imgs[i], imgs[j])
			if err != nil {
				t.Fatal(err)
			}
			v[i*n+j], v[j*n+i] = math.Sqrt(w2sq), math.Sqrt(w2sq)
		}
	}
	d, err := NewDistances("grid", n, n, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, dense := range []bool{true, false} {
		e, err := mds(context.Background(), d, 3, dense)
		if err != nil {
			t.Fatal(err)
		}
		xy := make([]float64, n*2)
		for i := 0; i < n; i++ {
			xy[i*2], xy[i*2+1] = e.Coords[i*3], e.Coords[i*3+1]
		}
		_, rmse, err := Align(&Embedding{N: n, K: 2, Coords: shifts}, &Embedding{N: n, K: 2, Coords: xy})
		if err != nil {
			t.Fatal(err)
		}
		if rmse > 1e-6 {
			t.Errorf("dense=%v: recovered grid is %.3g px RMS from the shifts", dense, rmse)
		}
		if e.Eigen[2] > 1e-8*e.Eigen[0] {
			t.Errorf("dense=%v: third eigenvalue %g (first %g): translations span 2 dimensions", dense, e.Eigen[2], e.Eigen[0])
		}
		if got := (e.Eigen[0] + e.Eigen[1]) / e.Trace; math.Abs(got-1) > 1e-9 {
			t.Errorf("dense=%v: 2 dimensions explain %.12f of the trace, want 1", dense, got)
		}
	}
}

// The subspace iteration used for large n agrees with the full
// decomposition on a noisy (non-Euclidean) matrix.
func TestSubspaceEqualsDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, dim = 300, 6
	pts := make([]float64, n*dim)
	for i := range pts {
		pts[i] = rng.NormFloat64() * float64(1+i%dim)
	}
	v := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			s := 0.0
			for c := 0; c < dim; c++ {
				x := pts[i*dim+c] - pts[j*dim+c]
				s += x * x
			}
			dd := math.Sqrt(s) * (1 + 0.01*rng.Float64())
			v[i*n+j], v[j*n+i] = dd, dd
		}
	}
	d, err := NewDistances("noisy", n, n, v)
	if err != nil {
		t.Fatal(err)
	}
	a, err := mds(context.Background(), d, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mds(context.Background(), d, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 3; c++ {
		if math.Abs(a.Eigen[c]-b.Eigen[c]) > 1e-8*a.Eigen[0] {
			t.Errorf("eigenvalue %d: dense %g, subspace %g", c, a.Eigen[c], b.Eigen[c])
		}
	}
	if _, rmse, _ := Align(a, b); rmse > 1e-6 {
		t.Errorf("coordinates differ by %g RMS", rmse)
	}
}

// Procrustes disparity equals scipy.spatial.procrustes (Debian
// python3-scipy, installed by make test), and vanishes under a similarity.
func TestProcrustesMatchesScipy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, k = 12, 2
	x, y, z := make([]float64, n*k), make([]float64, n*k), make([]float64, n*k)
	th := 0.7
	for i := 0; i < n; i++ {
		x[i*k], x[i*k+1] = rng.NormFloat64(), rng.NormFloat64()
		y[i*k], y[i*k+1] = rng.NormFloat64(), rng.NormFloat64()
		// z: x rotated, reflected, scaled and shifted
		z[i*k] = 3*(math.Cos(th)*x[i*k]-math.Sin(th)*x[i*k+1]) + 5
		z[i*k+1] = -3*(math.Sin(th)*x[i*k]+math.Cos(th)*x[i*k+1]) - 2
	}
	if d, err := Procrustes(&Embedding{N: n, K: k, Coords: x}, &Embedding{N: n, K: k, Coords: z}); err != nil || d > 1e-12 {
		t.Fatalf("disparity of a similarity transform: %g, %v", d, err)
	}
	if _, err := Procrustes(&Embedding{N: n, K: k, Coords: x}, &Embedding{N: n * k, K: 1, Coords: y}); err == nil || !strings.Contains(err.Error(), "12 points in 2 dimensions and 24 in 1") {
		t.Fatalf("configurations of other shapes: %v", err)
	}
	got, err := Procrustes(&Embedding{N: n, K: k, Coords: x}, &Embedding{N: n, K: k, Coords: y})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("import numpy as np\nfrom scipy.spatial import procrustes\n")
	b.WriteString("x=np.array([" + join(x) + "]).reshape(-1,2)\ny=np.array([" + join(y) + "]).reshape(-1,2)\n")
	b.WriteString("print(repr(procrustes(x,y)[2]))\n")
	out, err := exec.Command("/usr/bin/python3", "-c", b.String()).CombinedOutput()
	if err != nil {
		t.Fatalf("scipy (Debian python3-scipy; make test installs it): %v\n%s", err, out)
	}
	want, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("scipy printed %q", out)
	}
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("disparity %.15g, scipy %.15g", got, want)
	}
}

func join(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', 17, 64)
	}
	return strings.Join(s, ",")
}

func TestBadMatricesNameTheEntry(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name       string
		rows, cols int
		v          []float64
		want       string
	}{
		{"not square", 2, 3, make([]float64, 6), "2×3, not square"},
		{"asymmetric", 3, 3, []float64{0, 1, 2, 1, 0, 3, 2, 3.5, 0}, "not symmetric: entry (1, 2)"},
		{"NaN", 3, 3, []float64{0, 1, 2, 1, 0, nan, 2, nan, 0}, "entry (1, 2) is NaN"},
		{"negative", 2, 2, []float64{0, -1, -1, 0}, "entry (0, 1) is negative"},
		{"diagonal", 2, 2, []float64{0, 1, 1, 0.5}, "diagonal entry (1, 1)"},
		{"one point", 1, 1, []float64{0}, "need at least 2"},
	}
	for _, c := range cases {
		_, err := NewDistances("D.npy", c.rows, c.cols, c.v)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "D.npy: ") {
			t.Errorf("%s: error %v, want one naming D.npy and %q", c.name, err, c.want)
		}
	}
}
