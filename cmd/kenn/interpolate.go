package main

import (
	"context"
	"fmt"
	"math"

	"github.com/kenn-ot/kenn/latent"
	"github.com/kenn-ot/kenn/plots"
)

func runInterpolate(ctx context.Context, args []string) error {
	fs := newFlags("interpolate", "--model M.onnx --images FILE --from I --to J [--points 9] [--exact] -o grid.png")
	model, images, out, zoom := decoderFlags(fs)
	from := fs.Int("from", 0, "index of the first image")
	to := fs.Int("to", 1, "index of the second image")
	steps := fs.Int("points", 9, "images on the α grid from 0 to 1, ends included")
	alias(fs, "steps", "points")
	exact := fs.Bool("exact", false, "also draw McCann's displacement interpolation of the exact optimal plan and the pixel mix (1−α)x + αy, and print W2² (pixel²) from the decoded and the mixed image to the exact one at every α")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkDecoder(fs).ints("from", 0, math.MaxInt).ints("to", 0, math.MaxInt).ints("points", 2, math.MaxInt).err(); err != nil {
		return err
	}
	m, done, imgs, f, err := openDecoder(ctx, *out, *model, *images)
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
	if *exact {
		c, err := latent.CompareInterpolation(imgs.Image(*from, nil), imgs.Image(*to, nil), alphas, dec)
		if err != nil {
			return err
		}
		fmt.Printf("images %d and %d: exact W2² %.4f px²; W2² in pixel² from each intermediate to McCann's exact interpolant, its point masses off the grid (the image drawn splats them bilinearly, within splat_w2sq_bound px² in W2² of them)\n", *from, *to, c.W2Sq)
		fmt.Println("alpha,w2sq_dwe_vs_exact,w2sq_pixel_mix_vs_exact,splat_w2sq_bound")
		var exRow, mixRow [][]float32
		decCap, mixCap := make([]string, *steps), make([]string, *steps)
		for k, a := range alphas {
			fmt.Printf("%.4g,%.4f,%.4f,%.4f\n", a, c.DecodedW2Sq[k], c.MixW2Sq[k], c.SplatW2Sq[k])
			exRow = append(exRow, toFloat32(c.Exact[k].Pix))
			mixRow = append(mixRow, toFloat32(c.Mix[k].Pix))
			decCap[k] = fmt.Sprintf("%.3f px² to exact", c.DecodedW2Sq[k])
			mixCap[k] = fmt.Sprintf("%.3f px² to exact", c.MixW2Sq[k])
		}
		g.Images = append(g.Images, exRow, mixRow)
		g.Rows = append(g.Rows, "exact (McCann)", "pixel mix")
		g.Captions = [][]string{g.Captions[0], decCap, nil, mixCap}
		g.Title = fmt.Sprintf("Interpolation from x_%d to x_%d: DWE decoded, exact displacement (McCann), pixel mix", *from, *to)
	}
	return g.Write(*out)
}
