// Package latent does geometry in a Wasserstein embedding, where squared
// Euclidean distance approximates W2² (DWE): weighted barycenters,
// interpolations and principal geodesics are linear operations on feature
// vectors, decoded back to images by the model's decoder (runtime.Decode).
//
// Features are dataset.Features: float32 rows [N, F], row-major, as
// runtime.Embed computes them. Inputs of the wrong length are programmer
// errors and panic; data problems (an empty class, NaN) are errors.
//
// Beside the embedding's geometry, the exact one it approximates
// (compare.go; W2² in pixel² between unit-mass images): CompareBarycenter
// (a decoded barycenter and the Euclidean mean against the ot engine's
// debiased entropic barycenter), CompareClass (the same for a class's
// features through a Decoder, with the reconstruction error),
// ReconstructionW2Sq (the decoder's own error), CompareInterpolation (a decoded path against McCann's exact
// displacement interpolation, ot.DisplacementInterpolation); and
// PixelPCA (pca.go), Euclidean PCA of unit-mass pixels, the linear
// baseline of PrincipalGeodesics.
package latent

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/kenn-ot/kenn/dataset"
)

// Barycenter is Σ_i w_i·f_i / Σ_i w_i over the given rows of f; nil
// weights are uniform.
func Barycenter(f dataset.Features, rows []int, weights []float64) ([]float32, error) {
	if err := f.Check(); err != nil {
		panic("latent: " + err.Error())
	}
	F := f.F
	if len(rows) == 0 {
		return nil, fmt.Errorf("latent: barycenter of no rows")
	}
	if weights != nil && len(weights) != len(rows) {
		panic("latent: one weight per row")
	}
	acc := make([]float64, F)
	total := 0.0
	for k, r := range rows {
		w := 1.0
		if weights != nil {
			w = weights[k]
		}
		if !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("latent: weight %d is %v, must be non-negative", k, w)
		}
		total += w
		for c := 0; c < F; c++ {
			acc[c] += w * float64(f.Data[r*F+c])
		}
	}
	if total == 0 {
		return nil, fmt.Errorf("latent: weights sum to 0")
	}
	out := make([]float32, F)
	for c := range out {
		out[c] = float32(acc[c] / total)
	}
	return out, nil
}

// ClassBarycenters returns the sorted distinct labels and, for each, the
// uniform barycenter of its rows.
func ClassBarycenters(f dataset.Features, labels []int) ([]int, [][]float32, error) {
	if len(labels) != f.N {
		return nil, nil, fmt.Errorf("latent: %d labels for %d feature rows", len(labels), f.N)
	}
	byClass := map[int][]int{}
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	classes := make([]int, 0, len(byClass))
	for l := range byClass {
		classes = append(classes, l)
	}
	sort.Ints(classes)
	out := make([][]float32, len(classes))
	for k, l := range classes {
		b, err := Barycenter(f, byClass[l], nil)
		if err != nil {
			return nil, nil, err
		}
		out[k] = b
	}
	return classes, out, nil
}

// Interpolate returns (1−α)·a + α·b for each α.
func Interpolate(a, b []float32, alphas []float64) [][]float32 {
	if len(a) != len(b) {
		panic("latent: interpolating rows of different lengths")
	}
	out := make([][]float32, len(alphas))
	for k, al := range alphas {
		row := make([]float32, len(a))
		for c := range a {
			row[c] = float32((1-al)*float64(a[c]) + al*float64(b[c]))
		}
		out[k] = row
	}
	return out
}

// Geodesics are the principal directions of a set of features: Mean,
// unit Components (largest variance first) and their standard deviations
// Sigma, in feature units.
type Geodesics struct {
	Mean       []float32
	Components [][]float32
	Sigma      []float64
	// Explained is each component's share of the total variance.
	Explained []float64
}

// PrincipalGeodesics is principal component analysis of the rows of f,
// keeping k components: in a Wasserstein embedding, lines along them
// decode to principal geodesics (DWE, section 4).
func PrincipalGeodesics(f dataset.Features, k int) (*Geodesics, error) {
	if err := f.Check(); err != nil {
		panic("latent: " + err.Error())
	}
	n, F := f.N, f.F
	if k < 1 || k > F || k >= n {
		return nil, fmt.Errorf("latent: %d components from %d rows of %d features", k, n, F)
	}
	x := mat.NewDense(n, F, nil)
	for i := 0; i < n; i++ {
		for c := 0; c < F; c++ {
			v := float64(f.Data[i*F+c])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("latent: row %d, feature %d is %v", i, c, v)
			}
			x.Set(i, c, v)
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		return nil, fmt.Errorf("latent: principal component analysis failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	total := 0.0
	for _, v := range vars {
		total += v
	}
	g := &Geodesics{Mean: make([]float32, F)}
	for c := 0; c < F; c++ {
		g.Mean[c] = float32(mat.Sum(x.ColView(c)) / float64(n))
	}
	for j := 0; j < k; j++ {
		comp := make([]float32, F)
		for c := 0; c < F; c++ {
			comp[c] = float32(vecs.At(c, j))
		}
		g.Components = append(g.Components, comp)
		g.Sigma = append(g.Sigma, math.Sqrt(vars[j]))
		g.Explained = append(g.Explained, vars[j]/total)
	}
	return g, nil
}

// Walk returns Mean + s·Sigma[c]·Components[c] for each s.
func (g *Geodesics) Walk(c int, steps []float64) [][]float32 {
	out := make([][]float32, len(steps))
	for k, s := range steps {
		row := make([]float32, len(g.Mean))
		for i := range row {
			row[i] = g.Mean[i] + float32(s*g.Sigma[c])*g.Components[c][i]
		}
		out[k] = row
	}
	return out
}

// Flatten concatenates rows into one [len(rows), F] slice.
func Flatten(rows [][]float32) []float32 {
	var out []float32
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
