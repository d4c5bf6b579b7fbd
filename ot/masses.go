package ot

import (
	"math"
	"math/bits"
	"sort"
)

// Integer masses.
//
// The exact solver works on integer masses so that every pivot is exact.
// Two images a and b with pixel sums A and B become masses on a common
// integer total T:
//
//   - Integer-valued pixels (8- or 16-bit images, counts): a_i·(B/g) and
//     b_j·(A/g) with g = gcd(A, B) and T = A·B/g. This is an exact rescaling:
//     the LP solved is the LP of the normalized histograms, with no rounding,
//     and W2² = cost/T is exact up to the one final division.
//   - Otherwise, or when T·maxcost would not fit in 63 bits: each histogram is
//     normalized in float64 and rounded to multiples of 1/T with T = 2^k, k as
//     large as the cost bound allows (k = 51 at 28×28, 47 at 128×128), the
//     remainders distributed by the largest-remainder rule so that both sum to
//     T exactly. The marginals move by less than 2^-k per pixel, far below the
//     rounding already present in float32 or float64 input.

// scaledMasses converts a validated pair of equal-sized images to integer
// masses with equal totals. exact reports whether the rescaling was exact.
func scaledMasses(a, b Image, ma, mb []int64) (total int64, exact bool) {
	maxCost := uint64(maxGridCost(a.H, a.W))
	if maxCost == 0 {
		maxCost = 1
	}
	if sa, ok := integerSum(a.Pix); ok {
		if sb, ok := integerSum(b.Pix); ok {
			g := gcd(sa, sb)
			fa, fb := sb/g, sa/g // a scaled by fa, b by fb
			hi, t := bits.Mul64(uint64(sa), uint64(fa))
			if hi == 0 && t < 1<<62 {
				if hi2, lo := bits.Mul64(t, maxCost); hi2 == 0 && lo < 1<<62 {
					for i, v := range a.Pix {
						ma[i] = int64(v) * int64(fa)
					}
					for i, v := range b.Pix {
						mb[i] = int64(v) * int64(fb)
					}
					return int64(t), true
				}
			}
		}
	}
	k := 62 - bits.Len64(maxCost)
	if k > 52 {
		k = 52
	}
	total = int64(1) << k
	quantize(a.Pix, total, ma)
	quantize(b.Pix, total, mb)
	return total, false
}

// integerSum returns the sum of pix if every pixel is an integer below 2^32
// and the sum fits comfortably in int64.
func integerSum(pix []float64) (int64, bool) {
	var s int64
	for _, v := range pix {
		if v != math.Trunc(v) || v >= 1<<32 {
			return 0, false
		}
		s += int64(v)
	}
	return s, s > 0 && s < 1<<50
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// quantize writes round(pix/sum·total) into m so that m sums to total
// exactly (largest-remainder rounding).
func quantize(pix []float64, total int64, m []int64) {
	var sum float64
	for _, v := range pix {
		sum += v
	}
	scale := float64(total) / sum
	type rem struct {
		i int
		f float64
	}
	var rems []rem
	var acc int64
	for i, v := range pix {
		x := v * scale
		f := math.Floor(x)
		m[i] = int64(f)
		acc += m[i]
		if x > f {
			rems = append(rems, rem{i, x - f})
		}
	}
	deficit := total - acc
	if deficit == 0 {
		return
	}
	sort.Slice(rems, func(p, q int) bool {
		if rems[p].f != rems[q].f {
			return rems[p].f > rems[q].f
		}
		return rems[p].i < rems[q].i
	})
	for k := 0; deficit > 0 && k < len(rems); k++ {
		m[rems[k].i]++
		deficit--
	}
	for deficit < 0 { // float rounding pushed the floors over: take back
		for i := range m {
			if m[i] > 0 && deficit < 0 {
				m[i]--
				deficit++
			}
		}
	}
	for deficit > 0 { // no fractional parts left: add to the largest pixel
		best := 0
		for i := range m {
			if m[i] > m[best] {
				best = i
			}
		}
		m[best] += deficit
		deficit = 0
	}
}
