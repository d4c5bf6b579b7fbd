package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/plots"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

func runPlot(ctx context.Context, args []string) error {
	const synopsis = "Usage: kenn plot pred --model M.onnx|M.ckpt --pairs PAIRS [--images FILE] -o fig.png   (predicted vs exact W2²)\n       kenn plot weights --model M.ckpt -o fig.png   (learned weight profile)\n\nRun `kenn plot pred -h` or `kenn plot weights -h` for their flags.\n"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(os.Stderr, synopsis)
		return flag.ErrHelp
	}
	if len(args) == 0 || (args[0] != "pred" && args[0] != "weights") {
		return usagef("want a figure, pred or weights:\n%s", synopsis)
	}
	what, args := args[0], args[1:]
	if what == "weights" {
		fs := newFlags("plot weights", "--model M.ckpt -o fig.png [--pairs PAIRS [--images FILE] [--sample N]]")
		model := fs.String("model", "", "a deepkenn, naive or odekenn checkpoint")
		out := fs.String("o", "", "output PNG")
		pairsPath := fs.String("pairs", "", "pairs whose segment distances weigh the weights: each segment's contribution w_l · mean ‖f_l(x) − f_l(y)‖₂ is drawn under the weights (a kenn pairs file, or a CSV with --images)")
		images := fs.String("images", "", "images the pairs index (default: the path in the pairs file's header)")
		sample := fs.Int("sample", 2000, "pairs of --pairs the contributions average over (evenly spaced)")
		if err := parse(fs, args); err != nil {
			return err
		}
		if err := check(fs).required("model", "o").ints("sample", 1, math.MaxInt).err(); err != nil {
			return err
		}
		unlock, err := guard(paths{arg("-o", *out)}, arg("--model", *model), arg("--pairs", *pairsPath), arg("--images", *images))
		if err != nil {
			return err
		}
		defer unlock()
		c, err := models.LoadCheckpoint(*model)
		if err != nil {
			return err
		}
		names, w := c.WeightProfile()
		if w == nil {
			return fmt.Errorf("%s is a %s model: it has no learned distance weights", *model, c.Model.Kind)
		}
		title, xl, yl := "DeepKENN: learned weight of each feature layer in the distance", "feature layer l", "weight softplus(β_l) (no unit)"
		if c.Model.Weighting == models.WeightingSoftmax {
			yl = "weight w_l (no unit)"
		}
		if c.Model.Kind == models.KindODEKENN {
			title, xl, yl = "ODE-KENN: learned weight of each ODE time step in the distance", "time t_k", "weight softplus(α_k) (no unit)"
			if c.Model.Weighting == models.WeightingSoftmax {
				yl = "weight w_k (no unit)"
			}
		} else if c.Model.Kind == models.KindNaive {
			title = "single-layer baseline: learned weight of its one feature layer"
		}
		if *pairsPath == "" {
			for i := range names {
				fmt.Printf("%s %.6g\n", names[i], w[i])
			}
			return plots.Profile(*out, title, xl, yl, names, w)
		}
		contrib, n, err := segmentContributions(ctx, c, *pairsPath, *images, *sample)
		if err != nil {
			return err
		}
		fmt.Printf("segment weight contribution_W2_px (w × mean segment distance over %d pairs of %s)\n", n, *pairsPath)
		lo, hi := 0, 0
		for i := range names {
			fmt.Printf("%s %.6g %.6g\n", names[i], w[i], contrib[i])
			if contrib[i] < contrib[lo] {
				lo = i
			}
			if contrib[i] > contrib[hi] {
				hi = i
			}
		}
		fmt.Printf("largest contribution %s (%.4g px) / smallest %s (%.4g px) = %.3f\n", names[hi], contrib[hi], names[lo], contrib[lo], contrib[hi]/contrib[lo])
		return plots.Profiles(*out, title, xl, names, plots.Panel{YLabel: yl, Values: w},
			plots.Panel{YLabel: "contribution (W2, px)", Values: contrib})
	}
	fs := newFlags("plot pred", "--model M.onnx|M.ckpt --pairs PAIRS [--images FILE] -o fig.png [--device cpu|cuda:0]")
	model := fs.String("model", "", "a model (NAME.onnx or a checkpoint)")
	images := fs.String("images", "", "images the pairs index (default: the path in the pairs file's header, resolved against its folder)")
	pairsPath := fs.String("pairs", "", "a kenn pairs file, or a CSV i,j,w2sq (then --images is needed)")
	out := fs.String("o", "", "output PNG")
	title := fs.String("title", "", "title (default: the model's kind and file)")
	points := fs.Int("points", 4000, "pairs drawn as dots (all pairs enter the bands)")
	device, threads := deviceFlags(fs, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(fs).required("model", "pairs", "o").ints("points", 1, math.MaxInt).ints("threads", 0, math.MaxInt).err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)}, plus(modelInput("--model", *model), paths{arg("--images", *images), arg("--pairs", *pairsPath)})...)
	if err != nil {
		return err
	}
	defer unlock()
	m, done, err := loadModel(*model, *device, *threads)
	if err != nil {
		return err
	}
	defer done()
	imgs, pf, err := evalData(*pairsPath, *images)
	if err != nil {
		return err
	}
	if err := pf.Header.CheckExact(*pairsPath, "kenn plot pred"); err != nil {
		return err
	}
	f, err := m.Embed(ctx, imgs, tiling.EmbedOptions{})
	if err != nil {
		return err
	}
	is, js := make([]int, len(pf.Pairs)), make([]int, len(pf.Pairs))
	for k, p := range pf.Pairs {
		is[k], js[k] = p.I, p.J
	}
	pred, err := m.PairsW2Sq(f, is, js)
	if err != nil {
		return err
	}
	if *title == "" {
		*title = fmt.Sprintf("%s (%s) on %d pairs", m.Kind, filepath.Base(*model), len(pred))
	}
	return plots.PredVsExact(*out, *title, "W2² (px²)", pf.W2Sq, pred, *points)
}

