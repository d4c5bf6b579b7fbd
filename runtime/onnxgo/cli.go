package onnxgo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/outpath"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Commands are the kenn commands that the onnx-go backend runs.
var Commands = []string{"embed", "pairwise", "knn"}

// ErrUsage marks a wrong command line (wrapped).
var ErrUsage = errors.New("usage")

// Command runs kenn's command name (embed, pairwise or knn) with args on
// the onnx-go backend, as `kenn NAME --backend onnx-go ...` and the pure-Go
// binary kenn-purego do: the same flags and outputs as the onnxruntime
// commands (.npy with its sidecar, the kNN CSV with its distance column
// named by unit, w2 or w2sq), less the onnxruntime and Beam options
// (--device, --threads, --runner, --check, --rerank). prog is the command
// line before the flags, for the usage ("kenn-purego embed"). stdout
// receives the kNN CSV without -o; stderr the usage and the --timing
// line. -h prints the usage and returns an error wrapping flag.ErrHelp
// (success for the caller); a wrong command line, one wrapping ErrUsage.
// An -o that names an input (the images, the model or its set's files)
// is refused before any work, as are two runs writing the same output.
func Command(ctx context.Context, prog, name string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s --model NAME.onnx|M.ckpt [flags]\n\nkenn %s on the onnx-go backend (pure Go): %s.\n\nFlags:\n", prog, name, summary(name))
		fs.PrintDefaults()
	}
	model := fs.String("model", "", "exported model NAME.onnx (with its onnx-go profile NAME.onnxgo.onnx) or a checkpoint .ckpt")
	outUsage := "output .npy, with its sidecar NAME.npy.json"
	if name == "knn" {
		outUsage = "output CSV (default: stdout)"
	}
	out := fs.String("o", "", outUsage)
	var images, against, index, query *string
	var k, tile *int
	var timing *bool
	pairwise := new(string)
	switch name {
	case "embed":
		images = fs.String("images", "", "images to embed")
	case "pairwise":
		images = fs.String("images", "", "images A (rows)")
		against = fs.String("against", "", "images B (columns; default: A, one triangle computed and mirrored)")
		tile = fs.Int("tile", DefaultTile, "tile side")
		timing = fs.Bool("timing", false, "print embedding and pairwise times to stderr")
		pairwise = fs.String("pairwise", string(segdist.Auto), pairwiseUsage)
	case "knn":
		index = fs.String("images", "", "images to search (the index)")
		fs.Var(stringAlias{index}, "index", "old spelling of --images")
		query = fs.String("queries", "", "query images")
		fs.Var(stringAlias{query}, "query", "old spelling of --queries")
		k = fs.Int("k", 10, "neighbours per query")
		tile = fs.Int("tile", DefaultTile, "tile side")
		pairwise = fs.String("pairwise", string(segdist.Auto), pairwiseUsage)
	default:
		return fmt.Errorf("onnxgo: %w: the onnx-go backend runs %v, not %q", ErrUsage, Commands, name)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("onnxgo: %w: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("onnxgo: %w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	need := map[string]*string{"model": model}
	switch name {
	case "embed", "pairwise":
		need["images"], need["o"] = images, out
	case "knn":
		need["images"], need["queries"] = index, query
	}
	for _, f := range []string{"model", "images", "queries", "o"} {
		if p, ok := need[f]; ok && *p == "" {
			return fmt.Errorf("onnxgo: %w: kenn %s needs --%s", ErrUsage, name, f)
		}
	}
	if tile != nil && *tile < 1 {
		return fmt.Errorf("onnxgo: %w: --tile %d: want at least 1", ErrUsage, *tile)
	}
	if k != nil && *k < 1 {
		return fmt.Errorf("onnxgo: %w: -k %d: want at least 1", ErrUsage, *k)
	}
	choice, err := segdist.ParseChoice(*pairwise)
	if err != nil {
		return fmt.Errorf("onnxgo: %w: %w", ErrUsage, err)
	}
	var inputs []outpath.Path
	for _, in := range []struct {
		flag string
		p    *string
	}{{"--images", images}, {"--against", against}, {"--images", index}, {"--queries", query}} {
		if in.p != nil && *in.p != "" {
			inputs = append(inputs, outpath.P(in.flag, *in.p))
		}
	}
	outputs := []outpath.Path{outpath.P("-o", *out)}
	if name != "knn" {
		outputs = append(outputs, outpath.P("-o (sidecar)", sidecar.Path(*out)))
	}
	guard, err := outpath.Prepare(outputs, append(inputs, modelFiles(*model)...))
	if err != nil {
		return fmt.Errorf("onnxgo: %w", err)
	}
	defer guard.Release()
	m, err := OpenWith(*model, Options{Pairwise: choice})
	if err != nil {
		return err
	}
	switch name {
	case "embed":
		f, err := m.EmbedImages(ctx, *images, stderr)
		if err != nil {
			return err
		}
		if err := tiling.WriteFeatures(*out, f); err != nil {
			return err
		}
		if err := sidecar.Drop(*out); err != nil {
			return err
		}
		return writeSidecar(*out, *model, m, sidecar.Features, f.N, m.F, *images)
	case "pairwise":
		start := time.Now()
		a, err := m.EmbedImages(ctx, *images, stderr)
		if err != nil {
			return err
		}
		b := a
		if *against != "" {
			if b, err = m.EmbedImages(ctx, *against, unlessSame(stderr, *against, *images)); err != nil {
				return err
			}
		}
		tEmbed := time.Since(start).Seconds()
		var d []float32
		if *against == "" {
			d, err = m.AllPairs(ctx, a, tiling.TileOptions{Tile: *tile})
		} else {
			d, err = m.Pairwise(ctx, a, b, tiling.TileOptions{Tile: *tile})
		}
		if err != nil {
			return err
		}
		tPair := time.Since(start).Seconds() - tEmbed
		na, nb := a.N, b.N
		if err := tiling.WriteNPY(*out, na, nb, d); err != nil {
			return err
		}
		if err := sidecar.Drop(*out); err != nil {
			return err
		}
		if *timing {
			nimg, computed := na, float64(na)*float64(na+1)/2
			if *against != "" {
				nimg, computed = na+nb, float64(na)*float64(nb)
			}
			fmt.Fprintf(stderr, "timing (onnx-go): embed %d images %.4f s (%.0f images/s); pairwise %d×%d (%s) %.4f s for %.0f distances (%.4g distances/s)\n",
				nimg, tEmbed, float64(nimg)/tEmbed, na, nb, m.PairwiseKernel(), tPair, computed, computed/tPair)
		}
		return writeSidecar(*out, *model, m, "", na, nb, *images, *against)
	default: // knn
		a, err := m.EmbedImages(ctx, *index, stderr)
		if err != nil {
			return err
		}
		q, err := m.EmbedImages(ctx, *query, unlessSame(stderr, *query, *index))
		if err != nil {
			return err
		}
		nbs, err := m.KNN(ctx, a, q, *k, tiling.TileOptions{Tile: *tile})
		if err != nil {
			return err
		}
		// the column names the unit, as kenn knn's: w2 (pixels) or w2sq
		// (pixels², a W2² model's kenn.target)
		col := sidecar.W2
		if m.Target == models.TargetW2Sq {
			col = sidecar.W2Sq
		}
		if *out == "" {
			return tiling.WriteKNN(stdout, col, nbs)
		}
		return atomicfile.WriteFile(*out, func(w io.Writer) error { return tiling.WriteKNN(w, col, nbs) })
	}
}

// pairwiseUsage is --pairwise on this backend, where auto is always the
// native kernel (LoadWith).
const pairwiseUsage = "what computes the distances: auto or native (runtime/segdist's kernel: Go assembly where AVX2 or AVX-512 runs, portable Go elsewhere), or graph (the profile's NAME.onnxgo.pairwise.onnx in onnx-go, far slower)"

// summary says what command name does, for its usage.
func summary(name string) string {
	switch name {
	case "embed":
		return "embed images into the model's features (.npy, N×F float32)"
	case "pairwise":
		return "the model's distance matrix between images (.npy, float32: W2 in pixels, or W2² in pixels² for a W2² model)"
	}
	return "each query's k nearest index images by the model's distance (CSV query,rank,index,w2|w2sq)"
}

// modelFiles lists what --model reads, so that -o cannot overwrite any of
// it: the path itself and, for an exported set, every file of its default
// and onnx-go profiles.
func modelFiles(model string) []outpath.Path {
	if model == "" {
		return nil
	}
	out := []outpath.Path{outpath.P("--model", model)}
	if !strings.HasSuffix(model, ".onnx") {
		return out
	}
	main := strings.TrimSuffix(ProfilePath(model), ".onnxgo.onnx") + ".onnx"
	for _, f := range append(export.SetFiles(main), export.SetFiles(export.OnnxGoPath(main))...) {
		out = append(out, outpath.P("--model (its set's "+filepath.Base(f)+")", f))
	}
	return out
}

// writeSidecar writes the sidecar of a .npy the model made (values "" from
// its target), as kenn's onnxruntime commands do.
func writeSidecar(npy, model string, m *Model, values string, rows, cols int, images ...string) error {
	s := sidecar.Sidecar{Values: values, Rows: rows, Cols: cols, Model: model, ModelID: m.ModelID, Kenn: export.Version}
	for _, im := range images {
		if im != "" {
			s.Images = append(s.Images, im)
		}
	}
	if s.Values == "" {
		s.Values = sidecar.W2
		if m.Target == models.TargetW2Sq {
			s.Values = sidecar.W2Sq
		}
	}
	return sidecar.Write(npy, s)
}

// stringAlias is a second name of a string flag.
type stringAlias struct{ p *string }

func (a stringAlias) String() string {
	if a.p == nil {
		return ""
	}
	return *a.p
}
func (a stringAlias) Set(v string) error { *a.p = v; return nil }

// unlessSame is w, or nil when path names the collection already
// screened: one warning per collection.
func unlessSame(w io.Writer, path, screened string) io.Writer {
	if path == screened {
		return nil
	}
	return w
}
