package main

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/latent"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/plots"
)

func runPGA(ctx context.Context, args []string) error {
	fs := newFlags("pga", "--model M.onnx --images FILE [--components 3] [--sigmas -2,-1,0,1,2] [--class all|K,…] [--pca] -o grid.png")
	model, images, out, zoom := decoderFlags(fs)
	comps := fs.Int("components", 3, "principal components, one row each")
	sigmas := fs.String("sigmas", "-2,-1,0,1,2", "steps along each component, in its standard deviations")
	classList := fs.String("class", "", "one block of rows per class, each on that class's images only: all, or a comma-separated list of labels (default: all images together)")
	labelsPath := fs.String("labels", "", "--class: labels (default: those beside the images)")
	pca := fs.Bool("pca", false, "beside each component of the embedding, the same component of Euclidean PCA of the same images' unit-mass pixels, at the same steps (negative pixels clipped for display)")
	if err := parse(fs, args); err != nil {
		return err
	}
	fc := checkDecoder(fs).ints("components", 1, math.MaxInt)
	steps, err := floatList(*sigmas)
	if err != nil {
		fc.failf("--sigmas %q: want a comma-separated list of numbers: %v", *sigmas, err)
	}
	var wanted []int
	if *classList != "" && *classList != "all" {
		if wanted, err = intList(*classList); err != nil {
			fc.failf("--class %q: want all or a comma-separated list of labels: %v", *classList, err)
		}
	}
	if *labelsPath != "" && *classList == "" {
		fc.failf("--labels %s: labels are read only for --class; give --class all or a list of labels", *labelsPath)
	}
	if err := fc.err(); err != nil {
		return err
	}
	m, done, imgs, f, err := openDecoder(ctx, *out, *model, *images, arg("--labels", *labelsPath))
	if err != nil {
		return err
	}
	defer done()
	type block struct {
		name string
		rows []int
	}
	var blocks []block
	if *classList == "" {
		all := make([]int, imgs.N)
		for i := range all {
			all[i] = i
		}
		blocks = []block{{"", all}}
	} else {
		labels, err := labelsFor(*labelsPath, imgs, imgs.N)
		if err != nil {
			return err
		}
		if labels == nil {
			return fmt.Errorf("--class needs labels: none beside %s (give --labels)", *images)
		}
		byClass := map[int][]int{}
		for i, l := range labels {
			byClass[l] = append(byClass[l], i)
		}
		if wanted == nil {
			for l := range byClass {
				wanted = append(wanted, l)
			}
			sort.Ints(wanted)
		}
		names := plots.ClassesOf(*images)
		for _, l := range wanted {
			if len(byClass[l]) == 0 {
				return fmt.Errorf("--class %d: no image of %s has that label", l, *images)
			}
			blocks = append(blocks, block{names.Name(l), byClass[l]})
		}
	}
	title := "DWE principal geodesics of " + filepath.Base(*images)
	if *pca {
		title += " beside Euclidean PCA of the pixels"
	}
	fig := plots.Grid{Title: title, H: m.H, W: m.W, Zoom: *zoom}
	for _, s := range steps {
		fig.Cols = append(fig.Cols, fmt.Sprintf("%+.3gσ", s))
	}
	for _, b := range blocks {
		prefix, sel := "", f
		if b.name != "" {
			prefix = b.name + ": "
			sel = subsetFeatures(f, b.rows)
		}
		g, err := latent.PrincipalGeodesics(sel, *comps)
		if err != nil {
			return fmt.Errorf("%s%w", prefix, err)
		}
		var p *latent.Geodesics
		if *pca {
			set := make([]ot.Image, len(b.rows))
			for k, i := range b.rows {
				set[k] = imgs.Image(i, nil)
			}
			if p, err = latent.PixelPCA(set, *comps); err != nil {
				return fmt.Errorf("%s%w", prefix, err)
			}
		}
		for c := 0; c < *comps; c++ {
			dec, err := decodeRows(m, g.Walk(c, steps))
			if err != nil {
				return err
			}
			fig.Images = append(fig.Images, dec)
			if *pca {
				fig.Rows = append(fig.Rows, fmt.Sprintf("%sPGA %d (%.1f%%)", prefix, c+1, 100*g.Explained[c]))
			} else {
				fig.Rows = append(fig.Rows, fmt.Sprintf("%scomponent %d (%.1f%%)", prefix, c+1, 100*g.Explained[c]))
			}
			fmt.Printf("%sembedding component %d: σ %.4g (embedding units, W2 px), explains %.4f of the variance\n", prefix, c+1, g.Sigma[c], g.Explained[c])
			if p != nil {
				var row [][]float32
				for _, w := range p.Walk(c, steps) {
					row = append(row, latent.ClipToMass(w))
				}
				fig.Images = append(fig.Images, row)
				fig.Rows = append(fig.Rows, fmt.Sprintf("%sPCA %d (%.1f%%)", prefix, c+1, 100*p.Explained[c]))
				fmt.Printf("%spixel PCA component %d: σ %.4g (unit-mass pixel values), explains %.4f of the variance\n", prefix, c+1, p.Sigma[c], p.Explained[c])
			}
		}
	}
	return fig.Write(*out)
}

// subsetFeatures copies the given rows of f.
func subsetFeatures(f dataset.Features, rows []int) dataset.Features {
	data := make([]float32, 0, len(rows)*f.F)
	for _, i := range rows {
		data = append(data, f.Row(i)...)
	}
	return dataset.NewFeatures(data, len(rows), f.F)
}
