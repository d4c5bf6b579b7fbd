package plots

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
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
	size, _, _ := f.layout()
	c, err := draw.NewFormattedCanvas(size.X, size.Y, fm)
	if err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	f.draw(c)
	return atomicfile.WriteFile(path, func(w io.Writer) error { _, err := c.WriteTo(w); return err })
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
