package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Interval is a two-sided confidence interval of a score: the percentile
// bootstrap interval [Lo, Hi] at Level (0.95 for 95%), beside the score
// itself (Value, computed on the data as they are).
type Interval struct {
	Value, Lo, Hi, Level float64
}

func (iv Interval) String() string {
	return fmt.Sprintf("%.4g [%.4g, %.4g]", iv.Value, iv.Lo, iv.Hi)
}

// Bootstrapped holds the scores of an evaluation with their intervals.
type Bootstrapped struct {
	Pearson, RelMSE Interval // on W2²
	// KNNRecall is recall@K, or the zero Interval with Value NaN when the
	// pairs are not all pairs of a set.
	KNNRecall Interval
	K         int
	Reps      int
}

// BootstrapImages computes Pearson, relative MSE (both on W2²) and, when
// the pairs are all pairs of their images, kNN recall@k, each with a
// percentile interval from reps bootstrap resamples of the images.
//
// The images are resampled, not the pairs: pairs that share an image are
// not independent, and resampling pairs would make the intervals too
// narrow. In a resample where image a is drawn c_a times, the pair (a, b)
// counts c_a·c_b times, and the recall of image a counts c_a times.
// p and t are on the W2² scale; i and j are the pairs' image indices.
func BootstrapImages(i, j []int, p, t []float64, k, reps int, level float64, seed uint64) (Bootstrapped, error) {
	if len(i) != len(j) || len(i) != len(p) || len(p) != len(t) {
		return Bootstrapped{}, fmt.Errorf("metrics: %d, %d, %d and %d pair indices and values", len(i), len(j), len(p), len(t))
	}
	if len(p) < 3 {
		return Bootstrapped{}, fmt.Errorf("metrics: %d pairs: a bootstrap needs at least 3", len(p))
	}
	if reps < 10 || !(level > 0 && level < 1) {
		return Bootstrapped{}, fmt.Errorf("metrics: bootstrap with %d resamples at level %g: want at least 10 and a level in (0, 1)", reps, level)
	}
	// Images are renumbered 0..n-1 in order of first appearance.
	index := map[int]int{}
	a := make([]int, len(i))
	b := make([]int, len(j))
	for q := range i {
		for _, pr := range []struct {
			v   int
			dst *int
		}{{i[q], &a[q]}, {j[q], &b[q]}} {
			id, ok := index[pr.v]
			if !ok {
				id = len(index)
				index[pr.v] = id
			}
			*pr.dst = id
		}
	}
	n := len(index)
	full := Compute(p, t)
	out := Bootstrapped{Reps: reps, K: k,
		Pearson: Interval{Value: full.Pearson, Level: level}, RelMSE: Interval{Value: full.RelMSE, Level: level},
		KNNRecall: Interval{Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Level: level}}
	per, ids, haveKNN := KNNRecallPerImage(i, j, p, t, k)
	if haveKNN {
		var s float64
		for _, r := range per {
			s += r
		}
		out.KNNRecall.Value = s / float64(len(per))
	}
	rng := rand.New(rand.NewPCG(seed, 0x6b656e6e))
	c := make([]float64, n)
	pear := make([]float64, 0, reps)
	rel := make([]float64, 0, reps)
	knn := make([]float64, 0, reps)
	for r := 0; r < reps; r++ {
		clear(c)
		for d := 0; d < n; d++ {
			c[rng.IntN(n)]++
		}
		var sw, sp, st float64
		for q := range p {
			w := c[a[q]] * c[b[q]]
			sw += w
			sp += w * p[q]
			st += w * t[q]
		}
		if sw == 0 {
			continue // no pair in this resample: it says nothing
		}
		mp, mt := sp/sw, st/sw
		var sxy, sxx, syy, se, stt float64
		for q := range p {
			w := c[a[q]] * c[b[q]]
			if w == 0 {
				continue
			}
			x, y := p[q]-mp, t[q]-mt
			sxy += w * x * y
			sxx += w * x * x
			syy += w * y * y
			e := p[q] - t[q]
			se += w * e * e
			stt += w * t[q] * t[q]
		}
		if sxx > 0 && syy > 0 {
			pear = append(pear, sxy/math.Sqrt(sxx*syy))
		}
		if stt > 0 {
			rel = append(rel, se/stt)
		}
		if haveKNN {
			var s, cw float64
			for x, id := range ids {
				w := c[index[id]]
				s += w * per[x]
				cw += w
			}
			knn = append(knn, s/cw)
		}
	}
	out.Pearson.Lo, out.Pearson.Hi = percentiles(pear, level)
	out.RelMSE.Lo, out.RelMSE.Hi = percentiles(rel, level)
	if haveKNN {
		out.KNNRecall.Lo, out.KNNRecall.Hi = percentiles(knn, level)
	}
	return out, nil
}

// percentiles returns the (1−level)/2 and (1+level)/2 quantiles of v
// (NaN for an empty v), sorting v.
func percentiles(v []float64, level float64) (lo, hi float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	sort.Float64s(v)
	q := func(f float64) float64 {
		x := f * float64(len(v)-1)
		i := int(math.Floor(x))
		if i+1 >= len(v) {
			return v[len(v)-1]
		}
		return v[i] + (x-float64(i))*(v[i+1]-v[i])
	}
	return q((1 - level) / 2), q((1 + level) / 2)
}

// intervalJSON is Interval in JSON, with null for an undefined (NaN) bound.
type intervalJSON struct {
	Value, Lo, Hi *float64
	Level         float64
}

// MarshalJSON writes NaN (an undefined score) as null.
func (iv Interval) MarshalJSON() ([]byte, error) {
	opt := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(intervalJSON{Value: opt(iv.Value), Lo: opt(iv.Lo), Hi: opt(iv.Hi), Level: iv.Level})
}

// UnmarshalJSON reads null as NaN.
func (iv *Interval) UnmarshalJSON(b []byte) error {
	var j intervalJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	get := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*iv = Interval{Value: get(j.Value), Lo: get(j.Lo), Hi: get(j.Hi), Level: j.Level}
	return nil
}
