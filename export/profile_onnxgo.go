package export

import (
	"strings"

	"github.com/kenn-ot/kenn/internal/onnxpb"
	"github.com/kenn-ot/kenn/models"
)

// The onnx-go profile: the same model as Export's files, written only in
// operators that the pure-Go runtime github.com/owulveryck/onnx-go v0.5.0
// runs with its Gorgonia backend (gorgonnx). That backend lacks
// ReduceSum, ReduceSumSquare, ReduceMean, Slice, Split, Where and Less,
// broadcasts only scalars, 1-D and 2-D operands (a 1-D operand onto the
// first axis of equal size, so a batch as wide as a layer goes wrong),
// needs Gemm's C of the output's shape and each node's inputs distinct,
// and reshapes from lower to higher rank only with 0 (copy) dimensions.
// So here
//
//   - sums are MatMuls by a column of ones, the per-image mass included
//     (the normalization runs on the [N, H·W] flattened image, then a
//     Reshape with 0 restores [N, 1, H, W]);
//   - a segment's Slice is avoided: its norms are the squared features
//     times its 0/1 indicator column, its Gram block (a ⊙ m_l)·bᵀ with
//     m_l its indicator row (exact: the other features meet zeros);
//   - every bias is a [1, n] row added after a MatMul, the ODE's
//     time-dependent bias t·w1t + b1 of each RK4 stage is folded in
//     float32 at export (the same two roundings as the default graph);
//   - the mean row of a that centres both sides of the pairwise graph is
//     onesᵀ·a / onesᵀ·ones, with ones = a·0 + 1 (a column, [N, 1]);
//   - the cut of squared distances below the rounding floor is
//     d2 · Relu(Sign(d2 − floor)) instead of Where(Less(d2, floor), 0, d2):
//     + 0 (so that a cut value is +0, not −0): the same except at
//     d2 = floor exactly, which gives 0 here.
//
// The profile writes NAME.onnxgo.onnx (embedding), NAME.onnxgo.pairwise.onnx
// and, for dwe, NAME.onnxgo.decoder.onnx (OnnxGoPath), with the default
// files' metadata plus kenn.profile = onnx-go and the same kenn.model_id.
// It has no pair file (NAME.pair.onnx needs Split and ReduceL2; the
// runtimes compute a pair's distance from two embeddings).

// ProfileKey is the metadata key naming an export profile; absent in the
// default profile.
const ProfileKey = models.MetaProfile

// ProfileOnnxGo is the value of ProfileKey in the onnx-go profile's files.
const ProfileOnnxGo = "onnx-go"

// OnnxGoPath returns the onnx-go profile's main file for a set's main
// file NAME.onnx: NAME.onnxgo.onnx.
func OnnxGoPath(path string) string { return strings.TrimSuffix(path, ".onnx") + ".onnxgo.onnx" }

