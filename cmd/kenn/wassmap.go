package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/manifold"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/plots"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

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
	if err := pf.Header.CheckExact(path, "kenn wassmap --pairs and --compare-pairs"); err != nil {
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
	if err := m.CheckImages(imgs); err != nil {
		return nil, err
	}
	cli.ScreenImages(os.Stderr, m, imgs)
	f, err := m.Embed(ctx, imgs, tiling.EmbedOptions{})
	if err != nil {
		return nil, err
	}
	d, err := m.AllPairs(ctx, f, tiling.TileOptions{})
	if err != nil {
		return nil, err
	}
	v := make([]float64, len(d))
	for i, x := range d {
		v[i] = models.ToW2(m.Target, float64(x))
	}
	return v, nil
}

func runWassmap(ctx context.Context, args []string) error {
	fs := newFlags("wassmap", "(--distances D.npy [--squared] | --model M.onnx|M.ckpt --images FILE | --exact --images FILE | --pairs ALL.txt --images FILE) [--labels L] [--dims 2] -o coords.csv [--plot map.png] [--compare-exact | --compare-pairs ALL.txt]")
	dists := fs.String("distances", "", "a W2 matrix .npy (n×n, e.g. from kenn pairwise); a W2² one is read by its square roots where its sidecar NAME.npy.json says W2²")
	squared := fs.Bool("squared", false, "the --distances matrix holds W2² (a dwe model's output): take square roots (for a .npy without a sidecar; one with a sidecar is read as it says)")
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
	if *model == "" && cli.Visited(fs, "device", "threads") {
		fc.failf("--device and --threads apply to --model only (onnxruntime runs nothing else here)")
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
	unlock, gerr := guard(paths{arg("-o", *out), arg("--plot", *plotPath)}, plus(paths{arg("--distances", *dists)}, modelInput("--model", *model),
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
	var read string
	switch {
	case *dists != "":
		d, read, err = manifold.ReadDistances(*dists, *squared)
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
	if *dists != "" {
		fmt.Printf("distances           %s: %s\n", *dists, read)
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
