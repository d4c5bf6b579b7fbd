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
	"time"

	"github.com/kenn-ot/kenn/beamjob"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
)

// runtimeFlags registers --device and --threads; the returned function
// opens onnxruntime and the model with them.
func runtimeFlags(fs *flag.FlagSet) func(path string) (*runtime.Runtime, *runtime.Model, error) {
	device, threads := deviceFlags(fs, "")
	return func(path string) (*runtime.Runtime, *runtime.Model, error) { return openModel(path, *device, *threads) }
}

// squareIf squares the W2 matrix .npy a W2 model wrote when --squared asks
// for W2²; a W2² model's matrix is left as it is.
func squareIf(npy, model string, squared bool) error {
	if !squared {
		return nil
	}
	target, _, err := modelTarget(model)
	if err != nil || target == models.TargetW2Sq {
		return err
	}
	return squareNPY(npy)
}

// deviceFlags registers --device and --threads, the onnxruntime options
// every command running a model shares; scope says when they apply.
func deviceFlags(fs *flag.FlagSet, scope string) (device *string, threads *int) {
	device = fs.String("device", "cpu", "onnxruntime device: cpu | cuda:N"+scope)
	threads = fs.Int("threads", 0, "onnxruntime CPU threads, 0: its default"+scope)
	return device, threads
}

// openModel opens onnxruntime and the model: any file of an exported set
// (runtime.Load), or a checkpoint, exported first to a temporary folder
// that is removed once loaded (the sessions hold the verified bytes).
func openModel(path, device string, threads int) (*runtime.Runtime, *runtime.Model, error) {
	if strings.HasSuffix(path, ".ckpt") {
		c, err := models.LoadCheckpoint(path)
		if err != nil {
			return nil, nil, err
		}
		dir, err := os.MkdirTemp("", "kenn-export-")
		if err != nil {
			return nil, nil, err
		}
		defer os.RemoveAll(dir)
		onnx := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".ckpt")+".onnx")
		if _, err := export.WriteFiles(c, onnx); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		path = onnx
	} else if !strings.HasSuffix(path, ".onnx") {
		return nil, nil, fmt.Errorf("--model %s: want an exported model (NAME.onnx, or any file of its set) or a checkpoint (.ckpt)", path)
	}
	rt, err := runtime.Open(runtime.Options{Device: device, Threads: threads})
	if err != nil {
		return nil, nil, err
	}
	m, err := rt.Load(path)
	if err != nil {
		rt.Close()
		return nil, nil, err
	}
	return rt, m, nil
}

func embedImages(ctx context.Context, m *runtime.Model, path string) ([]float32, int, error) {
	imgs, err := dataset.Load(path)
	if err != nil {
		return nil, 0, err
	}
	f, err := m.Embed(ctx, imgs, 256)
	return f, imgs.N, err
}

func runEmbed(ctx context.Context, args []string) error {
	fs := newFlags("embed", "--model M.onnx --images FILE -o E.npy")
	model := fs.String("model", "", "exported model (NAME.onnx)")
	images := fs.String("images", "", "images")
	out := fs.String("o", "", "output .npy, float32 [N, F]")
	open := runtimeFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(fs).required("model", "images", "o").ints("threads", 0, math.MaxInt).err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out), arg("-o (sidecar)", sidecar.Path(*out))}, plus(onnxSet("--model", *model), paths{arg("--images", *images)})...)
	if err != nil {
		return err
	}
	defer unlock()
	rt, m, err := open(*model)
	if err != nil {
		return err
	}
	defer rt.Close()
	f, n, err := embedImages(ctx, m, *images)
	if err != nil {
		return err
	}
	if err := runtime.WriteNPY(*out, n, m.F, f); err != nil {
		return err
	}
	return writeModelSidecar(*out, *model, sidecar.Features, n, m.F, *images)
}

