package plots

import (
	"fmt"
	"html"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// decodePNG reads the PNG file at path.
func decodePNG(t *testing.T, path string) image.Image {
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
	return img
}

// nonTrivial decodes a PNG and checks its size and that it holds a real
// drawing: many distinct colours, and no colour covering almost all of it.
func nonTrivial(t *testing.T, path string, minW, minH, minColours int) {
	t.Helper()
	img := decodePNG(t, path)
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
	if err := Scatter2D(p, "Wassmap", xy, lab, MNISTDigits()); err != nil {
		t.Fatal(err)
	}
	nonTrivial(t, p, 300, 300, 12)

	p = filepath.Join(dir, "grid.png")
	im := make([]float32, 28*28)
	for i := range im {
		im[i] = float32(i % 29)
	}
	if err := (Grid{Images: [][][]float32{{im, im}, {im, nil}}, H: 28, W: 28, Zoom: 2}).Write(p); err != nil {
		t.Fatal(err)
	}
	nonTrivial(t, p, 2*56, 2*56, 20)

	if err := Scatter2D(filepath.Join(dir, "bad.png"), "x", xy, lab[:5], MNISTDigits()); err == nil {
		t.Fatal("labels of another count accepted")
	}
	if err := (Grid{Images: [][][]float32{{im[:10]}}, H: 28, W: 28, Zoom: 1}).Write(filepath.Join(dir, "bad.png")); err == nil {
		t.Fatal("an image of the wrong size accepted")
	}
}

// svgText is one <text> element of an SVG figure: its anchor point in
// gonum's coordinates (points, y up from the bottom) and its content.
type svgText struct {
	x, y float64
	s    string
}

var (
	textRE  = regexp.MustCompile(`(?s)<text x="([^"]+)" y="([^"]+)"[^>]*>([^<]*)</text>`)
	imageRE = regexp.MustCompile(`<image x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"`)
	sizeRE  = regexp.MustCompile(`<svg width="([0-9.]+)pt" height="([0-9.]+)pt"`)
)

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// readSVG returns the texts of an SVG written by gonum's vgsvg, its images'
// rectangles (min x, min y, max x, max y in gonum's coordinates) and its
// size in points.
func readSVG(t *testing.T, path string) (texts []svgText, images [][4]float64, w, h float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := sizeRE.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s: no <svg width height>", path)
	}
	w, h = num(t, string(m[1])), num(t, string(m[2]))
	for _, m := range textRE.FindAllSubmatch(b, -1) {
		// vgsvg flips y: the attribute is minus gonum's y
		texts = append(texts, svgText{num(t, string(m[1])), -num(t, string(m[2])), html.UnescapeString(string(m[3]))})
	}
	for _, m := range imageRE.FindAllSubmatch(b, -1) {
		x, y, iw, ih := num(t, string(m[1])), -num(t, string(m[2])), num(t, string(m[3])), num(t, string(m[4]))
		// the attribute y is minus the top edge
		images = append(images, [4]float64{x, y - ih, x + iw, y})
	}
	return texts, images, w, h
}

// find returns the texts equal to s.
func find(texts []svgText, s string) []svgText {
	var out []svgText
	for _, t := range texts {
		if t.s == s {
			out = append(out, t)
		}
	}
	return out
}

func one(t *testing.T, texts []svgText, s string) svgText {
	t.Helper()
	f := find(texts, s)
	if len(f) != 1 {
		var all []string
		for _, x := range texts {
			all = append(all, strconv.Quote(x.s))
		}
		t.Fatalf("text %q appears %d times, want once; the figure says %s", s, len(f), strings.Join(all, " "))
	}
	return f[0]
}

