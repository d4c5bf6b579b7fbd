package plots

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// Grid is a figure of images in rows and columns, each row and column
// labelled and each image optionally captioned (a kNN figure: the row
// "query 3", the columns "query", "neighbour 1" … "neighbour k", under
// each neighbour its W2 in px).
type Grid struct {
	Title string
	// Images[r][c] holds H·W values, row-major; a nil image leaves its
	// cell blank. Each is drawn scaled to its own maximum, white on
	// black (as MNIST).
	Images [][][]float32
	H, W   int
	Zoom   int // screen pixels per image pixel, ≥ 1
	// Rows[r] labels row r (left of it), Cols[c] column c (above it);
	// either may be nil or shorter than the grid, "" leaves a label out.
	Rows, Cols []string
	// Captions[r][c] is a line under image (r, c); nil: none.
	Captions [][]string
}

// gridLayout is a Grid's geometry in points (vg.Length), y up from the
// bottom left, as gonum's canvases take it.
type gridLayout struct {
	size      vg.Point
	cell      vg.Point // an image
	rowLabelW vg.Length
	colLabelH vg.Length
	captionH  vg.Length
	titleH    vg.Length
	cols      int
}

const (
	gridPad = vg.Length(6) // around the figure
	gridGap = vg.Length(4) // between cells
	// gridDPI is the resolution of a PNG grid: 96 dots per inch, as
	// gonum's default.
	gridDPI = 96
)

// Font sizes, in points.
const (
	gridTitleFont   = vg.Length(11)
	gridLabelFont   = vg.Length(8)
	gridCaptionFont = vg.Length(7)
)

// gridPixel is one screen pixel of a PNG grid, in points.
const gridPixel = vg.Length(72.0 / gridDPI)

// snap rounds v to whole screen pixels, so that images land on the pixel
// grid and stay sharp.
func snap(v vg.Length) vg.Length { return vg.Length(math.Round(float64(v/gridPixel))) * gridPixel }

// fit shrinks the font size of s so that txt is at most width wide (not
// below 5 points).
func fit(s text.Style, txt string, width vg.Length) text.Style {
	if w := s.Width(txt); w > width && w > 0 {
		s.Font.Size = max(5, s.Font.Size*width/w)
	}
	return s
}

func (g *Grid) layout() gridLayout {
	var l gridLayout
	for _, r := range g.Images {
		l.cols = max(l.cols, len(r))
	}
	l.cell = vg.Point{X: vg.Length(g.W*g.Zoom) * gridPixel, Y: vg.Length(g.H*g.Zoom) * gridPixel}
	ls := textStyle(gridLabelFont, text.XRight, text.YCenter)
	for _, r := range g.Rows {
		if r != "" {
			l.rowLabelW = max(l.rowLabelW, ls.Width(r)+gridGap)
		}
	}
	for _, c := range g.Cols {
		if c != "" {
			l.colLabelH = ls.Height(c) + 2
		}
	}
	cs := textStyle(gridCaptionFont, text.XCenter, text.YTop)
	for _, row := range g.Captions {
		for _, c := range row {
			if c != "" {
				l.captionH = cs.Height(c) + 2
			}
		}
	}
	if g.Title != "" {
		l.titleH = textStyle(gridTitleFont, text.XCenter, text.YTop).Height(g.Title) + gridGap
	}
	n := vg.Length(len(g.Images))
	l.size.X = 2*gridPad + l.rowLabelW + vg.Length(l.cols)*l.cell.X + vg.Length(max(l.cols-1, 0))*gridGap
	l.size.Y = 2*gridPad + l.titleH + l.colLabelH + n*(l.cell.Y+l.captionH) + max(n-1, 0)*gridGap
	// a wide title or row of labels widens the figure
	if l.titleH > 0 {
		l.size.X = max(l.size.X, 2*gridPad+textStyle(gridTitleFont, text.XCenter, text.YTop).Width(g.Title))
	}
	l.size = vg.Point{X: ceilPixel(l.size.X), Y: ceilPixel(l.size.Y)}
	return l
}

// cellRect is the rectangle of image (r, c).
func (l gridLayout) cellRect(r, c int) vg.Rectangle {
	x := snap(gridPad + l.rowLabelW + vg.Length(c)*(l.cell.X+gridGap))
	top := snap(l.size.Y - gridPad - l.titleH - l.colLabelH - vg.Length(r)*(l.cell.Y+l.captionH+gridGap))
	return vg.Rectangle{Min: vg.Point{X: x, Y: top - l.cell.Y}, Max: vg.Point{X: x + l.cell.X, Y: top}}
}

