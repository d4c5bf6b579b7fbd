package export

import (
	"math"

	"github.com/kenn-ot/kenn/export/onnxpb"
	"github.com/kenn-ot/kenn/models"
)

// roundingFloor is k for a segment of n features: a squared distance
// ‖a‖² + ‖b‖² − 2·a·b computed in float32 with |value| < k·(‖a‖² + ‖b‖²)
// cannot be told from 0. Its rounding error is a sum of about n roundings
// of random sign, so of order √n·2⁻²⁴ relative; k = (√n + 2)·2⁻²² is about
// ten standard deviations of the difference between two such sums (the
// Gram form of a row with itself).
func roundingFloor(n int) float32 { return float32((math.Sqrt(float64(n)) + 2) * 0x1p-22) }

// pairwise appends the Gram-form distance matrix between a and b. The
// segment weights are folded into the features first (w·‖x−y‖ = ‖w·x −
// w·y‖ for w > 0), and each segment's squared distances come out of one
// Gemm: −2·a_l·b_lᵀ + ‖a_l‖², plus ‖b_l‖².
func pairwise(g *graph, c *models.Checkpoint, a, b string) string {
	segs := segments(c)
	kenn := c.Model.Kind != models.KindDWE
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
	zero := g.scalar(0)
	var total string
	for _, s := range segs {
		al, bl := a, b
		if s.n != F {
			al, bl = slice(g, a, s), slice(g, b, s)
		}
		sqa := g.op("ReduceSumSquare", []string{al}, attrInts("axes", 1), attrInt("keepdims", 1))
		sqb := g.op("Transpose", []string{g.op("ReduceSumSquare", []string{bl}, attrInts("axes", 1), attrInt("keepdims", 1))}, attrInts("perm", 1, 0))
		cross := g.op("Gemm", []string{al, bl, sqa}, attrInt("transB", 1), &onnxpb.AttributeProto{Name: "alpha", Type: onnxpb.AttributeProto_FLOAT, F: -2})
		d2 := g.op("Add", []string{cross, sqb})
		// A squared distance below the float32 rounding of this form,
		// k·(‖a‖² + ‖b‖²), is noise and is returned as 0: identical rows
		// give exactly 0, every other value is the form's own.
		k := g.scalar(roundingFloor(s.n))
		floor := g.op("Add", []string{g.op("Mul", []string{sqa, k}), g.op("Mul", []string{sqb, k})})
		term := g.op("Where", []string{g.op("Less", []string{d2, floor}), zero, d2})
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