func TestPredVsExactSaysRAndRelativeErrorWithLegendOutside(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var ex, pr []float64
	for i := 0; i < 500; i++ {
		e := 1 + 59*rng.Float64()
		ex = append(ex, e)
		pr = append(pr, e+3*rng.NormFloat64())
	}
	// independent truth: Pearson r and Σ(p−e)²/Σe² written out here
	var me, mp float64
	for i := range ex {
		me += ex[i] / float64(len(ex))
		mp += pr[i] / float64(len(ex))
	}
	var sxy, sxx, syy, se, see float64
	for i := range ex {
		sxy += (ex[i] - me) * (pr[i] - mp)
		sxx += (ex[i] - me) * (ex[i] - me)
		syy += (pr[i] - mp) * (pr[i] - mp)
		se += (pr[i] - ex[i]) * (pr[i] - ex[i])
		see += ex[i] * ex[i]
	}
	r, rel := sxy/math.Sqrt(sxx*syy), se/see
	p := filepath.Join(t.TempDir(), "pred.svg")
	if err := PredVsExact(p, "DeepKENN on MNIST test pairs", "W2² (px²)", ex, pr, 200); err != nil {
		t.Fatal(err)
	}
	texts, _, w, _ := readSVG(t, p)
	one(t, texts, "DeepKENN on MNIST test pairs")
	one(t, texts, fmt.Sprintf("Pearson r = %.4f, relative MSE = %.3g, 500 pairs", r, rel))
	one(t, texts, "exact W2² (px²)")
	one(t, texts, "predicted W2² (px²)")
	plotW := 5 * 72.0
	if w <= plotW {
		t.Fatalf("figure %g pt wide: no room for the legend right of the %g pt plot", w, plotW)
	}
	for _, s := range []string{"pairs", "median prediction", "25–75% band", "5–95% band", "exact = predicted"} {
		if x := one(t, texts, s).x; x < plotW {
			t.Errorf("legend entry %q at x = %.1f pt, inside the plot (0–%g pt)", s, x, plotW)
		}
	}
	// tick labels: plain numbers with no needless decimals (0, 20, 40)
	ticks := 0
	for _, tx := range texts {
		if _, err := strconv.ParseFloat(tx.s, 64); err == nil {
			ticks++
			if strings.Contains(tx.s, ".") && strings.HasSuffix(tx.s, "0") {
				t.Errorf("tick label %q has a needless trailing zero", tx.s)
			}
		}
	}
	if ticks < 4 {
		t.Fatalf("%d numeric tick labels, want the axes' ticks", ticks)
	}
}

func TestScatter2DNamesClassesOutsideTheData(t *testing.T) {
	var xy []float64
	var lab []int
	for i := 0; i < 200; i++ {
		xy = append(xy, float64(i%10)+0.01*float64(i), float64(i%7))
		lab = append(lab, i%10)
	}
	cases := []struct {
		name    string
		classes Classes
		labels  []int
		want    []string
	}{
		{"Fashion-MNIST", FashionMNIST(), lab, []string{"class", "T-shirt/top", "Trouser", "Sneaker", "Ankle boot"}},
		{"MNIST", MNISTDigits(), lab, []string{"digit", "0", "9"}},
		{"unnamed labels", Classes{Heading: "class"}, lab, []string{"class", "class 0", "class 9"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "map.svg")
			if err := Scatter2D(p, "Wassmap of the test images", xy, c.labels, c.classes); err != nil {
				t.Fatal(err)
			}
			texts, _, _, _ := readSVG(t, p)
			one(t, texts, "Wassmap 1 (px)")
			one(t, texts, "Wassmap 2 (px)")
			for _, s := range c.want {
				var right bool
				for _, tx := range find(texts, s) {
					right = right || tx.x > 5*72 // the legend, not a tick label
				}
				if !right {
					t.Errorf("legend entry %q missing right of the plot", s)
				}
			}
		})
	}
}

func TestClassesOf(t *testing.T) {
	cases := []struct{ path, want string }{
		{"data/fashion-mnist/t10k-images-idx3-ubyte", "Ankle boot"},
		{".cache/fit/fashion/test-images-idx3-ubyte", "Ankle boot"},
		{"data/mnist/t10k-images-idx3-ubyte", "9"},
		{"my-images", "class 9"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			if got := ClassesOf(c.path).Name(9); got != c.want {
				t.Fatalf("label 9 of %s is %q, want %q", c.path, got, c.want)
			}
		})
	}
}

