package main

import (
	"context"
	"fmt"
	"math"

	"github.com/kenn-ot/kenn/latent"
	"github.com/kenn-ot/kenn/plots"
)

func runInterpolate(ctx context.Context, args []string) error {
	fs := newFlags("interpolate", "--model M.onnx --images FILE --from I --to J [--points 9] -o grid.png")
	model, images, out, zoom := decoderFlags(fs)
	from := fs.Int("from", 0, "index of the first image")
	to := fs.Int("to", 1, "index of the second image")
	steps := fs.Int("points", 9, "images on the α grid from 0 to 1, ends included")
	alias(fs, "steps", "points")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkDecoder(fs).ints("from", 0, math.MaxInt).ints("to", 0, math.MaxInt).ints("points", 2, math.MaxInt).err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)}, plus(onnxSet("--model", *model), paths{arg("--images", *images)})...)
	if err != nil {
		return err
	}
	defer unlock()
	m, done, imgs, f, err := openDecoder(*model, *images)
	if err != nil {
		return err
	}
	defer done()
	for _, i := range []int{*from, *to} {
		if i < 0 || i >= imgs.N {
			return fmt.Errorf("image index %d: %s has %d images", i, *images, imgs.N)
		}
	}
	alphas := make([]float64, *steps)
	for k := range alphas {
		alphas[k] = float64(k) / float64(*steps-1)
	}
	rows := latent.Interpolate(f.Row(*from), f.Row(*to), alphas)
	dec, err := decodeRows(m, rows)
	if err != nil {
		return err
	}
	grid := [][][]float32{make([][]float32, *steps), dec}
	grid[0][0], grid[0][*steps-1] = imgs.Row(*from), imgs.Row(*to)
	g := plots.Grid{Title: fmt.Sprintf("DWE interpolation ψ((1−α) φ(x_%d) + α φ(x_%d))", *from, *to), Images: grid, H: m.H, W: m.W, Zoom: *zoom,
		Rows: []string{"inputs", "decoded"}}
	for _, a := range alphas {
		g.Cols = append(g.Cols, fmt.Sprintf("α = %.3g", a))
	}
	g.Captions = [][]string{make([]string, *steps)}
	g.Captions[0][0], g.Captions[0][*steps-1] = fmt.Sprintf("image %d", *from), fmt.Sprintf("image %d", *to)
	return g.Write(*out)
}
