package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/onnxpb"
	"github.com/kenn-ot/kenn/models"
)

// Version is recorded in every file's metadata.
const Version = "kenn 0.1"

// Files are the exported models (see the package documentation). Decoder
// is nil unless the model has one (dwe).
type Files struct {
	Embed, Pairwise, Pair, Decoder *onnxpb.ModelProto
}

// segment is one distance segment of the embedding.
type segment struct {
	off, n int
	w      float32 // weight (1 for dwe)
}

func segments(c *models.Checkpoint) []segment {
	w := c.DistanceWeights()
	var out []segment
	off := 0
	for l, n := range c.Model.Segments() {
		s := segment{off: off, n: n, w: 1}
		if w != nil {
			s.w = float32(w[l])
		}
		out = append(out, s)
		off += n
	}
	return out
}

// Export compiles c into its three ONNX models.
func Export(c *models.Checkpoint) (*Files, error) {
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
	meta := metadata(c)

	// embedding
	g := &graph{}
	g.rename(embed(g, c, "images"), "features")
	emb := model(g, "embed", "images [N,1,H,W] of raw intensities → features [N,F]",
		[]*onnxpb.ValueInfoProto{tensorInfo("images", []int64{-1, 1, H, W}, "N")},
		[]*onnxpb.ValueInfoProto{tensorInfo("features", []int64{-1, F}, "N")}, meta)

	// pairwise
	g = &graph{}
	g.rename(pairwise(g, c, "a", "b"), "distances")
	pw := model(g, "pairwise", "features a [N,F] and b [M,F] → model distances [N,M]",
		[]*onnxpb.ValueInfoProto{tensorInfo("a", []int64{-1, F}, "N"), tensorInfo("b", []int64{-2, F}, "N", "M")},
		[]*onnxpb.ValueInfoProto{tensorInfo("distances", []int64{-1, -2}, "N", "M")}, meta)

	// pair
	g = &graph{}
	cat := g.op("Concat", []string{"x", "y"}, attrInt("axis", 0))
	e := embed(g, c, cat)
	halves := g.opN("Split", []string{e}, 2, attrInt("axis", 0))
	p := pairDistance(g, c, halves[0], halves[1])
	g.nodes = append(g.nodes, &onnxpb.NodeProto{OpType: "Identity", Input: []string{p}, Output: []string{"distance"}, Name: "distance"})
	pr := model(g, "pair", "images x and y [N,1,H,W] → model distance [N] of each pair",
		[]*onnxpb.ValueInfoProto{tensorInfo("x", []int64{-1, 1, H, W}, "N"), tensorInfo("y", []int64{-1, 1, H, W}, "N")},
		[]*onnxpb.ValueInfoProto{tensorInfo("distance", []int64{-1}, "N")}, meta)
	files := &Files{Embed: emb, Pairwise: pw, Pair: pr}
	if len(m.Decoder) > 0 {
		g = &graph{}
		g.rename(decoder(g, c, "features"), "images")
		files.Decoder = model(g, "decoder", "features [N,F] → decoded images [N,1,H,W], each a probability distribution over the pixels (DWE's ψ)",
			[]*onnxpb.ValueInfoProto{tensorInfo("features", []int64{-1, F}, "N")},
			[]*onnxpb.ValueInfoProto{tensorInfo("images", []int64{-1, 1, H, W}, "N")}, meta)
	}
	for _, mp := range []*onnxpb.ModelProto{files.Embed, files.Pairwise, files.Pair, files.Decoder} {
		if mp == nil {
			continue
		}
		if err := seal(mp, id); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// decoder appends DWE's ψ, as build lowers it: the dense layers, a reshape
// to [N, C, H, W], the same-padded convolutions, a softmax over all
// pixels; it returns the [N,1,H,W] output's name.
func decoder(g *graph, c *models.Checkpoint, x string) string {
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
		cur = g.op("Gemm", []string{cur, param(models.WeightParam(models.DecoderPrefix, l)), param(models.BiasParam(models.DecoderPrefix, l))})
		if l.Act == models.ActReLU {
			cur = g.op("Relu", []string{cur})
		}
	}
	cur = g.op("Reshape", []string{cur, g.ints(-1, int64(m.DecoderChannels), int64(m.H), int64(m.W))})
	for _, l := range conv {
		p := int64(l.Kernel / 2)
		cur = g.op("Conv", []string{cur, param(models.WeightParam(models.DecoderPrefix, l)), param(models.BiasParam(models.DecoderPrefix, l))},
			attrInts("kernel_shape", int64(l.Kernel), int64(l.Kernel)), attrInts("pads", p, p, p, p), attrInts("strides", 1, 1))
		if l.Act == models.ActReLU {
			cur = g.op("Relu", []string{cur})
		}
	}
	probs := g.op("Softmax", []string{g.op("Flatten", []string{cur}, attrInt("axis", 1))}, attrInt("axis", 1))
	return g.op("Reshape", []string{probs, g.ints(-1, 1, int64(m.H), int64(m.W))})
}

func metadata(c *models.Checkpoint) []*onnxpb.StringStringEntryProto {
	m := c.Model
	var seg []string
	for _, n := range m.Segments() {
		seg = append(seg, fmt.Sprint(n))
	}
	var w []string
	for _, s := range segments(c) {
		w = append(w, fmt.Sprint(s.w))
	}
	metrics, _ := json.Marshal(c.Metrics)
	desc, _ := json.Marshal(m)
	kv := [][2]string{
		{models.MetaKind, string(m.Kind)},
		{models.MetaTarget, m.Target},
		{models.MetaUnits, "pixel"},
		{models.MetaInput, fmt.Sprintf("%dx%d", m.H, m.W)},
		{models.MetaNormalization, "x*H*W/sum(x) per image (unit mass, times H*W)"},
		{models.MetaFeatures, strings.Join(seg, ",")},
		{models.MetaSegmentWeights, strings.Join(w, ",")},
		{models.MetaTrainSHA256, c.Provenance.TrainSHA256},
		{models.MetaMetrics, string(metrics)},
		{models.MetaModel, string(desc)},
		{models.MetaVersion, Version},
	}
	if len(c.Card) > 0 {
		kv = append(kv, [2]string{models.MetaCard, string(c.Card)})
	}
	if c.Domain != nil {
		dom, _ := json.Marshal(c.Domain)
		kv = append(kv, [2]string{models.MetaDomain, string(dom)})
	}
	out := make([]*onnxpb.StringStringEntryProto, len(kv))
	for i, p := range kv {
		out[i] = &onnxpb.StringStringEntryProto{Key: p[0], Value: p[1]}
	}
	return out
}

func model(g *graph, name, doc string, in, out []*onnxpb.ValueInfoProto, meta []*onnxpb.StringStringEntryProto) *onnxpb.ModelProto {
	return &onnxpb.ModelProto{
		IrVersion:       IRVersion,
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}},
		ProducerName:    "kenn",
		ProducerVersion: Version,
		DocString:       "kenn " + name + ": " + doc + ". W2 surrogate; distances in pixel units (see kenn.target).",
		Graph: &onnxpb.GraphProto{
			Name: "kenn_" + name, Node: g.nodes, Initializer: g.inits, Input: in, Output: out,
		},
		MetadataProps: meta,
	}
}

