package export

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/kenn-ot/kenn/export/onnxpb"
	"github.com/kenn-ot/kenn/models"
)

// SNNFiles are the two exports of a stochastic neural network.
type SNNFiles struct {
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

// NoisePath returns the noise-input variant's file name for NAME.onnx.
func NoisePath(path string) string { return strings.TrimSuffix(path, ".onnx") + ".noise.onnx" }

// ExportSNN compiles an snn checkpoint. seed seeds the in-graph sampling:
// layer l's RandomNormalLike gets seed·1000 + l.
func ExportSNN(c *models.Checkpoint, seed uint64) (*SNNFiles, error) {
	m := c.Model
	if m.Kind != models.KindSNN {
		return nil, fmt.Errorf("export: %s is not an snn", m.Kind)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if _, err := c.Weights(); err != nil {
		return nil, err
	}
	s := m.SNN
	desc, _ := json.Marshal(s)
	metrics, _ := json.Marshal(c.Metrics)
	meta := []*onnxpb.StringStringEntryProto{
		{Key: "kenn.kind", Value: models.KindSNN},
		{Key: "kenn.inputs", Value: strings.Join(s.Inputs, ",")},
		{Key: "kenn.outputs", Value: strings.Join(s.Outputs, ",")},
		{Key: "kenn.snn", Value: string(desc)},
		{Key: "kenn.seed", Value: fmt.Sprint(seed)},
		{Key: "kenn.metrics", Value: string(metrics)},
		{Key: "kenn.version", Value: Version},
	}
	in, out := int64(len(s.Inputs)), int64(len(s.Outputs))
	files := &SNNFiles{}
	for _, noiseInputs := range []bool{false, true} {
		g := &graph{}
		inputs := []*onnxpb.ValueInfoProto{tensorInfo("x", []int64{-1, in}, "N")}
		var eps []string
		if noiseInputs && s.Stochastic() {
			if s.Latent > 0 {
				eps = append(eps, "z")
				inputs = append(inputs, tensorInfo("z", []int64{-1, int64(s.Latent)}, "N"))
			}
			for l, w := range s.Widths()[1:] {
				name := fmt.Sprintf("eps%d", l)
				eps = append(eps, name)
				inputs = append(inputs, tensorInfo(name, []int64{-1, int64(w)}, "N"))
			}
		}
		g.rename(snnGraph(g, c, "x", eps, seed), "y")
		name, doc := "sample", "x [N,in] → y [N,out]: one sample of y | x per row (noise drawn in the graph)"
		if noiseInputs {
			name, doc = "sample_noise", "x [N,in] and standard normal noise eps_l [N,width_l] → y [N,out]"
		}
		mp := &onnxpb.ModelProto{
			IrVersion: IRVersion, OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}},
			ProducerName: "kenn", ProducerVersion: Version,
			DocString: "kenn snn " + name + ": " + doc + ". Continuous outputs in data units, categorical outputs as their codes.",
			Graph: &onnxpb.GraphProto{Name: "kenn_snn_" + name, Node: g.nodes, Initializer: g.inits, Input: inputs,
				Output: []*onnxpb.ValueInfoProto{tensorInfo("y", []int64{-1, out}, "N")}},
			MetadataProps: meta,
		}
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
		if err := seal(mp, id); err != nil {
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
func snnGraph(g *graph, c *models.Checkpoint, x string, eps []string, seed uint64) string {
	s := c.Model.SNN
	w := s.Widths()
	inv := make([]float64, len(s.InStd))
	for i, v := range s.InStd {
		inv[i] = 1 / v
	}
	cur := g.op("Mul", []string{g.op("Sub", []string{x, g.floats(g.name("in_mean"), []int{len(s.InMean)}, f32(s.InMean))}),
		g.floats(g.name("in_inv_std"), []int{len(inv)}, f32(inv))})
	if s.Latent > 0 && s.Stochastic() { // the latent noise inputs beside x
		var z string
		if eps != nil {
			z, eps = eps[0], eps[1:]
		} else {
			shape := g.op("MatMul", []string{x, g.floats(g.name("latent_zeros"), []int{len(s.Inputs), s.Latent}, make([]float32, len(s.Inputs)*s.Latent))})
			z = g.op("RandomNormalLike", []string{shape}, &onnxpb.AttributeProto{Name: "seed", Type: onnxpb.AttributeProto_FLOAT, F: float32(seed*1000 + 999)})
		}
		cur = g.op("Concat", []string{cur, z}, attrInt("axis", 1))
	}
	for l := 0; l+1 < len(w); l++ {
		p := fmt.Sprintf("snn.%d.", l)
		z := g.op("Gemm", []string{cur, g.floats(p+"Wmu", []int{w[l], w[l+1]}, c.Tensors[p+"Wmu"]), g.floats(p+"bmu", []int{w[l+1]}, c.Tensors[p+"bmu"])})
		if s.Stochastic() {
			varOf := func(rho []float32) []float32 {
				out := make([]float32, len(rho))
				for i, r := range rho {
					out[i] = float32(math.Exp(2 * float64(r)))
				}
				return out
			}
			vw := g.floats(p+"Wvar", []int{w[l], w[l+1]}, varOf(c.Tensors[p+"Wrho"]))
			vb := g.floats(p+"bvar", []int{w[l+1]}, varOf(c.Tensors[p+"brho"]))
			std := g.op("Sqrt", []string{g.op("Gemm", []string{g.op("Mul", []string{cur, cur}), vw, vb})})
			var e string
			if eps != nil {
				e = eps[l]
			} else {
				e = g.op("RandomNormalLike", []string{z}, &onnxpb.AttributeProto{Name: "seed", Type: onnxpb.AttributeProto_FLOAT, F: float32(seed*1000 + uint64(l))})
			}
			z = g.op("Add", []string{z, g.op("Mul", []string{std, e})})
		}
		if l+2 < len(w) {
			z = g.op("Tanh", []string{z})
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
		if s.Loss != models.LossMSE { // scores (w2) or logits (ce): argmax, the first on ties
			scores := g.op("Slice", []string{cur, g.ints(off), g.ints(off + k), g.ints(1)})
			idx = g.op("ArgMax", []string{scores}, attrInt("axis", 1), attrInt("keepdims", 0), attrInt("select_last_index", 0))
			off += k
		} else {
			col := g.op("Slice", []string{cur, g.ints(off), g.ints(off + 1), g.ints(1)})
			r := g.op("Clip", []string{g.op("Round", []string{col}), g.scalar(0), g.scalar(float32(k - 1))})
			idx = g.op("Squeeze", []string{g.op("Cast", []string{r}, attrInt("to", int64(onnxpb.TensorProto_INT64))), g.ints(1)})
			off++
		}
		idxs = append(idxs, idx)
		codesT := g.floats(g.name("codes"), []int{int(k)}, f32(codes))
		catCols = append(catCols, g.op("Unsqueeze", []string{g.op("Gather", []string{codesT, idx}, attrInt("axis", 0)), g.ints(1)}))
	}
	var cols []string
	if s.Cont > 0 {
		cont := g.op("Slice", []string{cur, g.ints(0), g.ints(int64(s.Cont)), g.ints(1)})
		if s.HasShift() {
			shift := c.Tensors[models.ShiftParam]
			row := 0
			for ci, codes := range s.Categories {
				k := len(codes)
				oh := g.op("OneHot", []string{idxs[ci], g.ints(int64(k)), g.floats(g.name("onehot_values"), []int{2}, []float32{0, 1})}, attrInt("axis", -1))
				sh := g.floats(g.name("shift"), []int{k, s.Cont}, shift[row*s.Cont:(row+k)*s.Cont])
				cont = g.op("Add", []string{cont, g.op("MatMul", []string{oh, sh})})
				row += k
			}
		}
		cols = append(cols, g.op("Add", []string{g.op("Mul", []string{cont, g.floats(g.name("out_std"), []int{s.Cont}, f32(s.OutStd))}),
			g.floats(g.name("out_mean"), []int{s.Cont}, f32(s.OutMean))}))
	}
	cols = append(cols, catCols...)
	if len(cols) == 1 {
		return cols[0]
	}
	return g.op("Concat", cols, attrInt("axis", 1))
}
