package plots

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/metrics"
)

// PredVsExact plots predicted against exact values in the same units
// (e.g. "W2² (px²)", which labels both axes): up to maxPoints pairs as
// dots, the identity line, and, over bins of the exact value holding
// equal numbers of pairs, the median and the 5–95% and 25–75% bands of
// the prediction. A second title line gives the Pearson r, the relative
// MSE Σ(pred − exact)² / Σ exact² and the number of pairs; the legend
// stands right of the plot, both axes run from 0 to the same top. The
// file's extension picks the format (.png, .svg, .pdf).
func PredVsExact(path, title, units string, exact, pred []float64, maxPoints int) error {
	n := len(exact)
	if n != len(pred) || n < 20 {
		return fmt.Errorf("plots: %d exact and %d predicted values (need the same number, at least 20)", n, len(pred))
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return exact[order[a]] < exact[order[b]] })
	m := metrics.Compute(pred, exact)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s\nPearson r = %.4f, relative MSE = %.3g, %d pairs", title, m.Pearson, m.RelMSE, n)
	p.X.Label.Text = "exact " + units
	p.Y.Label.Text = "predicted " + units
	step := max(1, n/max(1, maxPoints))
	var pts plotter.XYs
	for k := 0; k < n; k += step {
		pts = append(pts, plotter.XY{X: exact[order[k]], Y: pred[order[k]]})
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	sc.GlyphStyle.Radius = vg.Points(0.8)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Color = color.RGBA{120, 120, 120, 255}
	bins := min(25, n/10)
	qs := []float64{0.05, 0.25, 0.5, 0.75, 0.95}
	lines := make([]plotter.XYs, len(qs))
	for b := 0; b < bins; b++ {
		lo, hi := b*n/bins, (b+1)*n/bins
		var ys []float64
		x := 0.0
		for _, i := range order[lo:hi] {
			ys = append(ys, pred[i])
			x += exact[i]
		}
		x /= float64(hi - lo)
		sort.Float64s(ys)
		for q, qv := range qs {
			lines[q] = append(lines[q], plotter.XY{X: x, Y: ys[int(qv*float64(len(ys)-1))]})
		}
	}
	band := func(lo, hi plotter.XYs, c color.Color) (*plotter.Polygon, error) {
		var ring plotter.XYs
		ring = append(ring, lo...)
		for k := len(hi) - 1; k >= 0; k-- {
			ring = append(ring, hi[k])
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, err
		}
		poly.Color = c
		poly.LineStyle.Width = 0
		return poly, nil
	}
	outer, err := band(lines[0], lines[4], color.NRGBA{R: 100, G: 150, B: 230, A: 90})
	if err != nil {
		return err
	}
	inner, err := band(lines[1], lines[3], color.NRGBA{R: 40, G: 90, B: 200, A: 110})
	if err != nil {
		return err
	}
	med, err := plotter.NewLine(lines[2])
	if err != nil {
		return err
	}
	med.Color = color.RGBA{20, 40, 140, 255}
	med.Width = vg.Points(1.5)
	top := math.Max(exact[order[n-1]], 0)
	for _, v := range pred {
		top = math.Max(top, v)
	}
	id, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: top, Y: top}})
	if err != nil {
		return err
	}
	id.Color = color.RGBA{200, 30, 30, 255}
	id.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(sc, outer, inner, med, id)
	p.X.Min, p.Y.Min = 0, 0
	p.X.Max, p.Y.Max = top, top
	f := newFigure(p, 5*vg.Inch, 5*vg.Inch)
	f.add("pairs", sc)
	f.add("median prediction", med)
	f.add("25–75% band", inner)
	f.add("5–95% band", outer)
	f.add("exact = predicted", id)
	return f.write(path)
}

// Profile plots one learned weight per position (a layer, or a time step)
// as bars with their values written above them: names label the positions
// along the x axis; the y axis runs from 0 to a margin above the tallest
// bar and its label.
func Profile(path, title, xlabel, ylabel string, names []string, values []float64) error {
	p, err := profilePlot(title, xlabel, ylabel, names, values)
	if err != nil {
		return err
	}
	return newFigure(p, 5*vg.Inch, 3.5*vg.Inch).write(path)
}

// Panel is one profile of Profiles: its y axis label (with its unit) and
// one value per position.
type Panel struct {
	YLabel string
	Values []float64
}

