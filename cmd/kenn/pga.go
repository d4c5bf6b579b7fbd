package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/kenn-ot/kenn/latent"
	"github.com/kenn-ot/kenn/plots"
)

func runPGA(ctx context.Context, args []string) error {
	fs := newFlags("pga", "--model M.onnx --images FILE [--components 3] [--sigmas -2,-1,0,1,2] -o grid.png")
	model, images, out, zoom := decoderFlags(fs)
	comps := fs.Int("components", 3, "principal components, one row each")
	sigmas := fs.String("sigmas", "-2,-1,0,1,2", "steps along each component, in its standard deviations")
	if err := parse(fs, args); err != nil {
		return err
	}
	fc := checkDecoder(fs).ints("components", 1, math.MaxInt)
	steps, err := floatList(*sigmas)
	if err != nil {
		fc.failf("--sigmas %q: want a comma-separated list of numbers: %v", *sigmas, err)
	}
	if err := fc.err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)}, plus(onnxSet("--model", *model), paths{arg("--images", *images)})...)
	if err != nil {
		return err
	}
	defer unlock()
	m, done, _, f, err := openDecoder(*model, *images)
	if err != nil {
		return err
	}
	defer done()
	g, err := latent.PrincipalGeodesics(f, *comps)
	if err != nil {
		return err
	}
	fig := plots.Grid{Title: "DWE principal geodesics of " + filepath.Base(*images), H: m.H, W: m.W, Zoom: *zoom}
	for _, s := range steps {
		fig.Cols = append(fig.Cols, fmt.Sprintf("%+.3gσ", s))
	}
	for c := 0; c < *comps; c++ {
		dec, err := decodeRows(m, g.Walk(c, steps))
		if err != nil {
			return err
		}
		fig.Images = append(fig.Images, dec)
		fig.Rows = append(fig.Rows, fmt.Sprintf("component %d (%.1f%%)", c+1, 100*g.Explained[c]))
		fmt.Printf("component %d: σ %.4g, explains %.4f of the variance\n", c+1, g.Sigma[c], g.Explained[c])
	}
	return fig.Write(*out)
}