func (g *Grid) check() error {
	if len(g.Images) == 0 || g.Zoom < 1 || g.H < 1 || g.W < 1 {
		return fmt.Errorf("plots: an image grid needs at least one row, images of at least 1×1 pixel and zoom ≥ 1 (have %d rows, %d×%d, zoom %d)", len(g.Images), g.H, g.W, g.Zoom)
	}
	for r, row := range g.Images {
		for c, im := range row {
			if im != nil && len(im) != g.H*g.W {
				return fmt.Errorf("plots: image (%d, %d) has %d pixels, not %d×%d", r, c, len(im), g.H, g.W)
			}
		}
	}
	if len(g.Rows) > len(g.Images) {
		return fmt.Errorf("plots: %d row labels for %d rows", len(g.Rows), len(g.Images))
	}
	if len(g.Captions) > len(g.Images) {
		return fmt.Errorf("plots: captions for %d rows, the grid has %d", len(g.Captions), len(g.Images))
	}
	for r, row := range g.Captions {
		if len(row) > len(g.Images[r]) {
			return fmt.Errorf("plots: %d captions in row %d of %d images", len(row), r, len(g.Images[r]))
		}
	}
	return nil
}

// picture is image im magnified zoom times, each pixel scaled by the
// image's maximum (negative values as 0).
func (g *Grid) picture(im []float32) *image.Gray {
	top := float32(0)
	for _, v := range im {
		top = max(top, v)
	}
	pic := image.NewGray(image.Rect(0, 0, g.W*g.Zoom, g.H*g.Zoom))
	for y := 0; y < g.H*g.Zoom; y++ {
		for x := 0; x < g.W*g.Zoom; x++ {
			v := float32(0)
			if top > 0 {
				v = max(im[(y/g.Zoom)*g.W+x/g.Zoom], 0) / top
			}
			pic.SetGray(x, y, color.Gray{Y: uint8(255*v + 0.5)})
		}
	}
	return pic
}

func (g *Grid) draw(c vg.Canvas) {
	l := g.layout()
	dc := draw.NewCanvas(c, l.size.X, l.size.Y)
	if g.Title != "" {
		dc.FillText(textStyle(gridTitleFont, text.XCenter, text.YTop), vg.Point{X: l.size.X / 2, Y: l.size.Y - gridPad}, g.Title)
	}
	for c, label := range g.Cols {
		if label == "" || c >= l.cols {
			continue
		}
		r := l.cellRect(0, c)
		s := fit(textStyle(gridLabelFont, text.XCenter, text.YBottom), label, l.cell.X+gridGap)
		dc.FillText(s, vg.Point{X: (r.Min.X + r.Max.X) / 2, Y: r.Max.Y + 2}, label)
	}
	for r, row := range g.Images {
		if r < len(g.Rows) && g.Rows[r] != "" {
			rect := l.cellRect(r, 0)
			dc.FillText(textStyle(gridLabelFont, text.XRight, text.YCenter), vg.Point{X: rect.Min.X - gridGap, Y: (rect.Min.Y + rect.Max.Y) / 2}, g.Rows[r])
		}
		for c, im := range row {
			rect := l.cellRect(r, c)
			if im != nil {
				dc.DrawImage(rect, g.picture(im))
			}
			if r < len(g.Captions) && c < len(g.Captions[r]) && g.Captions[r][c] != "" {
				txt := g.Captions[r][c]
				s := fit(textStyle(gridCaptionFont, text.XCenter, text.YTop), txt, l.cell.X+gridGap)
				dc.FillText(s, vg.Point{X: (rect.Min.X + rect.Max.X) / 2, Y: rect.Min.Y - 1}, txt)
			}
		}
	}
}

// Write draws the grid into path, in the format of its extension (.svg,
// .pdf, …; any other name gets a PNG at 96 dots per inch, each image pixel
// zoom × zoom screen pixels, on white), atomically.
func (g Grid) Write(path string) error {
	if err := g.check(); err != nil {
		return err
	}
	fm := format(path)
	l := g.layout()
	var c vg.CanvasWriterTo
	var err error
	if fm == "png" {
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(l.size.X, l.size.Y), vgimg.UseDPI(gridDPI), vgimg.UseBackgroundColor(color.White))}
	} else if c, err = draw.NewFormattedCanvas(l.size.X, l.size.Y, fm); err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	g.draw(c)
	return atomicfile.WriteFile(path, func(w io.Writer) error { _, err := c.WriteTo(w); return err })
}

// ceilPixel rounds v up to whole screen pixels.
func ceilPixel(v vg.Length) vg.Length {
	return vg.Length(math.Ceil(float64(v/gridPixel)-1e-9)) * gridPixel
}
