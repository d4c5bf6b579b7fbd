package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/pairs"
)

// readEvalPairs reads a kenn pairs file or a CSV i,j,w2sq, in one pass
// (a pipe works).
func readEvalPairs(path string, imgs *dataset.Images) (*pairs.File, error) {
	pf, isPairsFile, err := pairs.ReadValues(path, imgs.N)
	if err != nil {
		return nil, err
	}
	if isPairsFile {
		if err := pf.Header.CheckImages(imgs); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return pf, nil
}

func runEval(ctx context.Context, args []string) error {
	fs := newFlags("eval", "--model M.onnx|M.ckpt --pairs PAIRS [--images FILE] [--json] [--device cpu|cuda:0]")
	model := fs.String("model", "", "a model: an exported set (NAME.onnx or any file of it, run by onnxruntime) or a checkpoint (.ckpt, run by Gorgonia)")
	images := fs.String("images", "", "images the pairs index (default: the path in the pairs file's header, resolved against its folder)")
	pairsPath := fs.String("pairs", "", "a kenn pairs file, or a CSV i,j,w2sq (then --images is needed)")
	asJSON := fs.Bool("json", false, "print the metrics as JSON")
	device, threads := deviceFlags(fs, " (an .onnx --model)")
	if err := parse(fs, args); err != nil {
		return err
	}
	fc := check(fs).required("model", "pairs").ints("threads", 0, math.MaxInt)
	if !strings.HasSuffix(*model, ".onnx") && cli.Visited(fs, "device", "threads") {
		fc.failf("--device and --threads apply to an .onnx --model, which onnxruntime runs; a checkpoint runs in Gorgonia on the CPU")
	}
	if err := fc.err(); err != nil {
		return err
	}
	if strings.HasSuffix(*model, ".onnx") {
		return evalONNX(ctx, *model, *images, *pairsPath, *asJSON, *device, *threads)
	}
	c, err := models.LoadCheckpoint(*model)
	if err != nil {
		return err
	}
	imgs, pf, err := evalData(*pairsPath, *images)
	if err != nil {
		return err
	}
	if err := pf.Header.CheckExact(*pairsPath, "kenn eval"); err != nil {
		return err
	}
	if err := c.CheckCompatible("", imgs.H, imgs.W); err != nil {
		return fmt.Errorf("%s: %w", *model, err)
	}
	res, err := build.EvaluateCheckpoint(c, build.Data{Images: imgs, Pairs: pf})
	if err != nil {
		return err
	}
	return printMetrics(os.Stdout, res.Map(), *asJSON)
}

// evalONNX scores an exported model run by onnxruntime (runtime.Model.Evaluate).
func evalONNX(ctx context.Context, modelPath, imagesPath, pairsPath string, asJSON bool, device string, threads int) error {
	rt, m, err := openModel(modelPath, device, threads)
	if err != nil {
		return err
	}
	defer rt.Close()
	imgs, pf, err := evalData(pairsPath, imagesPath)
	if err != nil {
		return err
	}
	if err := pf.Header.CheckExact(pairsPath, "kenn eval"); err != nil {
		return err
	}
	is, js := make([]int, len(pf.Pairs)), make([]int, len(pf.Pairs))
	for k, p := range pf.Pairs {
		is[k], js[k] = p.I, p.J
	}
	r, err := m.Evaluate(ctx, imgs, is, js, pf.W2Sq)
	if err != nil {
		return err
	}
	return printMetrics(os.Stdout, r.Map(), asJSON)
}