func runPairwise(ctx context.Context, args []string) error {
	fs := newFlags("pairwise", "--model M.onnx --images A [--against B] -o D.npy [--device cpu|cuda:0]")
	model := fs.String("model", "", "exported model (NAME.onnx; NAME.pairwise.onnx beside it)")
	images := fs.String("images", "", "images A (rows)")
	against := fs.String("against", "", "images B (columns; default: A, computing one triangle)")
	out := fs.String("o", "", "output .npy, float32 [N, M], the model's distances: W2 (pixels) or, for a W2² model (kenn.target w2sq) or with --squared, W2² (pixels²); NAME.npy.json says which")
	squared := fs.Bool("squared", false, "write W2² (pixels²) whatever the model's target (a W2 model's distances are squared)")
	open := runtimeFlags(fs)
	tile := fs.Int("tile", 1024, "tile side")
	timing := fs.Bool("timing", false, "print embedding, pairwise and total times to stderr")
	checkN := checkFlag(fs)
	runner := beamFlags(fs)
	threads := fs.Lookup("threads")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(fs).required("model", "images", "o").ints("check", 0, math.MaxInt).ints("tile", 1, math.MaxInt).ints("threads", 0, math.MaxInt).ints("attempts", 1, math.MaxInt).err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out), arg("-o (sidecar)", sidecar.Path(*out))}, plus(onnxSet("--model", *model), paths{arg("--images", *images), arg("--against", *against)})...)
	if err != nil {
		return err
	}
	defer unlock()
	if r, err := runner(); err != nil {
		return err
	} else if r != nil {
		start := time.Now()
		th, _ := strconv.Atoi(threads.Value.String())
		sum, err := beamjob.RunMatrix(ctx, beamjob.MatrixJob{Model: *model, Images: *images, Against: *against, Out: *out, Tile: *tile, Threads: th, Runner: *r})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d tiles (%d resumed, %d computed) in %d pipeline(s) on %s, %.1fs\n", *out, sum.Shards, sum.Resumed, sum.Computed, sum.Pipelines, r.Name, time.Since(start).Seconds())
		return squareIf(*out, *model, *squared)
	}
	rt, m, err := open(*model)
	if err != nil {
		return err
	}
	defer rt.Close()
	start := time.Now()
	a, na, err := embedImages(ctx, m, *images)
	if err != nil {
		return err
	}
	var b []float32
	nb := na
	if *against != "" {
		if b, nb, err = embedImages(ctx, m, *against); err != nil {
			return err
		}
	}
	tEmbed := time.Since(start).Seconds()
	if err := runCheck(ctx, m, *images, a, *against, b, *checkN); err != nil {
		return err
	}
	var bar *progress.Bar
	var st runtime.PairwiseStats
	err = m.PairwiseNPY(ctx, a, na, b, nb, *out, runtime.PairwiseOptions{Tile: *tile, Stats: &st, Progress: func(done, total int) {
		if bar == nil {
			bar = progress.New("pairwise", total, "tiles")
		}
		bar.Set(done)
	}})
	if bar != nil && err == nil {
		bar.Finish()
	}
	if err == nil && *timing {
		total := time.Since(start).Seconds()
		nimg := na
		if b != nil {
			nimg += nb
		}
		fmt.Fprintf(os.Stderr, "timing: embed %d images %.4f s (%.0f images/s); pairwise %d×%d %.4f s (%.4g pairs/s incl. writing); onnxruntime %.4f s for %d distances (%.4g distances/s); total %.4f s\n",
			nimg, tEmbed, float64(nimg)/tEmbed, na, nb, total-tEmbed, float64(na)*float64(nb)/(total-tEmbed), st.ComputeSecs, st.Computed, float64(st.Computed)/st.ComputeSecs, total)
	}
	if err != nil {
		return err
	}
	if err := squareIf(*out, *model, *squared); err != nil {
		return err
	}
	values := ""
	if *squared {
		values = sidecar.W2Sq
	}
	return writeModelSidecar(*out, *model, values, na, nb, *images, *against)
}