// Profiles plots profiles over the same positions as Profile does, one
// panel each, stacked top to bottom under one title (e.g. the raw segment
// weights above each segment's contribution to the distance); the x axis
// is labelled under the last.
func Profiles(path, title, xlabel string, names []string, panels ...Panel) error {
	if len(panels) == 0 {
		return fmt.Errorf("plots: no panel")
	}
	const w, h = 5 * vg.Inch, 2.8 * vg.Inch
	var figs []*figure
	for i, pn := range panels {
		t, xl := "", ""
		if i == 0 {
			t = title
		}
		if i == len(panels)-1 {
			xl = xlabel
		}
		p, err := profilePlot(t, xl, pn.YLabel, names, pn.Values)
		if err != nil {
			return err
		}
		p.Y.Tick.Marker = cleanTicks{}
		f := newFigure(p, w, h)
		f.fitTitle()
		figs = append(figs, f)
	}
	n := vg.Length(len(figs))
	c, err := draw.NewFormattedCanvas(w, n*h, format(path))
	if err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	dc := draw.NewCanvas(c, w, n*h)
	for i, f := range figs {
		top := n*h - vg.Length(i)*h
		f.p.Draw(draw.Canvas{Canvas: dc, Rectangle: vg.Rectangle{Min: vg.Point{Y: top - h}, Max: vg.Point{X: w, Y: top}}})
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error { _, err := c.WriteTo(w); return err })
}

// profilePlot is Profile's plot.
func profilePlot(title, xlabel, ylabel string, names []string, values []float64) (*plot.Plot, error) {
	if len(names) != len(values) || len(values) == 0 {
		return nil, fmt.Errorf("plots: %d names for %d values", len(names), len(values))
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	bars, err := plotter.NewBarChart(plotter.Values(values), vg.Points(18))
	if err != nil {
		return nil, err
	}
	bars.Color = color.RGBA{60, 110, 190, 255}
	bars.LineStyle.Width = 0
	top := 0.0
	var xy plotter.XYLabels
	for i, v := range values {
		top = math.Max(top, v)
		xy.XYs = append(xy.XYs, plotter.XY{X: float64(i), Y: math.Max(v, 0)})
		xy.Labels = append(xy.Labels, strconv.FormatFloat(v, 'g', 3, 64))
	}
	labels, err := plotter.NewLabels(xy)
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign = text.XCenter
		labels.TextStyle[i].YAlign = text.YBottom
		labels.TextStyle[i].Font.Size = vg.Points(8)
	}
	labels.Offset = vg.Point{Y: vg.Points(2)}
	p.Add(bars, labels)
	p.NominalX(names...)
	p.Y.Min = 0
	if top <= 0 {
		top = 1
	}
	p.Y.Max = 1.18 * top
	return p, nil
}

// Scatter2D plots n points (xy, [n, 2] row-major; Wassmap coordinates,
// in pixels), one colour per label (nil labels: one colour), with a legend
// of the class names right of the plot.
func Scatter2D(path, title string, xy []float64, labels []int, classes Classes) error {
	n := len(xy) / 2
	if labels != nil && len(labels) != n {
		return fmt.Errorf("plots: %d labels for %d points", len(labels), n)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "Wassmap 1 (px)"
	p.Y.Label.Text = "Wassmap 2 (px)"
	f := newFigure(p, 5*vg.Inch, 5*vg.Inch)
	if labels != nil && classes.Heading != "" {
		f.add(classes.Heading)
	}
	groups := map[int]plotter.XYs{}
	for i := 0; i < n; i++ {
		l := 0
		if labels != nil {
			l = labels[i]
		}
		groups[l] = append(groups[l], plotter.XY{X: xy[2*i], Y: xy[2*i+1]})
	}
	keys := make([]int, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for c, k := range keys {
		sc, err := plotter.NewScatter(groups[k])
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color = palette(c)
		sc.GlyphStyle.Radius = vg.Points(2)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(sc)
		if labels != nil {
			f.add(classes.Name(k), sc)
		}
	}
	return f.write(path)
}

// palette is a qualitative colour for class c (tab10 for the first ten).
func palette(c int) color.Color {
	tab10 := []color.RGBA{{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
		{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255}}
	if c < len(tab10) {
		return tab10[c]
	}
	return plotutil.Color(c)
}
