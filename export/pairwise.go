package export

import (
	"math"

	"github.com/kenn-ot/kenn/internal/onnxpb"
	"github.com/kenn-ot/kenn/models"
)

// pairwise appends the distance matrix between a and b. The segment
// weights are folded into the features first (w·‖x−y‖ = ‖w·x − w·y‖ for
// w > 0), and both sides are centred on the mean row of a. Each segment's
// squared distances are one Gemm of the augmented rows
//
//	â = (−2·a_l, ‖a_l‖², 1),   b̂ = (b_l, 1, ‖b_l‖²),   â·b̂ = ‖a_l − b_l‖²,
//
// that onnxruntime fuses with the Relu clipping its rounding below 0
// (FusedGemm); then a Sqrt (not for dwe, whose distance is the square)
// and an Add into the total: three sweeps of the N×M tile per segment,
// where the Gram form with its own per-segment floor took about ten.
// The augmented rows of a run of segments of one length (a group) come
// from one ReduceSumSquare, one Concat and one Split.
//
// Exact zeros: the Gram form of segment l cannot tell a squared distance
// below f_l = k·(‖a_l‖² + ‖b_l‖²) from 0 (k = models.GramFloor(n)), so a row
// and itself give Σ_l √(Relu(e_l)) with |e_l| < f_l, at most Σ_l √f_l ≤
// τ = Σ_l √k·‖a_l‖ + Σ_l √k·‖b_l‖ (and at most 1/√2 of τ, as ‖a_l‖ = ‖b_l‖
// there). τ is a row term plus a column term, so the one floor
// Where(total < τ, 0, total) sweeps the N×M result three times in all,
// not per segment: identical rows give exactly 0, a distance below τ (the
// form's rounding summed over the segments) gives 0, and every other value
// is the form's own. For dwe, τ = k·(‖a‖² + ‖b‖²).
//
// A batched product of all segments at once ([S, N, n+2] × [S, n+2, M])
// sweeps the tile fewer times but holds S tiles at once, which leaves the
// cache (27 MB for a 512² tile of the shipped ensemble): measured slower.
func pairwise(g *graph, c *models.Checkpoint, a, b string) string {
	segs := segments(c)
	kenn := c.Model.Kind.Form() == models.FormWeightedNorms
	if kenn {
		var w []float32
		for _, s := range segs {
			for i := 0; i < s.n; i++ {
				w = append(w, s.w)
			}
		}
		wv := g.floats(g.name("segment_weights"), []int{len(w)}, w)
		a = g.op("Mul", []string{a, wv})
		b = g.op("Mul", []string{b, wv})
	}
	F := 0
	for _, s := range segs {
		F += s.n
	}
	// Centre both sides on the mean row of a: distances are unchanged,
	// and the Gram form's rounding, proportional to ‖a‖² + ‖b‖², shrinks
	// from the features' magnitude to their spread.
	centre := g.op("ReduceMean", []string{a}, attrInts("axes", 0), attrInt("keepdims", 1))
	a = g.op("Sub", []string{a, centre})
	b = g.op("Sub", []string{b, centre})
	one := &onnxpb.AttributeProto{Name: "value", Type: onnxpb.AttributeProto_TENSOR, T: &onnxpb.TensorProto{
		Dims: []int64{1}, DataType: int32(onnxpb.TensorProto_FLOAT), FloatData: []float32{1}}}
	sum := func(x, y string) string {
		if x == "" {
			return y
		}
		return g.op("Add", []string{x, y})
	}
	var total, tauA, tauB string // [N, M], [N, 1], [M, 1]
	for _, gr := range segmentGroups(segs) {
		S, n, k := int64(gr.count), int64(gr.n), models.GramFloor(gr.n)
		// augment returns the group's augmented rows, one [rows, n+2]
		// per segment, and its part of τ, [rows, 1]; x is a or b.
		augment := func(x string, normFirst bool) ([]string, string) {
			if gr.n*gr.count != F {
				x = slice(g, x, segment{off: gr.off, n: gr.n * gr.count})
			}
			axis := int64(1)
			if S > 1 { // [rows, S·n] → [rows, S, n]
				x = g.op("Reshape", []string{x, g.ints(-1, S, n)})
				axis = 2
			}
			sq := g.op("ReduceSumSquare", []string{x}, attrInts("axes", axis), attrInt("keepdims", 1))
			ones := g.op("ConstantOfShape", []string{g.op("Shape", []string{sq})}, one)
			parts := []string{x, ones, sq}
			if normFirst {
				parts = []string{g.op("Mul", []string{x, g.scalar(-2)}), sq, ones}
			}
			h := g.op("Concat", parts, attrInt("axis", axis))
			tau := g.op("Mul", []string{sq, g.scalar(k)})
			if kenn {
				tau = g.op("Mul", []string{g.op("Sqrt", []string{sq}), g.scalar(float32(math.Sqrt(float64(k))))})
			}
			if S == 1 {
				return []string{h}, tau
			}
			h = g.op("Reshape", []string{h, g.ints(-1, S*(n+2))})
			return g.opN("Split", []string{h}, int(S), attrInt("axis", 1)),
				g.op("ReduceSum", []string{tau, g.ints(1)}, attrInt("keepdims", 0))
		}
		ha, ta := augment(a, true)
		hb, tb := augment(b, false)
		for l := range ha {
			term := g.op("Relu", []string{g.op("Gemm", []string{ha[l], hb[l]}, attrInt("transB", 1))})
			if kenn {
				term = g.op("Sqrt", []string{term})
			}
			total = sum(total, term)
		}
		tauA, tauB = sum(tauA, ta), sum(tauB, tb)
	}
	tau := g.op("Add", []string{tauA, g.op("Transpose", []string{tauB}, attrInts("perm", 1, 0))})
	return g.op("Where", []string{g.op("Less", []string{total, tau}), g.scalar(0), total})
}

// segmentGroup is a run of count consecutive segments of n features each,
// the first at feature off.
type segmentGroup struct{ off, n, count int }

// segmentGroups splits segs into runs of equal length.
func segmentGroups(segs []segment) []segmentGroup {
	var out []segmentGroup
	for _, s := range segs {
		if k := len(out) - 1; k >= 0 && out[k].n == s.n && out[k].off+out[k].n*out[k].count == s.off {
			out[k].count++
			continue
		}
		out = append(out, segmentGroup{off: s.off, n: s.n, count: 1})
	}
	return out
}
