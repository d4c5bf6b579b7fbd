package main

import (
	"strings"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/outpath"
)

// Shorthands for the guard calls of every command.
type paths = []outpath.Path

func arg(flag, path string) outpath.Path { return outpath.P(flag, path) }

// guard checks a command's outputs against its inputs and locks the first
// output (outpath.Prepare) before any work; the returned release (never
// nil) unlocks it. Empty paths (flags not given) are skipped.
func guard(outputs paths, inputs ...outpath.Path) (release func(), err error) {
	g, err := outpath.Prepare(outputs, inputs)
	if err != nil {
		return func() {}, err
	}
	return g.Release, nil
}

// onnxSet lists the files of an exported model set under flag, given any
// file of it (NAME.onnx or a sibling, as --model takes): the file itself
// and every file a set may have (NAME.onnx, NAME.pairwise.onnx,
// NAME.pair.onnx, NAME.decoder.onnx, NAME.noise.onnx). A path that is not
// an .onnx (a checkpoint) is listed alone.
func onnxSet(flag, path string) paths {
	if path == "" {
		return nil
	}
	if !strings.HasSuffix(path, ".onnx") {
		return paths{arg(flag, path)}
	}
	out := paths{arg(flag, path)}
	// any file of a set names the set (runtime.MainPath): list them all
	for _, suf := range []string{".pairwise.onnx", ".pair.onnx", ".decoder.onnx", ".noise.onnx"} {
		if strings.HasSuffix(path, suf) {
			path = strings.TrimSuffix(path, suf) + ".onnx"
			break
		}
	}
	e, pw, pr := export.Paths(path)
	for _, s := range []string{e, pw, pr, export.DecoderPath(path), export.NoisePath(path)} {
		if s != out[0].Path {
			out = append(out, arg(flag+" (set member)", s))
		}
	}
	return out
}

// plus concatenates path lists.
func plus(lists ...paths) paths {
	var out paths
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// argList names several paths with one flag (positional arguments).
func argList(flag string, ps ...string) paths { return outpath.Paths(flag, ps...) }