func TestProfileWritesValuesBelowTheTop(t *testing.T) {
	p := filepath.Join(t.TempDir(), "w.svg")
	if err := Profile(p, "ODE-KENN time weights", "time t_k", "softplus(α_k)", []string{"0", "0.5", "1"}, []float64{0.017, 0.023, 0.031}); err != nil {
		t.Fatal(err)
	}
	texts, _, _, h := readSVG(t, p)
	title := one(t, texts, "ODE-KENN time weights")
	one(t, texts, "time t_k")
	one(t, texts, "softplus(α_k)")
	for _, s := range []string{"0.017", "0.023", "0.031"} {
		v := one(t, texts, s)
		if v.y <= 0 || v.y >= title.y || v.y >= h {
			t.Errorf("value label %q at y = %.1f pt: outside the plot (title at %.1f, height %.1f)", s, v.y, title.y, h)
		}
	}
}

func TestGridLabelsRowsColumnsAndCaptions(t *testing.T) {
	im := make([]float32, 28*28)
	for i := range im {
		im[i] = float32(i % 29)
	}
	g := Grid{
		Title:  "3 nearest neighbours by exact W2",
		Images: [][][]float32{{im, im, im, im}, {im, im, nil, im}},
		H:      28, W: 28, Zoom: 2,
		Rows:     []string{"test image 0", "test image 1"},
		Cols:     []string{"query", "neighbour 1", "neighbour 2", "neighbour 3"},
		Captions: [][]string{{"", "W2 1.23 px", "W2 2.5 px", "W2 3.1 px"}, {"", "W2 0.9 px", "", "W2 4 px"}},
	}
	p := filepath.Join(t.TempDir(), "knn.svg")
	if err := g.Write(p); err != nil {
		t.Fatal(err)
	}
	texts, images, _, _ := readSVG(t, p)
	if len(images) != 7 {
		t.Fatalf("%d images drawn, want 7 (one cell blank)", len(images))
	}
	title := one(t, texts, g.Title)
	left := images[0][0]
	for _, im := range images {
		left = math.Min(left, im[0])
		if im[3] >= title.y {
			t.Errorf("an image reaches y = %.1f, above the title at %.1f", im[3], title.y)
		}
	}
	for r, s := range g.Rows {
		tx := one(t, texts, s)
		row := images[4*r] // the first image of row r
		if tx.x > left || tx.y < row[1] || tx.y > row[3] {
			t.Errorf("row label %q at (%.1f, %.1f), not left of row %d (x < %.1f, y in %.1f–%.1f)", s, tx.x, tx.y, r, left, row[1], row[3])
		}
	}
	for c, s := range g.Cols {
		tx := one(t, texts, s)
		cell := images[c]
		if tx.x < cell[0] || tx.x > cell[2] || tx.y < cell[3] {
			t.Errorf("column label %q at (%.1f, %.1f), not above column %d (x in %.1f–%.1f, y > %.1f)", s, tx.x, tx.y, c, cell[0], cell[2], cell[3])
		}
	}
	for _, c := range []struct {
		s     string
		image int
	}{{"W2 1.23 px", 1}, {"W2 3.1 px", 3}, {"W2 0.9 px", 5}, {"W2 4 px", 6}} {
		tx := one(t, texts, c.s)
		cell := images[c.image]
		if tx.x < cell[0] || tx.x > cell[2] || tx.y > cell[1] {
			t.Errorf("caption %q at (%.1f, %.1f), not under its image (x in %.1f–%.1f, y < %.1f)", c.s, tx.x, tx.y, cell[0], cell[2], cell[1])
		}
	}
}

// TestGridPNGPixels checks the PNG grid pixel by pixel where it must be
// exact: each image pixel becomes zoom×zoom screen pixels, scaled to the
// image's maximum, on the pixel grid.
func TestGridPNGPixels(t *testing.T) {
	const h, w, zoom = 4, 5, 3
	im := make([]float32, h*w)
	im[0], im[1*w+2] = 2, 1 // (0,0) white, (1,2) half grey, the rest black
	g := Grid{Images: [][][]float32{{im}}, H: h, W: w, Zoom: zoom, Rows: []string{"r"}}
	p := filepath.Join(t.TempDir(), "g.png")
	if err := g.Write(p); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, p)
	l := g.layout()
	rect := l.cellRect(0, 0)
	x0 := int(math.Round(float64(rect.Min.X / gridPixel)))
	y0 := img.Bounds().Dy() - int(math.Round(float64(rect.Max.Y/gridPixel))) // image rows run down
	gray := func(x, y int) uint32 { r, _, _, _ := img.At(x, y).RGBA(); return r >> 8 }
	for y := 0; y < h*zoom; y++ {
		for x := 0; x < w*zoom; x++ {
			want := uint32(0)
			switch {
			case y/zoom == 0 && x/zoom == 0:
				want = 255
			case y/zoom == 1 && x/zoom == 2:
				want = 128
			}
			if got := gray(x0+x, y0+y); got+1 < want || got > want+1 {
				t.Fatalf("screen pixel (%d, %d) of the image is %d, want %d", x, y, got, want)
			}
		}
	}
}