func runKNN(ctx context.Context, args []string) error {
	fs := newFlags("knn", "--model M.onnx --images A --queries B [-k 10] [-o knn.csv]")
	model := fs.String("model", "", "exported model (NAME.onnx or any file of its set) or a checkpoint")
	index := fs.String("images", "", "images to search (the index)")
	query := fs.String("queries", "", "query images")
	alias(fs, "index", "images")
	alias(fs, "query", "queries")
	k := fs.Int("k", 10, "neighbours per query")
	out := fs.String("o", "", "output CSV query,rank,index,w2 (the model's W2, pixels; w2sq, pixels², for a W2² model or with --squared) or, with --rerank, query,rank,index,exact_w2 (default stdout)")
	rerank := fs.Int("rerank", 0, "re-rank the model's C nearest candidates of every query by exact W2 and keep the k nearest (0: the model's ranking)")
	squared := fs.Bool("squared", false, "distances in W2² (pixels², column w2sq or exact_w2sq) whatever the model's target")
	checkN := checkFlag(fs)
	open := runtimeFlags(fs)
	runner := beamFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(fs).required("model", "images", "queries").ints("check", 0, math.MaxInt).ints("rerank", 0, math.MaxInt).ints("k", 1, math.MaxInt).ints("threads", 0, math.MaxInt).ints("attempts", 1, math.MaxInt).err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)}, plus(onnxSet("--model", *model), paths{arg("--images", *index), arg("--queries", *query)})...)
	if err != nil {
		return err
	}
	defer unlock()
	if r, err := runner(); err != nil {
		return err
	} else if r != nil {
		if *out == "" {
			return errors.New("--runner needs -o (the shards are merged into a file)")
		}
		th, _ := strconv.Atoi(fs.Lookup("threads").Value.String())
		target, _, err := modelTarget(*model)
		if err != nil {
			return err
		}
		if *squared && target != models.TargetW2Sq {
			return usagef("--squared with --runner: not supported for a W2 model yet (square the w2 column, or run knn locally)")
		}
		sum, err := beamjob.RunKNN(ctx, beamjob.KNNJob{Model: *model, Index: *index, Query: *query, K: *k, Out: *out, Threads: th, Runner: *r, Column: distanceColumn(target, false)})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d query blocks in %d pipeline(s) on %s\n", *out, sum.Shards, sum.Pipelines, r.Name)
		return nil
	}
	rt, m, err := open(*model)
	if err != nil {
		return err
	}
	defer rt.Close()
	a, na, err := embedImages(ctx, m, *index)
	if err != nil {
		return err
	}
	q, nq, err := embedImages(ctx, m, *query)
	if err != nil {
		return err
	}
	if err := runCheck(ctx, m, *query, q, *index, a, *checkN); err != nil {
		return err
	}
	if *rerank > 0 && *rerank < *k {
		return usagef("--rerank %d: want at least -k (%d) candidates", *rerank, *k)
	}
	nbs, err := m.KNN(ctx, a, na, q, nq, max(*k, min(*rerank, na)), 1024)
	if err != nil {
		return err
	}
	column := distanceColumn(m.Target, *squared)
	if *squared && m.Target != models.TargetW2Sq {
		for _, list := range nbs {
			for r := range list {
				list[r].Distance *= list[r].Distance
			}
		}
	}
	if *rerank > 0 {
		t := time.Now()
		if nbs, err = rerankNeighbors(ctx, *index, *query, nbs, *k); err != nil {
			return err
		}
		column = "exact_w2"
		if *squared {
			column = "exact_w2sq"
			for _, list := range nbs {
				for r := range list {
					list[r].Distance *= list[r].Distance
				}
			}
		}
		fmt.Fprintf(os.Stderr, "knn: re-ranked %d candidates of %d queries by exact W2 (%d exact solves) in %.2f s\n", min(*rerank, na), nq, min(*rerank, na)*nq, time.Since(t).Seconds())
	}
	write := func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		fmt.Fprintln(bw, "query,rank,index,"+column)
		for qi, list := range nbs {
			for r, nb := range list {
				fmt.Fprintf(bw, "%d,%d,%d,%.9g\n", qi, r+1, nb.Index, nb.Distance)
			}
		}
		return bw.Flush()
	}
	if *out == "" {
		return write(os.Stdout)
	}
	return atomicfile.WriteFile(*out, write)
}
