package snn

import (
	"fmt"
	"math"
	"strings"

	"github.com/kenn-ot/kenn/models"
)

// Kind is the kind of a stochastic neural network: the "kind" of its
// checkpoint header and the kenn.kind of its ONNX exports.
const Kind = "snn"

// Param is a named parameter tensor (the image models' type).
type Param = models.Param

// Losses.
const (
	LossW2  = "w2"  // the local empirical generalized W2² loss: a stochastic network
	LossMSE = "mse" // baseline: a deterministic network, mean squared error on every output
	LossCE  = "ce"  // baseline: deterministic, MSE on continuous outputs, cross-entropy per categorical output
)

// Model describes a stochastic neural network on tabular data: inputs x
// (standardized with InMean/InStd), dense layers whose weights and biases
// are independent Gaussians N(μ, σ²) with σ = exp(ρ) (both learned; for
// the w2 loss), and outputs y: Cont continuous columns (standardized with
// OutMean/OutStd) then the categorical outputs. A categorical output with
// K categories is K noisy scores read by argmax (w2; CatScores), K logits
// read by argmax (ce), or one real read by rounding to the nearest index
// 0..K−1, clamped (the mse baseline); the index maps to the category's code.
//
// With the w2 loss the first layer also takes Latent standard normal
// inputs z beside x (noise shared by all outputs), and, when there are
// both continuous and categorical outputs, the continuous outputs are
// shifted by a learned row per sampled category (HasShift).
//
// Sampling uses the local reparameterization: a layer's pre-activation
// given its input a is a·Wμ + bμ + √(a²·σ_W² + σ_b²) ⊙ ε, ε ~ N(0, 1),
// which is exactly the law of a·W + b for one draw of the weights per
// sample. The deterministic baselines (mse, ce) have μ only.
type Model struct {
	Inputs  []string `json:"inputs"`  // x column names
	Outputs []string `json:"outputs"` // y column names: the continuous ones, then the categorical ones
	Cont    int      `json:"cont"`    // number of continuous outputs
	// Categories lists, per categorical output, its codes in index order.
	Categories [][]float64 `json:"categories,omitempty"`
	Hidden     []int       `json:"hidden"`
	Loss       string      `json:"loss"`
	Lambda     float64     `json:"lambda"` // cost of a categorical mismatch (w2), in standardized units²
	InMean     []float64   `json:"in_mean"`
	InStd      []float64   `json:"in_std"`
	OutMean    []float64   `json:"out_mean"` // continuous outputs only
	OutStd     []float64   `json:"out_std"`
	// InitSigma is the initial σ of every weight (w2).
	InitSigma float64 `json:"init_sigma,omitempty"`
	// CatEncoding is how the w2 network's categorical outputs are read:
	// CatScores (the only one; models made before it, one rounded real
	// per categorical output, are refused).
	CatEncoding string `json:"cat_encoding,omitempty"`
	// Latent is the number of latent noise inputs z ~ N(0, 1) fed to the
	// first layer beside x (w2 only): noise shared by every output, so
	// that the network can make its continuous outputs depend on the
	// category it samples (y | c), which independent per-output weight
	// noise in the last layer cannot.
	Latent int `json:"latent,omitempty"`
}

// CatScores: K noisy scores per categorical output, read by argmax.
const CatScores = "scores"

// EpochLog is one epoch of an SNN training curve: the training local W2²
// (mean over the epoch's steps, the true indicator cost) beside the
// validation local W2², both in standardized units², so that a collapse
// of the categorical outputs (training loss falling while validation
// rises) shows.
type EpochLog struct {
	Epoch    int     `json:"epoch"`
	TrainW2  float64 `json:"train_local_w2sq"`
	ValW2    float64 `json:"val_local_w2sq"`
	LR       float64 `json:"lr"`
	Improved bool    `json:"improved,omitempty"`
	// CatSigma is the mean σ of the last layer's weights feeding the
	// categorical scores (w2; 0 without categorical outputs): the noise
	// that makes categorical variety.
	CatSigma float64 `json:"cat_sigma,omitempty"`
}

// Stochastic reports whether the network has weight noise (loss w2).
func (s *Model) Stochastic() bool { return s.Loss == LossW2 }

// OutputDim is the width of the last layer: Cont + Σ K_c scores (w2) or
// logits (ce), or Cont + one real per categorical output (mse).
func (s *Model) OutputDim() int {
	n := s.Cont
	for c := range s.Categories {
		n += s.CatWidth(c)
	}
	return n
}

// CatWidth is the number of raw outputs of categorical output c.
func (s *Model) CatWidth(c int) int {
	if s.Loss == LossMSE {
		return 1
	}
	return len(s.Categories[c])
}

// CatOffset is the index of categorical output c's first raw output.
func (s *Model) CatOffset(c int) int {
	off := s.Cont
	for i := 0; i < c; i++ {
		off += s.CatWidth(i)
	}
	return off
}

// Category reads categorical output c's index from one raw output row:
// the argmax of its scores or logits (the first on ties), or the rounded,
// clamped real of the mse baseline.
func (s *Model) Category(raw []float64, c int) int {
	off := s.CatOffset(c)
	if s.Loss == LossMSE {
		return min(max(int(math.Round(raw[off])), 0), len(s.Categories[c])-1)
	}
	idx := 0
	for i := 1; i < len(s.Categories[c]); i++ {
		if raw[off+i] > raw[off+idx] {
			idx = i
		}
	}
	return idx
}

// Widths are the layer widths from the input (x, then the latent noise)
// to the output.
func (s *Model) Widths() []int {
	return append(append([]int{len(s.Inputs) + s.Latent}, s.Hidden...), s.OutputDim())
}

