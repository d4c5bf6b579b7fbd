package plots

import (
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// nonTrivial decodes a PNG and checks its size and that it holds a real
// drawing: many distinct colours, and no colour covering almost all of it.
func nonTrivial(t *testing.T, path string, minW, minH, minColours int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() < minW || b.Dy() < minH {
		t.Fatalf("%s is %dx%d, want at least %dx%d", path, b.Dx(), b.Dy(), minW, minH)
	}
	count := map[[4]uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			count[[4]uint32{r, g, bl, a}]++
		}
	}
	top := 0
	for _, c := range count {
		top = max(top, c)
	}
	if len(count) < minColours || float64(top) > 0.995*float64(b.Dx()*b.Dy()) {
		t.Fatalf("%s: %d colours, the commonest on %d of %d pixels: not a drawing", path, len(count), top, b.Dx()*b.Dy())
	}
}

func TestFiguresAreRealPNGs(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var ex, pr []float64
	for i := 0; i < 2000; i++ {
		e := 60 * rng.Float64()
		ex = append(ex, e)
		pr = append(pr, e*(1+0.1*rng.NormFloat64()))
	}
	p := filepath.Join(dir, "pred.png")
	if err := PredVsExact(p, "DeepKENN on MNIST test pairs", "W2² (px²)", ex, pr, 1000); err != nil {
		t.Fatal(err)
	}
	nonTrivial(t, p, 300, 300, 20)

	p = filepath.Join(dir, "profile.png")
	if err := Profile(p, "layer weights", "layer", "softplus(β)", []string{"conv1", "conv2", "fc1", "fc2"}, []float64{0.1, 0.5, 0.2, 1.3}); err != nil {
		t.Fatal(err)
	}
	nonTrivial(t, p, 300, 200, 10)

	var xy []float64
	var lab []int
	for i := 0; i < 300; i++ {
		c := i % 10
		xy = append(xy, 10*math.Cos(float64(c))+rng.NormFloat64(), 10*math.Sin(float64(c))+rng.NormFloat64())
		lab = append(lab, c)
	}
	p = filepath.Join(dir, "map.png")
	if err := Scatter2D(p, "Wassmap", xy, lab); err != nil {
		t.Fatal(err)
	}
	nonTrivial(t, p, 300, 300, 12)

	p = filepath.Join(dir, "grid.png")
	im := make([]float32, 28*28)
	for i := range im {
		im[i] = float32(i % 29)
	}
	if err := ImageGrid(p, [][][]float32{{im, im}, {im, nil}}, 28, 28, 2); err != nil {
		t.Fatal(err)
	}
	nonTrivial(t, p, 2*56, 2*56, 20)

	if err := Scatter2D(filepath.Join(dir, "bad.png"), "x", xy, lab[:5]); err == nil {
		t.Fatal("labels of another count accepted")
	}
	if err := ImageGrid(filepath.Join(dir, "bad.png"), [][][]float32{{im[:10]}}, 28, 28, 1); err == nil {
		t.Fatal("an image of the wrong size accepted")
	}
}