// ExportOnnxGo compiles c into the onnx-go profile (see above): Embed,
// Pairwise and, for a model with a decoder, Decoder; Pair is nil.
func ExportOnnxGo(c *models.Checkpoint) (*Files, error) {
	m := c.Model
	if err := checkExportable(c); err != nil {
		return nil, err
	}
	id, err := ModelID(c)
	if err != nil {
		return nil, err
	}
	F := int64(m.EmbeddingDim())
	H, W := int64(m.H), int64(m.W)
	meta := append(metadata(c), &onnxpb.StringStringEntryProto{Key: ProfileKey, Value: ProfileOnnxGo})

	g := &graph{}
	g.rename(embedOG(g, c, "images"), "features")
	emb := model(g, "embed", "images [N,1,H,W] of raw intensities → features [N,F] (onnx-go profile)",
		[]*onnxpb.ValueInfoProto{tensorInfo("images", []int64{-1, 1, H, W}, "N")},
		[]*onnxpb.ValueInfoProto{tensorInfo("features", []int64{-1, F}, "N")}, meta)

	g = &graph{}
	g.rename(pairwiseOG(g, c, "a", "b"), "distances")
	pw := model(g, "pairwise", "features a [N,F] and b [M,F] → model distances [N,M] (onnx-go profile)",
		[]*onnxpb.ValueInfoProto{tensorInfo("a", []int64{-1, F}, "N"), tensorInfo("b", []int64{-2, F}, "N", "M")},
		[]*onnxpb.ValueInfoProto{tensorInfo("distances", []int64{-1, -2}, "N", "M")}, meta)
	files := &Files{Embed: emb, Pairwise: pw}
	if len(m.Decoder) > 0 {
		g = &graph{}
		g.rename(decoderOG(g, c, "features"), "images")
		files.Decoder = model(g, "decoder", "features [N,F] → decoded images [N,1,H,W] (onnx-go profile)",
			[]*onnxpb.ValueInfoProto{tensorInfo("features", []int64{-1, F}, "N")},
			[]*onnxpb.ValueInfoProto{tensorInfo("images", []int64{-1, 1, H, W}, "N")}, meta)
	}
	for _, mp := range []*onnxpb.ModelProto{files.Embed, files.Pairwise, files.Decoder} {
		if mp == nil {
			continue
		}
		if err := seal(mp, id); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// WriteOnnxGoFiles exports c's onnx-go profile beside path (NAME.onnx):
// NAME.onnxgo.onnx, NAME.onnxgo.pairwise.onnx and, for dwe,
// NAME.onnxgo.decoder.onnx, written as a unit like WriteFiles; it returns
// the paths written.
func WriteOnnxGoFiles(c *models.Checkpoint, path string) ([]string, error) {
	f, err := ExportOnnxGo(c)
	if err != nil {
		return nil, err
	}
	main := OnnxGoPath(path)
	e, pw, _ := Paths(main)
	out := []string{e, pw}
	protos := []*onnxpb.ModelProto{f.Embed, f.Pairwise}
	var stale []string
	if f.Decoder != nil {
		out = append(out, DecoderPath(main))
		protos = append(protos, f.Decoder)
	} else {
		stale = append(stale, DecoderPath(main))
	}
	return out, writeSet(out, protos, stale)
}

// ogParam returns the initializer name of parameter name (shape dims) of
// c, adding it once (an ensemble member's names carry g.pfx).
func ogParam(g *graph, c *models.Checkpoint, name string, dims []int) string {
	if !g.has(g.pfx + name) {
		return g.floats(name, dims, c.Tensors[name])
	}
	return g.pfx + name
}

// ogOnes is a constant of rows×cols ones.
func ogOnes(g *graph, rows, cols int, v float32) string {
	o := make([]float32, rows*cols)
	for i := range o {
		o[i] = v
	}
	return g.floats(g.name("ones"), []int{rows, cols}, o)
}

// ogDense is x·W + b with b as a [1, n] row.
func ogDense(g *graph, x, w string, b []float32, name string) string {
	row := g.floats(name+".row", []int{1, len(b)}, b)
	return g.op("Add", []string{g.op("MatMul", []string{x, w}), row})
}

// embedOG is embed in the profile's operators, through the kind's
// lowering (kinds.go).
func embedOG(g *graph, c *models.Checkpoint, x string) string {
	return lowerings()[c.Model.Kind].embedOG(g, c, x)
}

// encodeOG is encode in the profile's operators.
func encodeOG(g *graph, c *models.Checkpoint, x string) (flatOuts []string, last string) {
	m := c.Model
	params := map[string][]int{}
	for _, p := range m.Params() {
		params[p.Name] = p.Shape
	}
	hw := m.H * m.W
	flat := g.op("Flatten", []string{x}, attrInt("axis", 1))
	mass := g.op("MatMul", []string{flat, ogOnes(g, hw, 1, 1)})
	cur := g.op("Mul", []string{g.op("Div", []string{flat, mass}), g.scalar(float32(hw))})
	four := false
	for _, l := range m.Encoder {
		wn, bn := models.WeightParam("", l), models.BiasParam("", l)
		w := ogParam(g, c, wn, params[wn])
		switch l.Op {
		case models.OpConv:
			if !four {
				cur = g.op("Reshape", []string{cur, g.ints(0, 1, int64(m.H), int64(m.W))})
				four = true
			}
			b := ogParam(g, c, bn, params[bn])
			p := int64(l.Kernel / 2)
			cur = g.op("Conv", []string{cur, w, b}, attrInts("kernel_shape", int64(l.Kernel), int64(l.Kernel)), attrInts("pads", p, p, p, p), attrInts("strides", 1, 1))
		case models.OpDense:
			if four {
				cur = g.op("Flatten", []string{cur}, attrInt("axis", 1))
				four = false
			}
			cur = ogDense(g, cur, w, c.Tensors[bn], bn)
		}
		if l.Act == models.ActReLU {
			cur = g.op("Relu", []string{cur})
		}
		if four {
			flatOuts = append(flatOuts, g.op("Flatten", []string{cur}, attrInt("axis", 1)))
		} else {
			flatOuts = append(flatOuts, cur)
		}
	}
	return flatOuts, cur
}

// rk4OG is rk4 in the profile's operators: the same steps, with each
// stage's bias t·w1t + b1 computed here in float32.
func rk4OG(g *graph, c *models.Checkpoint, z string) []string {
	o := c.Model.ODE
	w1 := c.Tensors[models.ParamODEW1]
	W1z := g.floats(models.ParamODEW1+"z", []int{o.Dim, o.Hidden}, w1[:o.Dim*o.Hidden])
	w1t, b1 := w1[o.Dim*o.Hidden:], c.Tensors[models.ParamODEB1]
	W2 := g.floats(models.ParamODEW2, []int{o.Hidden, o.Dim}, c.Tensors[models.ParamODEW2])
	b2 := g.floats(models.ParamODEB2+".row", []int{1, o.Dim}, c.Tensors[models.ParamODEB2])
	biases := map[float32]string{}
	bias := func(t float32) string {
		if b, ok := biases[t]; ok {
			return b
		}
		v := make([]float32, o.Hidden)
		for i := range v {
			p := float32(t * w1t[i]) // rounded before the add, as Mul then Add
			v[i] = p + b1[i]
		}
		biases[t] = g.floats(g.name(models.ParamODEB1+"t"), []int{1, o.Hidden}, v)
		return biases[t]
	}
	field := func(z string, t float64) string {
		h := g.op("Tanh", []string{g.op("Add", []string{g.op("MatMul", []string{z, W1z}), bias(float32(t))})})
		return g.op("Add", []string{g.op("MatMul", []string{h, W2}), b2})
	}
	return rk4Steps(g, o.Steps, z, field)
}

// pairwiseOG is pairwise in the profile's operators.
func pairwiseOG(g *graph, c *models.Checkpoint, a, b string) string {
	segs := segments(c)
	kenn := c.Model.Kind.Form() == models.FormWeightedNorms
	F := 0
	for _, s := range segs {
		F += s.n
	}
	if kenn {
		var w []float32
		for _, s := range segs {
			for i := 0; i < s.n; i++ {
				w = append(w, s.w)
			}
		}
		wv := g.floats(g.name("segment_weights"), []int{1, len(w)}, w)
		a = g.op("Mul", []string{a, wv})
		b = g.op("Mul", []string{b, wv})
	}
	// The mean row of a: onesᵀ·a / onesᵀ·ones with ones = a·0 + 1, [N, 1].
	ones := g.op("Add", []string{g.op("MatMul", []string{a, ogOnes(g, F, 1, 0)}), g.scalar(1)})
	onesT := g.op("Transpose", []string{ones}, attrInts("perm", 1, 0))
	centre := g.op("Div", []string{g.op("MatMul", []string{onesT, a}), g.op("MatMul", []string{onesT, ones})})
	a = g.op("Sub", []string{a, centre})
	b = g.op("Sub", []string{b, centre})
	zero := g.scalar(0)
	bT := g.op("Transpose", []string{b}, attrInts("perm", 1, 0))
	sqA, sqB := ogSquare(g, a), ogSquare(g, b)
	var total string
	for _, s := range segs {
		// Segment l without Slice: its squared norms are the squares
		// times its 0/1 indicator column, and a_l·b_lᵀ is (a ⊙ m_l)·bᵀ
		// with m_l the indicator row (the other features meet exact
		// zeros). Constants of F values per segment, where a selection
		// matrix would take F·n (1 GB for the shipped DeepKENN).
		ind := make([]float32, F)
		for i := s.off; i < s.off+s.n; i++ {
			ind[i] = 1
		}
		col := g.floats(g.name("segment_column"), []int{F, 1}, ind)
		sqa := g.op("MatMul", []string{sqA, col})
		sqb := g.op("Transpose", []string{g.op("MatMul", []string{sqB, col})}, attrInts("perm", 1, 0))
		al := a
		if s.n != F {
			al = g.op("Mul", []string{a, g.floats(g.name("segment_row"), []int{1, F}, ind)})
		}
		cross := g.op("Mul", []string{g.op("MatMul", []string{al, bT}), g.scalar(-2)})
		d2 := g.op("Add", []string{g.op("Add", []string{cross, sqa}), sqb})
		k := g.scalar(models.GramFloor(s.n))
		floor := g.op("Add", []string{g.op("Mul", []string{sqa, k}), g.op("Mul", []string{sqb, k})})
		keep := g.op("Relu", []string{g.op("Sign", []string{g.op("Sub", []string{d2, floor})})})
		// + 0 turns the −0 of a cut negative d2 (−ε·0) into +0, as Where gives
		term := g.op("Add", []string{g.op("Mul", []string{d2, keep}), zero})
		if kenn {
			term = g.op("Sqrt", []string{term})
		}
		if total == "" {
			total = term
		} else {
			total = g.op("Add", []string{total, term})
		}
	}
	return total
}

// ogSquare is x·x, as Mul(x, Identity(x)): gorgonnx refuses a node
// that takes one input twice.
func ogSquare(g *graph, x string) string {
	return g.op("Mul", []string{x, g.op("Identity", []string{x})})
}

// decoderOG is decoder in the profile's operators.
func decoderOG(g *graph, c *models.Checkpoint, x string) string {
	m := c.Model
	shapes := map[string][]int{}
	for _, p := range m.Params() {
		shapes[p.Name] = p.Shape
	}
	param := func(name string) string { return g.floats(name, shapes[name], c.Tensors[name]) }
	cur := x
	var conv []models.Layer
	for _, l := range m.Decoder {
		if l.Op != models.OpDense {
			conv = append(conv, l)
			continue
		}
		wn, bn := models.WeightParam(models.DecoderPrefix, l), models.BiasParam(models.DecoderPrefix, l)
		cur = ogDense(g, cur, param(wn), c.Tensors[bn], bn)
		if l.Act == models.ActReLU {
			cur = g.op("Relu", []string{cur})
		}
	}
	cur = g.op("Reshape", []string{cur, g.ints(0, int64(m.DecoderChannels), int64(m.H), int64(m.W))})
	for _, l := range conv {
		p := int64(l.Kernel / 2)
		cur = g.op("Conv", []string{cur, param(models.WeightParam(models.DecoderPrefix, l)), param(models.BiasParam(models.DecoderPrefix, l))},
			attrInts("kernel_shape", int64(l.Kernel), int64(l.Kernel)), attrInts("pads", p, p, p, p), attrInts("strides", 1, 1))
		if l.Act == models.ActReLU {
			cur = g.op("Relu", []string{cur})
		}
	}
	probs := g.op("Softmax", []string{g.op("Flatten", []string{cur}, attrInt("axis", 1))}, attrInt("axis", 1))
	return g.op("Reshape", []string{probs, g.ints(0, 1, int64(m.H), int64(m.W))})
}
