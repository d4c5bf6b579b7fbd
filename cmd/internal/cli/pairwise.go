package cli

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Pairwise is the pairwise command: a model's distance matrix of one or
// two collections, tiled, streamed to a .npy.
func (e Env) Pairwise(ctx context.Context, args []string) error {
	fs := NewFlags(e.Prog, "pairwise", "--model M.onnx --images A [--against B] -o D.npy [--device cpu|cuda:0]")
	model := fs.String("model", "", "exported model (NAME.onnx; NAME.pairwise.onnx beside it)")
	images := fs.String("images", "", "images A (rows)")
	against := fs.String("against", "", "images B (columns; default: A, computing one triangle)")
	out := fs.String("o", "", "output .npy, float32 [N, M], the model's distances: W2 (pixels) or, for a W2² model (kenn.target w2sq) or with --squared, W2² (pixels²); NAME.npy.json says which")
	squared := fs.Bool("squared", false, "write W2² (pixels²) whatever the model's target (a W2 model's distances are squared)")
	open := RuntimeFlags(fs)
	tile := fs.Int("tile", tiling.DefaultTile, "tile side")
	timing := fs.Bool("timing", false, "print embedding, pairwise and total times to stderr")
	checkN := CheckFlag(fs)
	runner := e.Dist.Flags(fs)
	threads := fs.Lookup("threads")
	if err := Parse(fs, args); err != nil {
		return err
	}
	if err := Check(fs).Required("model", "images", "o").Ints("check", 0, math.MaxInt).Ints("tile", 1, math.MaxInt).Ints("threads", 0, math.MaxInt).Ints("attempts", 1, math.MaxInt).Err(); err != nil {
		return err
	}
	unlock, err := Guard(Paths{Arg("-o", *out), Arg("-o (sidecar)", sidecar.Path(*out))}, Plus(ModelInput("--model", *model), Paths{Arg("--images", *images), Arg("--against", *against)})...)
	if err != nil {
		return err
	}
	defer unlock()
	if r, err := runner(); err != nil {
		return err
	} else if r != nil {
		if err := NotWithRunner(fs, r, "check", "device", "pairwise", "timing"); err != nil {
			return err
		}
		if err := ScreenPaths(os.Stderr, *model, *images, *against); err != nil {
			return err
		}
		start := time.Now()
		th, _ := strconv.Atoi(threads.Value.String())
		sum, err := r.Matrix(ctx, MatrixJob{Model: *model, Images: *images, Against: *against, Out: *out, Tile: *tile, Threads: th})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d tiles (%d resumed, %d computed) in %d pipeline(s) on %s, %.1fs\n", *out, sum.Shards, sum.Resumed, sum.Computed, sum.Pipelines, r.Name(), time.Since(start).Seconds())
		if sum.Rows < 1 || sum.Cols < 1 {
			return fmt.Errorf("pairwise: the %s runner reported a %d×%d matrix for %s", r.Name(), sum.Rows, sum.Cols, *out)
		}
		if err := sidecar.Drop(*out); err != nil {
			return err
		}
		if err := SquareIf(*out, *model, *squared); err != nil {
			return err
		}
		return WriteModelSidecar(*out, *model, sidecarValues(*squared), sum.Rows, sum.Cols, *images, *against)
	}
	rt, m, err := open(*model)
	if err != nil {
		return err
	}
	defer rt.Close()
	start := time.Now()
	a, err := EmbedImages(ctx, m, *images)
	if err != nil {
		return err
	}
	b := a
	if *against != "" {
		if b, err = embedImages(ctx, m, *against, *against != *images); err != nil {
			return err
		}
	}
	na, nb := a.N, b.N
	tEmbed := time.Since(start).Seconds()
	if err := RunCheck(ctx, *model, m, *images, a, *against, b, *checkN); err != nil {
		return err
	}
	var bar *progress.Bar
	var st runtime.PairwiseStats
	opt := runtime.PairwiseOptions{Tile: *tile, Stats: &st, Progress: func(done, total int) {
		if bar == nil {
			bar = progress.New("pairwise", total, "tiles")
		}
		bar.Set(done)
	}}
	if *against == "" {
		err = m.AllPairsNPY(ctx, a, *out, opt)
	} else {
		err = m.PairwiseNPY(ctx, a, b, *out, opt)
	}
	if bar != nil && err == nil {
		bar.Finish()
	}
	if err == nil && *timing {
		total := time.Since(start).Seconds()
		nimg := na
		if *against != "" {
			nimg += nb
		}
		fmt.Fprintf(os.Stderr, "timing: embed %d images %.4f s (%.0f images/s); pairwise %d×%d %.4f s (%.4g pairs/s incl. writing); distances (%s) %.4f s for %d distances (%.4g distances/s); total %.4f s\n",
			nimg, tEmbed, float64(nimg)/tEmbed, na, nb, total-tEmbed, float64(na)*float64(nb)/(total-tEmbed), m.PairwiseKernel(), st.ComputeSecs, st.Computed, float64(st.Computed)/st.ComputeSecs, total)
	}
	if err != nil {
		return err
	}
	if err := sidecar.Drop(*out); err != nil {
		return err
	}
	if err := SquareIf(*out, *model, *squared); err != nil {
		return err
	}
	return WriteModelSidecar(*out, *model, sidecarValues(*squared), na, nb, *images, *against)
}

// sidecarValues is what pairwise's matrix holds for WriteModelSidecar:
// W2² with --squared, else "" (the model's target).
func sidecarValues(squared bool) string {
	if squared {
		return sidecar.W2Sq
	}
	return ""
}
