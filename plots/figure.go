package plots

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// format is the file format of path, by its extension: .svg, .pdf, .eps,
// .jpg, .jpeg, .tif and .tiff as gonum/plot writes them, PNG for any
// other name.
func format(path string) string {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case "svg", "pdf", "eps", "jpg", "jpeg", "tif", "tiff":
		return ext
	}
	return "png"
}

// figure is a plot with its legend drawn in a column right of the plot,
// outside the data.
type figure struct {
	p      *plot.Plot
	legend plot.Legend // no entries: no column
	w, h   vg.Length   // of the plot; the legend column comes on top
	n      int         // legend entries
}

// legendPad is the space either side of the legend column.
const legendPad = vg.Length(8)

func newFigure(p *plot.Plot, w, h vg.Length) *figure {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	return &figure{p: p, legend: l, w: w, h: h}
}

// add adds a legend entry (no thumbnails: a heading line).
func (f *figure) add(name string, thumbs ...plot.Thumbnailer) {
	f.legend.Add(name, thumbs...)
	f.n++
}

// layout is the size of the whole figure and the areas of the plot and of
// the legend in it.
func (f *figure) layout() (size vg.Point, plotArea, legendArea vg.Rectangle) {
	plotArea = vg.Rectangle{Max: vg.Point{X: f.w, Y: f.h}}
	if f.n == 0 {
		return plotArea.Max, plotArea, vg.Rectangle{}
	}
	r := f.legend.Rectangle(draw.Canvas{})
	lw := r.Max.X - r.Min.X
	size = vg.Point{X: f.w + lw + 2*legendPad, Y: f.h}
	top := f.h - f.p.Title.TextStyle.Height(f.p.Title.Text) - f.p.Title.Padding - legendPad
	legendArea = vg.Rectangle{Min: vg.Point{X: f.w + legendPad, Y: 0}, Max: vg.Point{X: f.w + legendPad + lw, Y: top}}
	return size, plotArea, legendArea
}

// draw draws the figure on c (of the layout's size).
func (f *figure) draw(c vg.Canvas) {
	size, plotArea, legendArea := f.layout()
	dc := draw.NewCanvas(c, size.X, size.Y)
	f.p.Draw(draw.Canvas{Canvas: dc, Rectangle: plotArea})
	if f.n > 0 {
		f.legend.Draw(draw.Canvas{Canvas: dc, Rectangle: legendArea})
	}
}

// write draws the figure into path, in the format of its extension
// (format), atomically.
func (f *figure) write(path string) error {
	fm := format(path)
	for _, ax := range []*plot.Axis{&f.p.X, &f.p.Y} {
		if _, ok := ax.Tick.Marker.(plot.DefaultTicks); ok {
			ax.Tick.Marker = cleanTicks{}
		}
	}
	f.fitTitle()
	size, _, _ := f.layout()
	c, err := draw.NewFormattedCanvas(size.X, size.Y, fm)
	if err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	f.draw(c)
	return atomicfile.WriteFile(path, func(w io.Writer) error { _, err := c.WriteTo(w); return err })
}

// fitTitle shrinks the title's font until it fits the plot's width
// (gonum centres it over the plot and cuts what overflows).
func (f *figure) fitTitle() {
	sty := &f.p.Title.TextStyle
	if w := sty.Width(f.p.Title.Text); w > f.w-2*legendPad && w > 0 {
		sty.Font.Size = max(6, sty.Font.Size*(f.w-2*legendPad)/w)
	}
}

// cleanTicks are gonum's default tick marks with labels that carry no
// needless decimals: the labelled ticks get the fewest decimals that write
// every one of them exactly (-2.5, 0.0, 2.5 where gonum writes -2.50,
// 0.00, 2.50).
type cleanTicks struct{}

func (cleanTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	dec := 0
	for _, t := range ticks {
		if t.Label == "" {
			continue
		}
		for d := dec; d <= 10; d++ {
			scale := math.Pow(10, float64(d))
			if math.Abs(math.Round(t.Value*scale)/scale-t.Value) <= 1e-9*math.Max(1, math.Abs(t.Value)) {
				dec = d
				break
			}
		}
	}
	zero := strconv.FormatFloat(0, 'f', dec, 64)
	for i, t := range ticks {
		if t.Label != "" {
			l := strconv.FormatFloat(t.Value, 'f', dec, 64)
			if l == "-"+zero {
				l = zero
			}
			ticks[i].Label = l
		}
	}
	return ticks
}

// textStyle is a text style of the given size in gonum/plot's default
// font, aligned by x and y.
func textStyle(size vg.Length, x text.XAlignment, y text.YAlignment) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, size),
		Handler: plot.DefaultTextHandler,
		XAlign:  x,
		YAlign:  y,
	}
}

// LegendEntry is one line of a figure's legend: its text and the plotters
// whose thumbnails show it (none: a heading line).
type LegendEntry struct {
	Name   string
	Thumbs []plot.Thumbnailer
}

// Save writes a plot built by the caller with its legend in a column
// right of the plot, outside the data (the plot's own p.Legend is not
// drawn: give its entries here); w×h is the size of the plot without the
// legend column. The format follows path's extension (.svg, .pdf; PNG
// otherwise); the file is written atomically.
func Save(path string, p *plot.Plot, w, h vg.Length, legend []LegendEntry) error {
	f := newFigure(p, w, h)
	for _, e := range legend {
		f.add(e.Name, e.Thumbs...)
	}
	return f.write(path)
}
