package snn

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/onnxpb"
	msnn "github.com/kenn-ot/kenn/models/snn"
)

// Files are the two exports of a stochastic neural network.
type Files struct {
	// Sample: "x" [N, in] (data units) → "y" [N, out] (data units), one
	// sample per row, the noise drawn inside the graph by RandomNormalLike
	// with a fixed seed per layer (kenn.seed in the metadata; a runtime
	// may rewrite the seeds: runtime.LoadSampler does).
	Sample *onnxpb.ModelProto
	// Noise: the same network with its noise as inputs: "z" [N, Latent]
	// (the latent inputs, if the model has them), then "eps0", "eps1", …
	// [N, width of layer l] (standard normal), so that any runtime can
	// reproduce a draw exactly.
	Noise *onnxpb.ModelProto
}

// NoisePath returns the noise-input variant's file name for NAME.onnx:
// NAME.noise.onnx (export.NoisePath; export.ReadSet reads it as the
// set's sibling).
func NoisePath(path string) string { return export.NoisePath(path) }

// Export compiles an snn checkpoint. seed seeds the in-graph sampling:
// layer l's RandomNormalLike gets seed·1000 + l.
func Export(c *msnn.Checkpoint, seed uint64) (*Files, error) {
	s := c.Model
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if _, err := c.Weights(); err != nil {
		return nil, err
	}
	desc, _ := json.Marshal(s)
	metrics, _ := json.Marshal(c.Metrics)
	meta := []*onnxpb.StringStringEntryProto{
		{Key: "kenn.kind", Value: msnn.Kind},
		{Key: "kenn.inputs", Value: strings.Join(s.Inputs, ",")},
		{Key: "kenn.outputs", Value: strings.Join(s.Outputs, ",")},
		{Key: "kenn.snn", Value: string(desc)},
		{Key: "kenn.seed", Value: fmt.Sprint(seed)},
		{Key: "kenn.metrics", Value: string(metrics)},
		{Key: "kenn.version", Value: export.Version},
	}
	in, out := int64(len(s.Inputs)), int64(len(s.Outputs))
	files := &Files{}
	for _, noiseInputs := range []bool{false, true} {
		g := &export.Builder{}
		inputs := []*onnxpb.ValueInfoProto{export.TensorInfo("x", []int64{-1, in}, "N")}
		var eps []string
		if noiseInputs && s.Stochastic() {
			if s.Latent > 0 {
				eps = append(eps, "z")
				inputs = append(inputs, export.TensorInfo("z", []int64{-1, int64(s.Latent)}, "N"))
			}
			for l, w := range s.Widths()[1:] {
				name := fmt.Sprintf("eps%d", l)
				eps = append(eps, name)
				inputs = append(inputs, export.TensorInfo(name, []int64{-1, int64(w)}, "N"))
			}
		}
		g.Rename(snnGraph(g, c, "x", eps, seed), "y")
		name, doc := "sample", "x [N,in] → y [N,out]: one sample of y | x per row (noise drawn in the graph)"
		if noiseInputs {
			name, doc = "sample_noise", "x [N,in] and standard normal noise eps_l [N,width_l] → y [N,out]"
		}
		mp := g.Model("snn_"+name, "kenn snn "+name+": "+doc+". Continuous outputs in data units, categorical outputs as their codes.",
			inputs, []*onnxpb.ValueInfoProto{export.TensorInfo("y", []int64{-1, out}, "N")}, meta)
		if noiseInputs {
			files.Noise = mp
		} else {
			files.Sample = mp
		}
	}
	id, err := ModelID(c)
	if err != nil {
		return nil, err
	}
	for _, mp := range []*onnxpb.ModelProto{files.Sample, files.Noise} {
		if err := export.Seal(mp, id); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// snnGraph appends the network and the output decoding; eps names the
// noise inputs, or nil to draw the noise with RandomNormalLike.
func snnGraph(g *export.Builder, c *msnn.Checkpoint, x string, eps []string, seed uint64) string {
	s := c.Model
	w := s.Widths()
	inv := make([]float64, len(s.InStd))
	for i, v := range s.InStd {
		inv[i] = 1 / v
	}
	cur := g.Op("Mul", []string{g.Op("Sub", []string{x, g.Floats(g.Name("in_mean"), []int{len(s.InMean)}, f32(s.InMean))}),
		g.Floats(g.Name("in_inv_std"), []int{len(inv)}, f32(inv))})
	if s.Latent > 0 && s.Stochastic() { // the latent noise inputs beside x
		var z string
		if eps != nil {
			z, eps = eps[0], eps[1:]
		} else {
			shape := g.Op("MatMul", []string{x, g.Floats(g.Name("latent_zeros"), []int{len(s.Inputs), s.Latent}, make([]float32, len(s.Inputs)*s.Latent))})
			z = g.Op("RandomNormalLike", []string{shape}, &onnxpb.AttributeProto{Name: "seed", Type: onnxpb.AttributeProto_FLOAT, F: float32(seed*1000 + 999)})
		}
		cur = g.Op("Concat", []string{cur, z}, export.AttrInt("axis", 1))
	}
	for l := 0; l+1 < len(w); l++ {
		p := fmt.Sprintf("snn.%d.", l)
		z := g.Op("Gemm", []string{cur, g.Floats(p+"Wmu", []int{w[l], w[l+1]}, c.Tensors[p+"Wmu"]), g.Floats(p+"bmu", []int{w[l+1]}, c.Tensors[p+"bmu"])})
		if s.Stochastic() {
			varOf := func(rho []float32) []float32 {
				out := make([]float32, len(rho))
				for i, r := range rho {
					out[i] = float32(math.Exp(2 * float64(r)))
				}
				return out
			}
			vw := g.Floats(p+"Wvar", []int{w[l], w[l+1]}, varOf(c.Tensors[p+"Wrho"]))
			vb := g.Floats(p+"bvar", []int{w[l+1]}, varOf(c.Tensors[p+"brho"]))
			std := g.Op("Sqrt", []string{g.Op("Gemm", []string{g.Op("Mul", []string{cur, cur}), vw, vb})})
			var e string
			if eps != nil {
				e = eps[l]
			} else {
				e = g.Op("RandomNormalLike", []string{z}, &onnxpb.AttributeProto{Name: "seed", Type: onnxpb.AttributeProto_FLOAT, F: float32(seed*1000 + uint64(l))})
			}
			z = g.Op("Add", []string{z, g.Op("Mul", []string{std, e})})
		}
		if l+2 < len(w) {
			z = g.Op("Tanh", []string{z})
		}
		cur = z
	}
	// decode: categories to their index and code; continuous columns
	// shifted by the sampled categories' rows of snn.shift (HasShift),
	// then unstandardized
	var catCols, idxs []string
	off := int64(s.Cont)
	for _, codes := range s.Categories {
		k := int64(len(codes))
		var idx string
		if s.Loss != msnn.LossMSE { // scores (w2) or logits (ce): argmax, the first on ties
			scores := g.Op("Slice", []string{cur, g.Ints(off), g.Ints(off + k), g.Ints(1)})
			idx = g.Op("ArgMax", []string{scores}, export.AttrInt("axis", 1), export.AttrInt("keepdims", 0), export.AttrInt("select_last_index", 0))
			off += k
		} else {
			col := g.Op("Slice", []string{cur, g.Ints(off), g.Ints(off + 1), g.Ints(1)})
			r := g.Op("Clip", []string{g.Op("Round", []string{col}), g.Scalar(0), g.Scalar(float32(k - 1))})
			idx = g.Op("Squeeze", []string{g.Op("Cast", []string{r}, export.AttrInt("to", int64(onnxpb.TensorProto_INT64))), g.Ints(1)})
			off++
		}
		idxs = append(idxs, idx)
		codesT := g.Floats(g.Name("codes"), []int{int(k)}, f32(codes))
		catCols = append(catCols, g.Op("Unsqueeze", []string{g.Op("Gather", []string{codesT, idx}, export.AttrInt("axis", 0)), g.Ints(1)}))
	}
	var cols []string
	if s.Cont > 0 {
		cont := g.Op("Slice", []string{cur, g.Ints(0), g.Ints(int64(s.Cont)), g.Ints(1)})
		if s.HasShift() {
			shift := c.Tensors[msnn.ShiftParam]
			row := 0
			for ci, codes := range s.Categories {
				k := len(codes)
				oh := g.Op("OneHot", []string{idxs[ci], g.Ints(int64(k)), g.Floats(g.Name("onehot_values"), []int{2}, []float32{0, 1})}, export.AttrInt("axis", -1))
				sh := g.Floats(g.Name("shift"), []int{k, s.Cont}, shift[row*s.Cont:(row+k)*s.Cont])
				cont = g.Op("Add", []string{cont, g.Op("MatMul", []string{oh, sh})})
				row += k
			}
		}
		cols = append(cols, g.Op("Add", []string{g.Op("Mul", []string{cont, g.Floats(g.Name("out_std"), []int{s.Cont}, f32(s.OutStd))}),
			g.Floats(g.Name("out_mean"), []int{s.Cont}, f32(s.OutMean))}))
	}
	cols = append(cols, catCols...)
	if len(cols) == 1 {
		return cols[0]
	}
	return g.Op("Concat", cols, export.AttrInt("axis", 1))
}

// ModelID is the kenn.model_id of an snn checkpoint: export.ContentID of
// its description and weights.
func ModelID(c *msnn.Checkpoint) (string, error) {
	return export.ContentID(c.Model, c.Model.Params(), c.Tensors)
}

// Write exports an snn checkpoint to path (NAME.onnx, sampling in the
// graph with the given seed) and NoisePath(path), as a unit (see
// export.WriteFiles).
func Write(c *msnn.Checkpoint, path string, seed uint64) ([]string, error) {
	f, err := Export(c, seed)
	if err != nil {
		return nil, err
	}
	out := []string{path, NoisePath(path)}
	return out, export.WriteSet(out, []*onnxpb.ModelProto{f.Sample, f.Noise}, nil)
}
