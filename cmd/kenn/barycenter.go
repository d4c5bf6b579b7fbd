package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/kenn-ot/kenn/latent"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/plots"
)

func runBarycenter(ctx context.Context, args []string) error {
	fs := newFlags("barycenter", "--model M.onnx --images FILE [--labels L] -o grid.png [--compare K [--epsilon E]]")
	model, images, out, zoom := decoderFlags(fs)
	labelsPath := fs.String("labels", "", "labels (default: those beside the images)")
	compare := fs.Int("compare", 0, "also compute, for the first K images of each class, the ot engine's debiased entropic barycenter, the decoded one and the Euclidean mean, and report W2² between them and the decoder's reconstruction error W2²(ψ(φ(x)), x) on those images (pixel²)")
	eps := fs.Float64("epsilon", 1, "--compare: entropic regularization of the ot barycenter, pixel²")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkDecoder(fs).ints("compare", 0, math.MaxInt).positive("epsilon").err(); err != nil {
		return err
	}
	m, done, imgs, f, err := openDecoder(ctx, *out, *model, *images, arg("--labels", *labelsPath))
	if err != nil {
		return err
	}
	defer done()
	labels, err := labelsFor(*labelsPath, imgs, imgs.N)
	if err != nil {
		return err
	}
	unlabelled := labels == nil
	if unlabelled {
		labels = make([]int, imgs.N) // one class: the barycenter of all
	}
	classes, bary, err := latent.ClassBarycenters(f, labels)
	if err != nil {
		return err
	}
	dec, err := decodeRows(m, bary)
	if err != nil {
		return err
	}
	grid := [][][]float32{dec}
	names := plots.ClassesOf(*images)
	g := plots.Grid{Title: "DWE barycenters of " + filepath.Base(*images) + ", one column per class", H: m.H, W: m.W, Zoom: *zoom,
		Rows: []string{"ψ(mean φ), all"}}
	for _, cl := range classes {
		if unlabelled {
			g.Cols = append(g.Cols, "all images")
		} else {
			g.Cols = append(g.Cols, names.Name(cl))
		}
	}
	fmt.Printf("classes %v: one decoded barycenter each, of %d images in all\n", classes, imgs.N)
	if *compare > 0 {
		var decK, otK, meanK [][]float32
		var caps [][]string
		fmt.Printf("W2² in pixel² between unit-mass images; ot: debiased entropic barycenter at ε = %g px²; reconstruction: mean over the images of W2²(ψ(φ(x)), x)\n", *eps)
		fmt.Println("class,images,w2sq_decoded_vs_ot,w2sq_euclidean_mean_vs_ot,closer_to_ot,w2sq_reconstruction_mean")
		wins := 0
		for _, cl := range classes {
			var rows []int
			for i, l := range labels {
				if l == cl && len(rows) < *compare {
					rows = append(rows, i)
				}
			}
			var set []ot.Image
			for _, i := range rows {
				set = append(set, imgs.Image(i, nil))
			}
			c, err := latent.CompareClass(set, f, rows, m.Decode, *eps)
			if err != nil {
				return fmt.Errorf("class %d: %w", cl, err)
			}
			closer, meanRecon := "mean", c.ReconstructionW2Sq
			if c.DecodedCloser() {
				closer, wins = "decoded", wins+1
			}
			fmt.Printf("%d,%d,%.4f,%.4f,%s,%.4f\n", cl, len(rows), c.DecodedW2Sq, c.MeanW2Sq, closer, meanRecon)
			decK = append(decK, c.Decoded)
			otK = append(otK, toFloat32(c.OT.Pix))
			meanK = append(meanK, toFloat32(c.Mean.Pix))
			caps = append(caps, []string{fmt.Sprintf("%.3g px² to ot", c.DecodedW2Sq), "", fmt.Sprintf("%.3g px² to ot", c.MeanW2Sq)})
		}
		fmt.Printf("decoded closer to the ot barycenter than the Euclidean mean in %d of %d classes\n", wins, len(classes))
		grid = append(grid, decK, otK, meanK)
		g.Rows = append(g.Rows, fmt.Sprintf("ψ(mean φ), first %d", *compare), fmt.Sprintf("ot, ε = %g px²", *eps), fmt.Sprintf("mean, first %d", *compare))
		// captions: W2² to the ot barycenter under the decoded and mean rows
		g.Captions = make([][]string, len(grid))
		for r := 1; r <= 3; r++ {
			g.Captions[r] = make([]string, len(classes))
			for k := range classes {
				g.Captions[r][k] = caps[k][r-1]
			}
		}
	}
	g.Images = grid
	return g.Write(*out)
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