// segmentContributions is each segment's contribution to c's distance,
// w_l times the mean segment distance (models.SegmentContributions), over
// up to sample pairs of pairsPath, evenly spaced, embedded by the exported
// model; it returns them (W2, pixels) and the number of pairs.
func segmentContributions(ctx context.Context, c *models.Checkpoint, pairsPath, imagesPath string, sample int) ([]float64, int, error) {
	imgs, pf, err := evalData(pairsPath, imagesPath)
	if err != nil {
		return nil, 0, err
	}
	n := min(sample, len(pf.Pairs))
	index := map[int]int{}
	var used []int
	var picked [][2]int
	for k := 0; k < n; k++ {
		p := pf.Pairs[k*len(pf.Pairs)/n]
		for _, i := range []int{p.I, p.J} {
			if _, ok := index[i]; !ok {
				index[i] = len(used)
				used = append(used, i)
			}
		}
		picked = append(picked, [2]int{index[p.I], index[p.J]})
	}
	dir, err := os.MkdirTemp("", "kenn-weights-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, string(c.Model.Kind)+".onnx")
	if _, err := export.WriteFiles(c, path); err != nil {
		return nil, 0, err
	}
	rt, m, err := openModel(path, "", 0)
	if err != nil {
		return nil, 0, err
	}
	defer rt.Close()
	f, err := m.Embed(ctx, imgs.Subset(used), tiling.EmbedOptions{})
	if err != nil {
		return nil, 0, err
	}
	row := func(i int) []float64 {
		out := make([]float64, m.F)
		for k, v := range f.Row(i) {
			out[k] = float64(v)
		}
		return out
	}
	var embs [][2][]float64
	for _, p := range picked {
		embs = append(embs, [2][]float64{row(p[0]), row(p[1])})
	}
	return models.SegmentContributions(c.Model, c.DistanceWeights(), embs), n, nil
}
