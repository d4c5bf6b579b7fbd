package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/latent"
	"github.com/kenn-ot/kenn/manifold"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/plots"
	"github.com/kenn-ot/kenn/runtime"
)

// loadModel opens an exported model (NAME.onnx) or a checkpoint, which is
// exported to a temporary folder first; close releases both.
func loadModel(path, device string, threads int) (m *runtime.Model, close func(), err error) {
	dir := ""
	if !strings.HasSuffix(path, ".onnx") {
		c, err := models.LoadCheckpoint(path)
		if err != nil {
			return nil, nil, err
		}
		if dir, err = os.MkdirTemp("", "kenn-export-"); err != nil {
			return nil, nil, err
		}
		path = filepath.Join(dir, string(c.Model.Kind)+".onnx")
		if _, err := export.WriteFiles(c, path); err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
	}
	rt, m, err := openModel(path, device, threads)
	if err != nil {
		if dir != "" {
			os.RemoveAll(dir)
		}
		return nil, nil, err
	}
	return m, func() {
		rt.Close()
		if dir != "" {
			os.RemoveAll(dir)
		}
	}, nil
}

// labelsFor returns --labels if given, else the labels beside the images
// (nil if none); their count must match n.
func labelsFor(path string, imgs *dataset.Images, n int) ([]int, error) {
	var labels []int
	if path != "" {
		l, err := dataset.ReadLabels(path)
		if err != nil {
			return nil, err
		}
		labels = l
	} else if imgs != nil {
		labels = imgs.Labels
	}
	if labels != nil && len(labels) != n {
		return nil, fmt.Errorf("%d labels (%s) for %d images", len(labels), path, n)
	}
	return labels, nil
}

func floatList(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// exactW2 is the exact W2 matrix (not squared) of a collection.
func exactW2(ctx context.Context, imgs *dataset.Images) ([]float64, error) {
	var bar *progress.Bar
	v, err := pairs.Matrix(ctx, imgs, pairs.Options{Method: ot.NewSolver(), Progress: func(done, total int) {
		if bar == nil {
			bar = progress.New("exact W2", total, "pairs")
		}
		bar.Set(done)
	}})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return nil, err
	}
	for i := range v {
		v[i] = math.Sqrt(v[i])
	}
	return v, nil
}

