package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// KNN is the knn command: the k nearest neighbours of queries in an
// index, without the full matrix.
func (e Env) KNN(ctx context.Context, args []string) error {
	fs := NewFlags(e.Prog, "knn", "--model M.onnx --images A --queries B [-k 10] [-o knn.csv] [--plot grid.png [--zoom 3]]")
	model := fs.String("model", "", "exported model (NAME.onnx or any file of its set) or a checkpoint")
	index := fs.String("images", "", "images to search (the index)")
	query := fs.String("queries", "", "query images")
	Alias(fs, "index", "images")
	Alias(fs, "query", "queries")
	k := fs.Int("k", 10, "neighbours per query")
	out := fs.String("o", "", "output CSV query,rank,index,w2 (the model's W2, pixels; w2sq, pixels², for a W2² model or with --squared) or, with --rerank, query,rank,index,exact_w2 (default stdout)")
	rerank := fs.Int("rerank", 0, "re-rank the model's C nearest candidates of every query by exact W2 and keep the k nearest (0: the model's ranking)")
	squared := fs.Bool("squared", false, "distances in W2² (pixels², column w2sq or exact_w2sq) whatever the model's target")
	plot := fs.String("plot", "", "also draw the first --plot-rows queries as an image grid (.png, .svg or .pdf by the extension): a row per query, columns the query and neighbours 1…k, each neighbour captioned with its distance in the output's unit")
	plotRows := fs.Int("plot-rows", 10, "--plot: queries drawn")
	zoom := fs.Int("zoom", 3, "--plot: screen pixels per image pixel")
	checkN := CheckFlag(fs)
	open := RuntimeFlags(fs)
	runner := e.Dist.Flags(fs)
	if err := Parse(fs, args); err != nil {
		return err
	}
	if err := Check(fs).Required("model", "images", "queries").Ints("check", 0, math.MaxInt).Ints("rerank", 0, math.MaxInt).Ints("k", 1, math.MaxInt).Ints("plot-rows", 1, math.MaxInt).Ints("zoom", 1, 64).Ints("threads", 0, math.MaxInt).Ints("attempts", 1, math.MaxInt).Err(); err != nil {
		return err
	}
	unlock, err := Guard(Paths{Arg("-o", *out), Arg("--plot", *plot)}, Plus(ModelInput("--model", *model), Paths{Arg("--images", *index), Arg("--queries", *query)})...)
	if err != nil {
		return err
	}
	defer unlock()
	if r, err := runner(); err != nil {
		return err
	} else if r != nil {
		if err := NotWithRunner(fs, r, "rerank", "check", "device", "pairwise"); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("--runner needs -o (the shards are merged into a file)")
		}
		th, _ := strconv.Atoi(fs.Lookup("threads").Value.String())
		target, _, err := ModelTarget(*model)
		if err != nil {
			return err
		}
		if *squared && target != models.TargetW2Sq {
			return Usagef("--squared with --runner: not supported for a W2 model yet (square the w2 column, or run knn locally)")
		}
		if err := ScreenPaths(os.Stderr, *model, *index, *query); err != nil {
			return err
		}
		sum, err := r.KNN(ctx, KNNJob{Model: *model, Index: *index, Query: *query, K: *k, Out: *out, Threads: th, Column: DistanceColumn(target, false)})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d query blocks in %d pipeline(s) on %s\n", *out, sum.Shards, sum.Pipelines, r.Name())
		if *plot == "" {
			return nil
		}
		nbs, column, err := readKNNCSV(*out, *plotRows, *k)
		if err != nil {
			return err
		}
		return plotKNN(*plot, *index, *query, *model, column, nbs, *plotRows, *zoom)
	}
	rt, m, err := open(*model)
	if err != nil {
		return err
	}
	defer rt.Close()
	a, err := EmbedImages(ctx, m, *index)
	if err != nil {
		return err
	}
	q, err := embedImages(ctx, m, *query, *query != *index)
	if err != nil {
		return err
	}
	if err := RunCheck(ctx, *model, m, *query, q, *index, a, *checkN); err != nil {
		return err
	}
	if *rerank > 0 && *rerank < *k {
		return Usagef("--rerank %d: want at least -k (%d) candidates", *rerank, *k)
	}
	na, nq := a.N, q.N
	nbs, err := m.KNN(ctx, a, q, max(*k, min(*rerank, na)), tiling.TileOptions{})
	if err != nil {
		return err
	}
	column := DistanceColumn(m.Target, *squared)
	if *squared {
		toW2Sq(nbs, m.Target)
	}
	if *rerank > 0 {
		t := time.Now()
		if nbs, err = RerankNeighbors(ctx, *index, *query, nbs, *k); err != nil {
			return err
		}
		column = "exact_w2"
		if *squared {
			column = "exact_w2sq"
			toW2Sq(nbs, models.TargetW2) // the re-ranked distances are exact W2
		}
		fmt.Fprintf(os.Stderr, "knn: re-ranked %d candidates of %d queries by exact W2 (%d exact solves) in %.2f s\n", min(*rerank, na), nq, min(*rerank, na)*nq, time.Since(t).Seconds())
	}
	write := func(w io.Writer) error { return tiling.WriteKNN(w, column, nbs) }
	if *out == "" {
		err = write(os.Stdout)
	} else {
		err = atomicfile.WriteFile(*out, write)
	}
	if err != nil || *plot == "" {
		return err
	}
	return plotKNN(*plot, *index, *query, *model, column, nbs, *plotRows, *zoom)
}

// toW2Sq converts the neighbours' distances, on the scale target, to W2²
// (pixels²) in place (models.ToW2Sq).
func toW2Sq(nbs [][]runtime.Neighbor, target string) {
	for _, list := range nbs {
		for r := range list {
			list[r].Distance = float32(models.ToW2Sq(target, float64(list[r].Distance)))
		}
	}
}
