package cli

import (
	"strings"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/outpath"
)

// Paths is a list of a command's files, each named by its flag.
type Paths = []outpath.Path

// Arg names path by the flag that gave it.
func Arg(flag, path string) outpath.Path { return outpath.P(flag, path) }

// Guard checks a command's outputs against its inputs and locks the first
// output (outpath.Prepare) before any work; the returned release (never
// nil) unlocks it. Empty paths (flags not given) are skipped.
func Guard(outputs Paths, inputs ...outpath.Path) (release func(), err error) {
	g, err := outpath.Prepare(outputs, inputs)
	if err != nil {
		return func() {}, err
	}
	return g.Release, nil
}

// ONNXSet lists the files of an exported model set under flag, given any
// file of it (NAME.onnx or a sibling, as --model takes): the file itself
// and every file a set may have (NAME.onnx, NAME.pairwise.onnx,
// NAME.pair.onnx, NAME.decoder.onnx, NAME.noise.onnx). A path that is not
// an .onnx (a checkpoint) is listed alone.
func ONNXSet(flag, path string) Paths {
	if path == "" {
		return nil
	}
	if !strings.HasSuffix(path, ".onnx") {
		return Paths{Arg(flag, path)}
	}
	out := Paths{Arg(flag, path)}
	// any file of a set names the set: list them all
	for _, s := range export.SetFiles(export.SetOf(path)) {
		if s != out[0].Path {
			out = append(out, Arg(flag+" (set member)", s))
		}
	}
	return out
}

// Plus concatenates path lists.
func Plus(lists ...Paths) Paths {
	var out Paths
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// ArgList names several paths with one flag (positional arguments).
func ArgList(flag string, ps ...string) Paths { return outpath.Paths(flag, ps...) }

// ModelInput lists the files of a model given as input under flag: those
// of its set (ONNXSet) and, beside an .onnx set, its card (NAME.card.md)
// and the checkpoint it was exported from (NAME.ckpt), which no output
// may overwrite either.
func ModelInput(flag, path string) Paths {
	out := ONNXSet(flag, path)
	if strings.HasSuffix(path, ".onnx") {
		main := export.SetOf(path)
		out = append(out, Arg(flag+" (its card)", export.CardPath(main)), Arg(flag+" (its checkpoint)", export.CheckpointPath(main)))
	}
	return out
}
