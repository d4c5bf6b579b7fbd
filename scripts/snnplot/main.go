// Command snnplot draws the figures of docs/results/snn/README.md: P̂(c = k | x) of each
// model against the true law over a 1-D input x, one colour per category,
// one line style per source. It reads a CSV with a header
//
//	x,k,truth,MODEL1,MODEL2,…
//
// (one row per x and category k; the columns after k are probabilities)
// and writes a PNG (an .svg or .pdf name: that format), its legend right
// of the curves:
//
//	go run ./scripts/snnplot -title TITLE -o FIG.png TABLE.csv
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"os"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/kenn-ot/kenn/plots"
)

func main() {
	title := flag.String("title", "", "figure title")
	out := flag.String("o", "", "output PNG")
	flag.Parse()
	if *out == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: snnplot -title TITLE -o FIG.png TABLE.csv")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *title, *out); err != nil {
		fmt.Fprintln(os.Stderr, "snnplot:", err)
		os.Exit(1)
	}
}

// curves[source][k] are the points of one line.
func read(path string) ([]string, map[string]map[int]plotter.XYs, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 || len(rows[0]) < 3 || rows[0][0] != "x" || rows[0][1] != "k" {
		return nil, nil, fmt.Errorf("%s: want a header x,k,truth,… and rows", path)
	}
	sources := rows[0][2:]
	curves := map[string]map[int]plotter.XYs{}
	for _, s := range sources {
		curves[s] = map[int]plotter.XYs{}
	}
	for i, r := range rows[1:] {
		v := make([]float64, len(r))
		for j, f := range r {
			if v[j], err = strconv.ParseFloat(f, 64); err != nil {
				return nil, nil, fmt.Errorf("%s line %d column %d: %w", path, i+2, j+1, err)
			}
		}
		k := int(v[1])
		for j, s := range sources {
			curves[s][k] = append(curves[s][k], plotter.XY{X: v[0], Y: v[2+j]})
		}
	}
	return sources, curves, nil
}

func run(path, title, out string) error {
	sources, curves, err := read(path)
	if err != nil {
		return err
	}
	colours := []color.RGBA{{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255}}
	dashes := [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(1.5), vg.Points(2.5)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "input x (the simulated covariate, no unit)"
	p.Y.Label.Text = "P(c = k | x)"
	p.Y.Min, p.Y.Max = 0, 1
	legend := []plots.LegendEntry{{Name: "source (line style)"}}
	seen := map[int]bool{}
	for si, s := range sources {
		var ks []int
		for k := range curves[s] {
			ks = append(ks, k)
		}
		sort.Ints(ks)
		for _, k := range ks {
			pts := curves[s][k]
			sort.Slice(pts, func(a, b int) bool { return pts[a].X < pts[b].X })
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.Color = colours[k%len(colours)]
			l.Width = vg.Points(1.5)
			if si == 0 {
				l.Width = vg.Points(2.5)
			}
			l.Dashes = dashes[si%len(dashes)]
			p.Add(l)
			seen[k] = true
		}
		// the legend: one entry per source (its line style, in grey), one per category (its colour)
		key, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}})
		if err != nil {
			return err
		}
		key.Color, key.Dashes, key.Width = color.Gray{Y: 70}, dashes[si%len(dashes)], vg.Points(1.5)
		legend = append(legend, plots.LegendEntry{Name: s, Thumbs: []plot.Thumbnailer{key}})
	}
	legend = append(legend, plots.LegendEntry{Name: "category (colour)"})
	var ks []int
	for k := range seen {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	for _, k := range ks {
		key, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}})
		if err != nil {
			return err
		}
		key.Color, key.Width = colours[k%len(colours)], vg.Points(2.5)
		legend = append(legend, plots.LegendEntry{Name: fmt.Sprintf("c = %d", k), Thumbs: []plot.Thumbnailer{key}})
	}
	if len(sources) == 0 {
		return errors.New("no sources")
	}
	return plots.Save(out, p, 6*vg.Inch, 4.5*vg.Inch, legend)
}
