package export

import "strings"

// The files of an exported set. An export writes, beside NAME.onnx (the
// embedding, or a sampler), siblings named NAME plus a suffix: the
// pairwise and pair models (Paths), DWE's decoder (DecoderPath), a
// sampler's noise-input variant (NoisePath). The onnx-go profile is the
// set of NAME.onnxgo.onnx (OnnxGoPath), with its own siblings. Every
// command that takes a set by any of its files, or keeps its outputs off
// a set's files, names them with the functions below.

// siblingSuffixes are the suffixes of a set's files other than NAME.onnx.
func siblingSuffixes() [4]string {
	return [4]string{".pairwise.onnx", ".pair.onnx", ".decoder.onnx", ".noise.onnx"}
}

// noiseSuffix is the suffix of a sampler's noise-input variant.
const noiseSuffix = ".noise.onnx"

// Paths returns the three file names for an embedding path NAME.onnx.
func Paths(path string) (embed, pairwise, pair string) {
	base := strings.TrimSuffix(path, ".onnx")
	return base + ".onnx", base + ".pairwise.onnx", base + ".pair.onnx"
}

// DecoderPath returns the decoder's file name for an embedding path
// NAME.onnx: NAME.decoder.onnx.
func DecoderPath(path string) string { return strings.TrimSuffix(path, ".onnx") + ".decoder.onnx" }

// NoisePath returns the noise-input variant's file name for NAME.onnx:
// NAME.noise.onnx.
func NoisePath(path string) string { return strings.TrimSuffix(path, ".onnx") + noiseSuffix }

// SetOf returns the main file NAME.onnx of the set that path names by any
// of its files (NAME.onnx, NAME.pairwise.onnx, NAME.pair.onnx,
// NAME.decoder.onnx, NAME.noise.onnx), and path itself for any other
// name: what a guard protects.
func SetOf(path string) string {
	for _, suf := range siblingSuffixes() {
		if strings.HasSuffix(path, suf) {
			return strings.TrimSuffix(path, suf) + ".onnx"
		}
	}
	return path
}

// MainOf is the file a loader opens for a path of a set: NAME.onnx for
// NAME.pairwise.onnx, NAME.pair.onnx or NAME.decoder.onnx (the set is
// loaded from its main file). A sampler's NAME.noise.onnx, a model of its
// own, and any other path are returned as they are.
func MainOf(path string) string {
	if strings.HasSuffix(path, noiseSuffix) {
		return path
	}
	return SetOf(path)
}

// SetFiles lists every file a set of main file NAME.onnx may hold:
// NAME.onnx, NAME.pairwise.onnx, NAME.pair.onnx, NAME.decoder.onnx and
// NAME.noise.onnx.
func SetFiles(main string) []string {
	base := strings.TrimSuffix(main, ".onnx")
	out := []string{base + ".onnx"}
	for _, suf := range siblingSuffixes() {
		out = append(out, base+suf)
	}
	return out
}

// CardPath is where kenn fit writes the model card of set NAME.onnx:
// NAME.card.md, beside the set (the card itself is also in the main
// file's metadata).
func CardPath(main string) string { return strings.TrimSuffix(main, ".onnx") + ".card.md" }

// CheckpointPath is where a set NAME.onnx's checkpoint lies when kept
// beside it, as kenn fit leaves it: NAME.ckpt, from which kenn export
// writes the same set.
func CheckpointPath(main string) string { return strings.TrimSuffix(main, ".onnx") + ".ckpt" }