// pairsW2 is the W2 matrix of a kenn pairs file of all pairs of imgs.
func pairsW2(path string, imgs *dataset.Images) (*manifold.Distances, error) {
	pf, err := pairs.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := pf.Header.CheckImages(imgs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v, err := pairs.MatrixOf(pf, imgs.N)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range v {
		v[i] = math.Sqrt(v[i])
	}
	return manifold.NewDistances(path, imgs.N, imgs.N, v)
}

// modelW2 is a model's W2 matrix of a collection (square roots for dwe).
func modelW2(ctx context.Context, m *runtime.Model, imgs *dataset.Images) ([]float64, error) {
	f, err := m.Embed(ctx, imgs, runtime.DefaultBatch)
	if err != nil {
		return nil, err
	}
	d, err := m.Pairwise(ctx, f, imgs.N, nil, 0, 0)
	if err != nil {
		return nil, err
	}
	v := make([]float64, len(d))
	for i, x := range d {
		v[i] = float64(x)
		if m.Target == models.TargetW2Sq {
			v[i] = math.Sqrt(math.Max(v[i], 0))
		}
	}
	return v, nil
}

func runWassmap(ctx context.Context, args []string) error {
	fs := newFlags("wassmap", "(--distances D.npy [--squared] | --model M.onnx|M.ckpt --images FILE | --exact --images FILE | --pairs ALL.txt --images FILE) [--labels L] [--dims 2] -o coords.csv [--plot map.png] [--compare-exact | --compare-pairs ALL.txt]")
	dists := fs.String("distances", "", "a W2 matrix .npy (n×n, e.g. from kenn pairwise)")
	squared := fs.Bool("squared", false, "the --distances matrix holds W2² (a dwe model's output): take square roots")
	model := fs.String("model", "", "a model (NAME.onnx or a checkpoint): its W2 matrix of --images")
	exact := fs.Bool("exact", false, "the exact W2 matrix of --images (n(n−1)/2 exact solves)")
	pairsPath := fs.String("pairs", "", "the exact W2 matrix from a kenn pairs file of all pairs of --images")
	comparePairs := fs.String("compare-pairs", "", "like --compare-exact, the exact matrix read from a kenn pairs file of all pairs of --images")
	images := fs.String("images", "", "images")
	labelsPath := fs.String("labels", "", "labels (IDX or one integer per line; default: those beside the images)")
	dims := fs.Int("dims", 2, "dimensions of the embedding")
	out := fs.String("o", "", "output CSV: index,x1,x2[,…][,label]")
	plotPath := fs.String("plot", "", "also draw the first two dimensions, coloured by label, as a PNG")
	compare := fs.Bool("compare-exact", false, "also run Wassmap on the exact W2 matrix of --images and report the Procrustes disparity")
	device, threads := deviceFlags(fs, " (--model)")
	if err := parse(fs, args); err != nil {
		return err
	}
	fc := check(fs).required("o").ints("dims", 1, math.MaxInt)
	if btoi(*dists != "")+btoi(*model != "")+btoi(*exact)+btoi(*pairsPath != "") != 1 {
		fc.failf("give exactly one of --distances, --model, --exact or --pairs")
	}
	if *compare && *comparePairs != "" {
		fc.failf("give at most one of --compare-exact and --compare-pairs")
	}
	if *squared && *dists == "" {
		fc.failf("--squared applies to --distances only")
	}
	if *images == "" && (*model != "" || *exact || *compare || *pairsPath != "" || *comparePairs != "") {
		fc.failf("--images is required with --model, --exact, --pairs and --compare-*")
	}
	if *plotPath != "" && *dims < 2 {
		fc.failf("--plot needs --dims ≥ 2")
	}
	if err := fc.err(); err != nil {
		return err
	}
	unlock, gerr := guard(paths{arg("-o", *out), arg("--plot", *plotPath)}, plus(paths{arg("--distances", *dists)}, onnxSet("--model", *model),
		paths{arg("--pairs", *pairsPath), arg("--compare-pairs", *comparePairs), arg("--images", *images), arg("--labels", *labelsPath)})...)
	if gerr != nil {
		return gerr
	}
	defer unlock()
	var imgs *dataset.Images
	if *images != "" {
		var err error
		if imgs, err = dataset.Load(*images); err != nil {
			return err
		}
	} else if *model != "" || *exact || *compare || *pairsPath != "" || *comparePairs != "" {
		return errors.New("--images is required with --model, --exact, --pairs and --compare-*")
	}
	var d *manifold.Distances
	var err error
	switch {
	case *dists != "":
		d, err = manifold.ReadDistances(*dists, *squared)
		if err == nil && imgs != nil && imgs.N != d.N {
			err = fmt.Errorf("%s is %d×%d but %s has %d images", *dists, d.N, d.N, *images, imgs.N)
		}
	case *model != "":
		var m *runtime.Model
		var done func()
		if m, done, err = loadModel(*model, *device, *threads); err != nil {
			return err
		}
		var v []float64
		v, err = modelW2(ctx, m, imgs)
		done()
		if err == nil {
			d, err = manifold.NewDistances(*model, imgs.N, imgs.N, v)
		}
	case *pairsPath != "":
		d, err = pairsW2(*pairsPath, imgs)
	default:
		var v []float64
		if v, err = exactW2(ctx, imgs); err == nil {
			d, err = manifold.NewDistances("exact W2 of "+*images, imgs.N, imgs.N, v)
		}
	}
	if err != nil {
		return err
	}
	labels, err := labelsFor(*labelsPath, imgs, d.N)
	if err != nil {
		return err
	}
	e, err := manifold.MDS(ctx, d, *dims)
	if err != nil {
		return err
	}
	if err := writeCoords(*out, e, labels); err != nil {
		return err
	}
	share := 0.0
	for _, v := range e.Eigen {
		share += math.Max(v, 0) / e.Trace
	}
	fmt.Printf("points              %d\n", e.N)
	fmt.Printf("eigenvalues         %s\n", fmtFloats(e.Eigen))
	fmt.Printf("explained           %.4f\n", share)
	if *compare || *comparePairs != "" {
		var de *manifold.Distances
		if *comparePairs != "" {
			de, err = pairsW2(*comparePairs, imgs)
		} else {
			var v []float64
			if v, err = exactW2(ctx, imgs); err == nil {
				de, err = manifold.NewDistances("exact W2 of "+*images, imgs.N, imgs.N, v)
			}
		}
		if err != nil {
			return err
		}
		ee, err := manifold.MDS(ctx, de, *dims)
		if err != nil {
			return err
		}
		disp, err := manifold.Procrustes(ee, e)
		if err != nil {
			return err
		}
		fmt.Printf("procrustes_vs_exact %.6f\n", disp)
	}
	if *plotPath != "" {
		if e.K < 2 {
			return errors.New("--plot needs --dims ≥ 2")
		}
		xy := make([]float64, 2*e.N)
		for i := 0; i < e.N; i++ {
			xy[2*i], xy[2*i+1] = e.Coords[i*e.K], e.Coords[i*e.K+1]
		}
		title := "Wassmap of " + filepath.Base(*dists)
		switch {
		case *exact || *pairsPath != "":
			title = "Wassmap of the exact W2 of " + filepath.Base(*images)
		case *model != "":
			title = "Wassmap of " + filepath.Base(*model) + "'s W2 of " + filepath.Base(*images)
		}
		if err := plots.Scatter2D(*plotPath, title, xy, labels, plots.ClassesOf(*images)); err != nil {
			return err
		}
	}
	return nil
}

func fmtFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', 6, 64)
	}
	return strings.Join(s, " ")
}

