// Package metrics scores predicted W2 distances against exact ones, in the
// conventions of the DWE and KENN papers.
//
// All inputs are on the W2² scale (pixel² units). MSE is the mean squared
// error; relative MSE is Σ(p − t)² / Σ t²; both are also reported on the
// W2 scale (square roots). Pearson and Spearman correlations are on W2².
// kNN recall@k is the mean, over the images of an all-pairs set, of the
// fraction of their k exact nearest neighbours that the prediction also
// puts among its k nearest.
package metrics

import (
	"math"
	"sort"
)

// Result holds the scores of one evaluation.
type Result struct {
	N                 int     `json:"pairs"`
	MSE, RelMSE       float64 // on W2²
	MSEW2, RelMSEW2   float64 // on W2
	Pearson, Spearman float64 // on W2²
	KNNRecall         float64 // NaN when the pairs are not all pairs of a set
	K                 int
	PairsPerSecond    float64
	TargetMSE         float64 // MSE on the model's own target scale
}

// Map returns the scores by name, for checkpoints and JSON.
func (r Result) Map() map[string]float64 {
	m := map[string]float64{
		"pairs": float64(r.N), "mse_w2sq": r.MSE, "rel_mse_w2sq": r.RelMSE, "mse_w2": r.MSEW2, "rel_mse_w2": r.RelMSEW2,
		"pearson": r.Pearson, "spearman": r.Spearman, "pairs_per_s": r.PairsPerSecond, "target_mse": r.TargetMSE,
	}
	if !math.IsNaN(r.KNNRecall) {
		m["knn_recall"] = r.KNNRecall
		m["knn_k"] = float64(r.K)
	}
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(m, k) // undefined (e.g. a constant prediction): omitted
		}
	}
	return m
}

// Compute scores predictions p against exact values t, both W2².
func Compute(p, t []float64) Result {
	r := Result{N: len(p), KNNRecall: math.NaN()}
	var se, st, se2, st2 float64
	for i := range p {
		d := p[i] - t[i]
		se += d * d
		st += t[i] * t[i]
		a, b := math.Sqrt(math.Max(p[i], 0)), math.Sqrt(math.Max(t[i], 0))
		se2 += (a - b) * (a - b)
		st2 += b * b
	}
	n := float64(len(p))
	r.MSE, r.RelMSE = se/n, se/st
	r.MSEW2, r.RelMSEW2 = se2/n, se2/st2
	r.Pearson = Pearson(p, t)
	r.Spearman = Pearson(ranks(p), ranks(t))
	return r
}

// Pearson is the sample correlation of x and y.
func Pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		a, b := x[i]-mx, y[i]-my
		sxy += a * b
		sxx += a * a
		syy += b * b
	}
	return sxy / math.Sqrt(sxx*syy)
}

// ranks returns average ranks (ties share their mean rank).
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j) / 2
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

// KNNRecall computes recall@k when the pairs (i, j) cover every pair of
// their images; ok is false otherwise.
func KNNRecall(i, j []int, p, t []float64, k int) (recall float64, ok bool) {
	per, _, ok := KNNRecallPerImage(i, j, p, t, k)
	if !ok {
		return math.NaN(), false
	}
	var sum float64
	for _, r := range per {
		sum += r
	}
	return sum / float64(len(per)), true
}

// KNNRecallPerImage is recall@k of every image of an all-pairs set: per[a]
// is the fraction of image ids[a]'s k exact nearest neighbours that the
// prediction also puts among its k nearest (ids in order of first
// appearance in the pairs). ok is false when the pairs are not all pairs of
// at least k+1 images.
func KNNRecallPerImage(i, j []int, p, t []float64, k int) (per []float64, ids []int, ok bool) {
	index := map[int]int{}
	for q := range i {
		for _, v := range []int{i[q], j[q]} {
			if _, seen := index[v]; !seen {
				index[v] = len(ids)
				ids = append(ids, v)
			}
		}
	}
	n := len(ids)
	if n < k+1 || len(i) != n*(n-1)/2 {
		return nil, nil, false
	}
	P := make([][]float64, n)
	T := make([][]float64, n)
	for a := range P {
		P[a] = make([]float64, n)
		T[a] = make([]float64, n)
	}
	have := 0
	for q := range i {
		a, b := index[i[q]], index[j[q]]
		if a == b || T[a][b] != 0 {
			continue
		}
		P[a][b], P[b][a], T[a][b], T[b][a] = p[q], p[q], t[q]+1e-300, t[q]+1e-300
		have++
	}
	if have != n*(n-1)/2 {
		return nil, nil, false
	}
	top := func(row []float64, self int) map[int]bool {
		idx := make([]int, 0, n-1)
		for c := range row {
			if c != self {
				idx = append(idx, c)
			}
		}
		sort.SliceStable(idx, func(x, y int) bool { return row[idx[x]] < row[idx[y]] })
		s := map[int]bool{}
		for _, c := range idx[:k] {
			s[c] = true
		}
		return s
	}
	per = make([]float64, n)
	for a := 0; a < n; a++ {
		tp, pp := top(T[a], a), top(P[a], a)
		hit := 0
		for c := range tp {
			if pp[c] {
				hit++
			}
		}
		per[a] = float64(hit) / float64(k)
	}
	return per, ids, true
}