// NoiseWidths are the widths of the standard normal noise matrices one
// draw takes, in order: the latent inputs z (if Latent > 0), then one per
// layer (the local reparameterization's ε); nil for a deterministic
// baseline.
func (s *Model) NoiseWidths() []int {
	if !s.Stochastic() {
		return nil
	}
	var w []int
	if s.Latent > 0 {
		w = append(w, s.Latent)
	}
	return append(w, s.Widths()[1:]...)
}

// Params lists every parameter, in a fixed order: per layer l the means
// "snn.l.Wmu" [in, out] and "snn.l.bmu" [out], and for the w2 loss the
// log-σ "snn.l.Wrho", "snn.l.brho"; then ShiftParam (HasShift).
func (s *Model) Params() []Param {
	var ps []Param
	w := s.Widths()
	for l := 0; l+1 < len(w); l++ {
		p := fmt.Sprintf("snn.%d.", l)
		ps = append(ps, Param{Name: p + "Wmu", Shape: []int{w[l], w[l+1]}}, Param{Name: p + "bmu", Shape: []int{w[l+1]}})
		if s.Stochastic() {
			ps = append(ps, Param{Name: p + "Wrho", Shape: []int{w[l], w[l+1]}}, Param{Name: p + "brho", Shape: []int{w[l+1]}})
		}
	}
	if s.HasShift() {
		ps = append(ps, Param{Name: ShiftParam, Shape: []int{s.NumScores(), s.Cont}})
	}
	return ps
}

// ShiftParam names the per-category shift of the continuous outputs.
const ShiftParam = "snn.shift"

// HasShift reports whether the continuous outputs get a learned shift per
// sampled category (w2 with both kinds of output): raw continuous outputs
// are the last layer's plus Σ_c onehot(c)·shift_c, so that y can depend on
// the category sampled (y | c) sharply.
func (s *Model) HasShift() bool {
	return s.Stochastic() && s.Cont > 0 && len(s.Categories) > 0
}

// NumScores is Σ K_c, the number of categorical scores (or logits).
func (s *Model) NumScores() int {
	n := 0
	for _, c := range s.Categories {
		n += len(c)
	}
	return n
}

// Validate checks the description for consistency.
func (s *Model) Validate() error {
	if len(s.Inputs) == 0 {
		return fmt.Errorf("snn: no inputs")
	}
	if s.Cont < 0 || s.Cont+len(s.Categories) != len(s.Outputs) || len(s.Outputs) == 0 {
		return fmt.Errorf("snn: outputs %v: %d continuous + %d categorical", s.Outputs, s.Cont, len(s.Categories))
	}
	if len(s.InMean) != len(s.Inputs) || len(s.InStd) != len(s.Inputs) || len(s.OutMean) != s.Cont || len(s.OutStd) != s.Cont {
		return fmt.Errorf("snn: standardization has the wrong lengths")
	}
	for i, c := range s.Categories {
		if len(c) < 2 {
			return fmt.Errorf("snn: categorical output %s has %d categories; need at least 2", s.Outputs[s.Cont+i], len(c))
		}
	}
	for _, h := range s.Hidden {
		if h <= 0 {
			return fmt.Errorf("snn: hidden width %d", h)
		}
	}
	switch s.Loss {
	case LossW2, LossMSE, LossCE:
	default:
		return fmt.Errorf("snn: loss %q (want w2, mse or ce)", s.Loss)
	}
	if s.Loss == LossCE && len(s.Categories) == 0 {
		return fmt.Errorf("snn: the ce baseline needs a categorical output")
	}
	if !(s.Lambda >= 0) {
		return fmt.Errorf("snn: λ %v", s.Lambda)
	}
	if s.Latent < 0 || (s.Latent > 0 && !s.Stochastic()) {
		return fmt.Errorf("snn: a network with %d latent inputs and the %s loss (latent noise is for w2 only)", s.Latent, s.Loss)
	}
	if s.Loss == LossW2 && len(s.Categories) > 0 && s.CatEncoding != CatScores {
		return fmt.Errorf("snn: categorical encoding %q: this model reads each categorical output as one rounded real (made by an older kenn); retrain it (categorical outputs are now %q: K noisy scores read by argmax)", s.CatEncoding, CatScores)
	}
	return nil
}

// CategoryIndex returns the index of code in categorical output c, or an
// error naming the declared set.
func (s *Model) CategoryIndex(c int, code float64) (int, error) {
	for i, v := range s.Categories[c] {
		if v == code {
			return i, nil
		}
	}
	parts := make([]string, len(s.Categories[c]))
	for i, v := range s.Categories[c] {
		parts[i] = fmt.Sprint(v)
	}
	return 0, fmt.Errorf("%s = %v is not one of the declared categories {%s}", s.Outputs[s.Cont+c], code, strings.Join(parts, ", "))
}

// Decode maps one raw output row (standardized continuous values, then
// each categorical output's raw columns, see Category) to y in data units:
// continuous values unstandardized, categories mapped to their codes.
func (s *Model) Decode(raw []float64) []float64 {
	y := make([]float64, len(s.Outputs))
	for k := 0; k < s.Cont; k++ {
		y[k] = raw[k]*s.OutStd[k] + s.OutMean[k]
	}
	for c, codes := range s.Categories {
		y[s.Cont+c] = codes[s.Category(raw, c)]
	}
	return y
}

// NumParams counts every parameter value.
func (s *Model) NumParams() int {
	n := 0
	for _, p := range s.Params() {
		n += p.Size()
	}
	return n
}