// embed appends the model's embedding of the images x, through its kind's
// lowering (kinds.go), and returns the features' name.
func embed(g *graph, c *models.Checkpoint, x string) string {
	return lowerings()[c.Model.Kind].embed(g, c, x)
}

// encode appends the normalization and the encoder and returns every
// layer's output flattened to [N, n] and the last layer's output.
func encode(g *graph, c *models.Checkpoint, x string) (flatOuts []string, last string) {
	m := c.Model
	param := func(name string, dims []int) string {
		if !g.has(g.pfx + name) {
			return g.floats(name, dims, c.Tensors[name])
		}
		return g.pfx + name
	}
	sum := g.op("ReduceSum", []string{x, g.ints(1, 2, 3)}, attrInt("keepdims", 1))
	cur := g.op("Mul", []string{g.op("Div", []string{x, sum}), g.scalar(float32(m.H * m.W))})
	four := true
	params := map[string][]int{}
	for _, p := range m.Params() {
		params[p.Name] = p.Shape
	}
	for _, l := range m.Encoder {
		wn, bn := models.WeightParam("", l), models.BiasParam("", l)
		w, b := param(wn, params[wn]), param(bn, params[bn])
		switch l.Op {
		case models.OpConv:
			p := int64(l.Kernel / 2)
			cur = g.op("Conv", []string{cur, w, b}, attrInts("kernel_shape", int64(l.Kernel), int64(l.Kernel)), attrInts("pads", p, p, p, p), attrInts("strides", 1, 1))
		case models.OpDense:
			if four {
				cur = g.op("Flatten", []string{cur}, attrInt("axis", 1))
				four = false
			}
			cur = g.op("Gemm", []string{cur, w, b})
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

func (g *graph) has(name string) bool {
	for _, t := range g.inits {
		if t.Name == name {
			return true
		}
	}
	return false
}

// rk4 unrolls the K RK4 steps exactly as build does (same operations in
// the same order, in float32) and returns z(t_0), …, z(t_K).
func rk4(g *graph, c *models.Checkpoint, z string) []string {
	o := c.Model.ODE
	w1 := c.Tensors[models.ParamODEW1] // split into W1z (the rows of z) and W1t (t's row)
	W1z := g.floats(models.ParamODEW1+"z", []int{o.Dim, o.Hidden}, w1[:o.Dim*o.Hidden])
	w1t := g.floats(models.ParamODEW1+"t", []int{o.Hidden}, w1[o.Dim*o.Hidden:])
	b1 := g.floats(models.ParamODEB1, []int{o.Hidden}, c.Tensors[models.ParamODEB1])
	W2 := g.floats(models.ParamODEW2, []int{o.Hidden, o.Dim}, c.Tensors[models.ParamODEW2])
	b2 := g.floats(models.ParamODEB2, []int{o.Dim}, c.Tensors[models.ParamODEB2])
	field := func(z string, t float64) string {
		bias := g.op("Add", []string{g.op("Mul", []string{g.scalar(float32(t)), w1t}), b1})
		h := g.op("Tanh", []string{g.op("Add", []string{g.op("MatMul", []string{z, W1z}), bias})})
		return g.op("Add", []string{g.op("MatMul", []string{h, W2}), b2})
	}
	return rk4Steps(g, o.Steps, z, field)
}

// rk4Steps unrolls K RK4 steps of dz/dt = field(z, t) over t ∈ [0, 1]
// from z, in build's order of operations, and returns z(t_0), …, z(t_K).
// Both profiles share it; only their field differs.
func rk4Steps(g *graph, K int, z string, field func(z string, t float64) string) []string {
	axpy := func(a float64, x, y string) string {
		return g.op("Add", []string{y, g.op("Mul", []string{g.scalar(float32(a)), x})})
	}
	h := 1 / float64(K)
	states := []string{z}
	for k := 0; k < K; k++ {
		t := float64(k) * h
		k1 := field(z, t)
		k2 := field(axpy(h/2, k1, z), t+h/2)
		k3 := field(axpy(h/2, k2, z), t+h/2)
		k4 := field(axpy(h, k3, z), t+h)
		sum := g.op("Add", []string{g.op("Add", []string{k1, k4}), g.op("Mul", []string{g.scalar(2), g.op("Add", []string{k2, k3})})})
		z = axpy(h/6, sum, z)
		states = append(states, z)
	}
	return states
}

func slice(g *graph, x string, s segment) string {
	return g.op("Slice", []string{x, g.ints(int64(s.off)), g.ints(int64(s.off + s.n)), g.ints(1)})
}

// pairDistance appends the distance between matching rows of ex and ey.
func pairDistance(g *graph, c *models.Checkpoint, ex, ey string) string {
	diff := g.op("Sub", []string{ex, ey})
	if c.Model.Kind.Form() == models.FormSquared {
		return g.op("ReduceSumSquare", []string{diff}, attrInts("axes", 1), attrInt("keepdims", 0))
	}
	var total string
	for _, s := range segments(c) {
		n := g.op("ReduceL2", []string{slice(g, diff, s)}, attrInts("axes", 1), attrInt("keepdims", 0))
		term := g.op("Mul", []string{n, g.scalar(s.w)})
		if total == "" {
			total = term
		} else {
			total = g.op("Add", []string{total, term})
		}
	}
	return total
}

// WriteFiles exports c next to path (see Paths and DecoderPath) and
// returns the paths written. The set is written as a unit (see writeSet):
// every file goes to a temporary name first and all are renamed into place
// only once all are written and synced; a NAME.decoder.onnx left by an
// earlier export of another model is removed.
func WriteFiles(c *models.Checkpoint, path string) ([]string, error) {
	f, err := Export(c)
	if err != nil {
		return nil, err
	}
	e, pw, pr := Paths(path)
	out := []string{e, pw, pr}
	protos := []*onnxpb.ModelProto{f.Embed, f.Pairwise, f.Pair}
	var stale []string
	if f.Decoder != nil {
		out = append(out, DecoderPath(path))
		protos = append(protos, f.Decoder)
	} else {
		stale = append(stale, DecoderPath(path))
	}
	return out, writeSet(out, protos, stale)
}

// writeSet writes protos to paths: each to a temporary file beside its
// destination, all synced, then renamed one after the other, the main
// file (paths[0]) last. A crash between two renames can still leave a
// mixed set; every file's kenn.model_id makes ReadSet refuse it. On error
// no destination is touched (unless the error is in a rename) and every
// temporary file is removed.
func writeSet(paths []string, protos []*onnxpb.ModelProto, stale []string) error {
	pending := make([]*atomicfile.File, len(paths))
	defer func() {
		for _, f := range pending {
			if f != nil {
				f.Abort()
			}
		}
	}()
	for i, mp := range protos {
		raw, err := proto.Marshal(mp)
		if err != nil {
			return fmt.Errorf("export: %s: %w", paths[i], err)
		}
		if _, err := ParseModel(paths[i], raw); err != nil { // never write what the reader refuses
			return err
		}
		f, err := atomicfile.Create(paths[i])
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		pending[i] = f
		if _, err := f.Write(raw); err != nil {
			return fmt.Errorf("export: %s: %w", paths[i], err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("export: %s: %w", paths[i], err)
		}
	}
	for i := len(paths) - 1; i >= 0; i-- {
		if err := pending[i].Commit(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("export: removing %s, left by an earlier export: %w", p, err)
		}
	}
	return nil
}
