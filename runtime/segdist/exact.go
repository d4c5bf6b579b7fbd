package segdist

import (
	"math"

	"github.com/kenn-ot/kenn/models"
)

// Exact is the model's distance between two feature rows straight from
// its definition, in float64 with no Gram form (models.Distance on float32
// rows): Σ_l w_l·‖fx_l − fy_l‖₂ (W2, pixels) for FormWeightedNorms,
// ‖fx − fy‖₂² (W2², pixels²) for FormSquared, whose weights are ignored.
// The kernel's tiles agree with it to within the τ of the package doc.
func Exact(form models.Form, segments []int, weights []float32, fx, fy []float32) float64 {
	var total float64
	off := 0
	for l, n := range segments {
		var s float64
		for i := off; i < off+n; i++ {
			d := float64(fx[i]) - float64(fy[i])
			s += d * d
		}
		if form == models.FormSquared {
			total += s
		} else {
			total += float64(weights[l]) * math.Sqrt(s)
		}
		off += n
	}
	return total
}