func writeCoords(path string, e *manifold.Embedding, labels []int) error {
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString("index")
		for c := 1; c <= e.K; c++ {
			fmt.Fprintf(bw, ",x%d", c)
		}
		if labels != nil {
			bw.WriteString(",label")
		}
		bw.WriteString("\n")
		for i := 0; i < e.N; i++ {
			bw.WriteString(strconv.Itoa(i))
			for c := 0; c < e.K; c++ {
				bw.WriteString(",")
				bw.WriteString(strconv.FormatFloat(e.Coords[i*e.K+c], 'g', 10, 64))
			}
			if labels != nil {
				fmt.Fprintf(bw, ",%d", labels[i])
			}
			bw.WriteString("\n")
		}
		return bw.Flush()
	})
}

// decoderFlags registers the flags shared by the decoder commands.
func decoderFlags(fs *flag.FlagSet) (model, images, out *string, zoom *int) {
	model = fs.String("model", "", "a dwe model with a decoder (NAME.onnx with NAME.decoder.onnx, or a checkpoint)")
	images = fs.String("images", "", "images")
	out = fs.String("o", "", "output PNG grid")
	zoom = fs.Int("zoom", 3, "magnification of each image in the grid")
	return
}

// checkDecoder adds the rules of decoderFlags' flags.
func checkDecoder(fs *flag.FlagSet) *checker {
	return check(fs).required("model", "images", "o").ints("zoom", 1, 64)
}

func openDecoder(model, images string) (*runtime.Model, func(), *dataset.Images, dataset.Features, error) {
	m, done, err := loadModel(model, "cpu", 0)
	if err != nil {
		return nil, nil, nil, dataset.Features{}, err
	}
	if !m.HasDecoder() {
		done()
		return nil, nil, nil, dataset.Features{}, fmt.Errorf("%s has no decoder: barycenters, interpolations and geodesics decode through DWE's ψ (a dwe model)", model)
	}
	imgs, err := dataset.Load(images)
	if err != nil {
		done()
		return nil, nil, nil, dataset.Features{}, err
	}
	raw, err := m.Embed(context.Background(), imgs, runtime.DefaultBatch)
	f := dataset.Features{Data: raw, N: imgs.N, F: m.F}
	if err != nil {
		done()
		return nil, nil, nil, dataset.Features{}, err
	}
	return m, done, imgs, f, nil
}