func TestSaveDrawsTheLegendRightOfThePlot(t *testing.T) {
	p := plot.New()
	p.Title.Text = "two lines"
	a, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 0}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(a, b)
	path := filepath.Join(t.TempDir(), "lines.svg")
	if err := Save(path, p, 4*vg.Inch, 3*vg.Inch, []LegendEntry{{Name: "source"}, {Name: "rising", Thumbs: []plot.Thumbnailer{a}}, {Name: "falling", Thumbs: []plot.Thumbnailer{b}}}); err != nil {
		t.Fatal(err)
	}
	texts, _, w, _ := readSVG(t, path)
	if w <= 4*72 {
		t.Fatalf("figure %g pt wide, no legend column beside the %g pt plot", w, 4*72.0)
	}
	prev := math.Inf(1)
	for _, s := range []string{"source", "rising", "falling"} {
		tx := one(t, texts, s)
		if tx.x < 4*72 {
			t.Errorf("legend entry %q at x = %.1f pt, inside the plot", s, tx.x)
		}
		if tx.y >= prev {
			t.Errorf("legend entry %q at y = %.1f pt, not below the one before (%.1f)", s, tx.y, prev)
		}
		prev = tx.y
	}
}

func TestCleanTicks(t *testing.T) {
	cases := []struct {
		name     string
		min, max float64
		want     []string // the labelled ticks, in order
	}{
		{"halves written with one decimal", -3.1, 2.55, []string{"-2.5", "0.0", "2.5"}},
		{"whole numbers", 0, 60, []string{"0", "30", "60"}},
		{"hundredths", 0, 0.031, []string{"0.00", "0.01", "0.02", "0.03"}},
		{"thousandths", 0, 0.0073, []string{"0.000", "0.003", "0.006"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, tk := range (cleanTicks{}).Ticks(c.min, c.max) {
				if tk.Label == "" {
					continue
				}
				got = append(got, tk.Label)
				if v, err := strconv.ParseFloat(tk.Label, 64); err != nil || math.Abs(v-tk.Value) > 1e-12 {
					t.Errorf("label %q on the tick at %v", tk.Label, tk.Value)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("labels %q, want %q", got, c.want)
			}
		})
	}
}

func TestLongTitlesShrinkToTheFigure(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var ex, pr []float64
	for i := 0; i < 100; i++ {
		e := 1 + 10*rng.Float64()
		ex, pr = append(ex, e), append(pr, e+rng.NormFloat64())
	}
	title := strings.Repeat("a long title that says everything about the figure, ", 3)
	p := filepath.Join(t.TempDir(), "pred.svg")
	if err := PredVsExact(p, title, "W2² (px²)", ex, pr, 100); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	texts, _, w, _ := readSVG(t, p)
	tx := one(t, texts, title)
	m := regexp.MustCompile(`font-size:([0-9.]+)px">` + regexp.QuoteMeta(html.EscapeString(title))).FindSubmatch(b)
	if m == nil {
		t.Fatal("no font size on the title")
	}
	// the title starts at tx.x (vgsvg writes the left edge): all of it
	// must lie inside the figure
	size := num(t, string(m[1]))
	width := float64(textStyle(vg.Length(size), 0, 0).Width(title))
	if tx.x < -0.5 || tx.x+width > w+0.5 {
		t.Fatalf("title from %.1f to %.1f pt in a %.1f pt wide figure: cut", tx.x, tx.x+width, w)
	}
}