func decodeRows(m *runtime.Model, rows [][]float32) ([][]float32, error) {
	d, err := m.Decode(latent.Flatten(rows), len(rows))
	if err != nil {
		return nil, err
	}
	hw := m.H * m.W
	out := make([][]float32, len(rows))
	for i := range out {
		out[i] = d[i*hw : (i+1)*hw]
	}
	return out, nil
}

func runBarycenter(ctx context.Context, args []string) error {
	fs := newFlags("barycenter", "--model M.onnx --images FILE [--labels L] -o grid.png [--compare K]")
	model, images, out, zoom := decoderFlags(fs)
	labelsPath := fs.String("labels", "", "labels (default: those beside the images)")
	compare := fs.Int("compare", 0, "also compute, for the first K images of each class, the ot engine's debiased entropic barycenter and the decoded one, and report W2² between them")
	eps := fs.Float64("epsilon", 1, "--compare: entropic regularization of the ot barycenter, pixel²")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkDecoder(fs).ints("compare", 0, math.MaxInt).positive("epsilon").err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)}, plus(onnxSet("--model", *model), paths{arg("--images", *images), arg("--labels", *labelsPath)})...)
	if err != nil {
		return err
	}
	defer unlock()
	m, done, imgs, f, err := openDecoder(*model, *images)
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
		fmt.Println("class,images,w2sq_decoded_vs_ot,w2sq_euclidean_mean_vs_ot")
		for _, cl := range classes {
			var rows []int
			for i, l := range labels {
				if l == cl && len(rows) < *compare {
					rows = append(rows, i)
				}
			}
			b, err := latent.Barycenter(f, rows, nil)
			if err != nil {
				return err
			}
			db, err := decodeRows(m, [][]float32{b})
			if err != nil {
				return err
			}
			var set []ot.Image
			mean := make([]float64, imgs.Size())
			for _, i := range rows {
				img := imgs.Image(i, nil)
				set = append(set, img)
				mass := img.Mass()
				for p, v := range img.Pix {
					mean[p] += v / mass / float64(len(rows))
				}
			}
			ob, err := ot.Barycenter(set, nil, ot.BarycenterOptions{Epsilon: *eps})
			if err != nil {
				return fmt.Errorf("class %d: %w", cl, err)
			}
			dimg := ot.Image{H: m.H, W: m.W, Pix: make([]float64, imgs.Size())}
			for p, v := range db[0] {
				dimg.Pix[p] = float64(v)
			}
			w1, err := ot.W2Sq(dimg, ob)
			if err != nil {
				return err
			}
			w2, err := ot.W2Sq(ot.Image{H: m.H, W: m.W, Pix: mean}, ob)
			if err != nil {
				return err
			}
			fmt.Printf("%d,%d,%.4f,%.4f\n", cl, len(rows), w1, w2)
			decK = append(decK, db[0])
			otK = append(otK, toFloat32(ob.Pix))
			meanK = append(meanK, toFloat32(mean))
		}
		grid = append(grid, decK, otK, meanK)
		g.Rows = append(g.Rows, fmt.Sprintf("ψ(mean φ), first %d", *compare), fmt.Sprintf("ot, ε = %g px²", *eps), fmt.Sprintf("mean, first %d", *compare))
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
	unlock, err := guard(paths{arg("-o", *out)}, plus(onnxSet("--model", *model), paths{arg("--images", *images), arg("--pairs", *pairsPath)})...)
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
	f, err := m.Embed(ctx, imgs, runtime.DefaultBatch)
	if err != nil {
		return err
	}
	pred := make([]float64, len(pf.Pairs))
	for k, p := range pf.Pairs {
		d := m.Distance(f[p.I*m.F:(p.I+1)*m.F], f[p.J*m.F:(p.J+1)*m.F])
		if m.Target != models.TargetW2Sq {
			d *= d
		}
		pred[k] = d
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
	f, err := m.Embed(ctx, imgs.Subset(used), runtime.DefaultBatch)
	if err != nil {
		return nil, 0, err
	}
	row := func(i int) []float64 {
		out := make([]float64, m.F)
		for k, v := range f[i*m.F : (i+1)*m.F] {
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
