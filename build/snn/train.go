package snn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/gtrain"
	"github.com/kenn-ot/kenn/models"
	msnn "github.com/kenn-ot/kenn/models/snn"
	"github.com/kenn-ot/kenn/ot"
)

// Spec chooses the columns and shape of a new SNN.
type Spec struct {
	X, Y []string // input columns; output columns (continuous and categorical, any order)
	// Categorical names the categorical outputs, each with its declared
	// codes (nil: the codes seen in the training table).
	Categorical map[string][]float64
	Hidden      []int   // default 64, 64
	Loss        string  // w2 (default), mse or ce
	Lambda      float64 // categorical mismatch cost; default 1
	InitSigma   float64 // default 0.01
	// Latent is the number of latent noise inputs (w2): 0 takes the
	// default, 2; negative: none.
	Latent int
}

// NewModel describes an SNN for rows x → y with standardization taken
// from the training data. Outputs are reordered: continuous first.
func NewModel(x, y [][]float64, spec Spec) (*msnn.Model, error) {
	if len(x) == 0 || len(x) != len(y) {
		return nil, fmt.Errorf("snn: %d input rows and %d output rows", len(x), len(y))
	}
	s := &msnn.Model{Inputs: spec.X, Hidden: spec.Hidden, Loss: spec.Loss, Lambda: spec.Lambda, InitSigma: spec.InitSigma}
	if s.Hidden == nil {
		s.Hidden = []int{64, 64}
	}
	if s.Loss == "" {
		s.Loss = msnn.LossW2
	}
	if s.Lambda == 0 {
		s.Lambda = 1
	}
	if s.InitSigma == 0 {
		s.InitSigma = 0.01
	}
	if s.Loss == msnn.LossW2 {
		s.CatEncoding = msnn.CatScores
		s.Latent = spec.Latent
		if s.Latent == 0 {
			s.Latent = 2
		}
		s.Latent = max(s.Latent, 0)
	}
	for k := range spec.X {
		m, sd := colStats(x, k)
		s.InMean, s.InStd = append(s.InMean, m), append(s.InStd, sd)
	}
	var cat []string
	for k, name := range spec.Y {
		if _, ok := spec.Categorical[name]; ok {
			cat = append(cat, name)
			continue
		}
		m, sd := colStats(y, k)
		s.Outputs = append(s.Outputs, name)
		s.OutMean, s.OutStd = append(s.OutMean, m), append(s.OutStd, sd)
		s.Cont++
	}
	for name := range spec.Categorical {
		found := false
		for _, n := range spec.Y {
			found = found || n == name
		}
		if !found {
			return nil, fmt.Errorf("snn: categorical column %q is not one of the outputs %v", name, spec.Y)
		}
	}
	for _, name := range cat {
		codes := spec.Categorical[name]
		if codes == nil {
			k := indexOf(spec.Y, name)
			set := map[float64]bool{}
			for _, r := range y {
				set[r[k]] = true
			}
			for v := range set {
				codes = append(codes, v)
			}
			sort.Float64s(codes)
		}
		s.Outputs = append(s.Outputs, name)
		s.Categories = append(s.Categories, codes)
	}
	return s, s.Validate()
}

func indexOf(names []string, n string) int {
	for i, v := range names {
		if v == n {
			return i
		}
	}
	return -1
}

func colStats(rows [][]float64, k int) (float64, float64) {
	var s, ss float64
	for _, r := range rows {
		s += r[k]
	}
	mean := s / float64(len(rows))
	for _, r := range rows {
		ss += (r[k] - mean) * (r[k] - mean)
	}
	sd := math.Sqrt(ss / float64(len(rows)))
	if sd == 0 {
		sd = 1
	}
	return mean, sd
}

// Data is a table already split into x and y columns (in the model's
// declared order, see SNNRows).
type Data struct {
	X, Y [][]float64
}

// encoded is data in model space: standardized x; y as standardized
// continuous values then category indices.
type encoded struct {
	x, y [][]float64
}

// encode checks and maps raw rows to model space; y columns are given in
// the order of names (the table's), reordered to the model's.
func encode(s *msnn.Model, d Data, names []string, source string) (*encoded, error) {
	e := &encoded{}
	order := make([]int, len(s.Outputs))
	for k, o := range s.Outputs {
		order[k] = indexOf(names, o)
		if order[k] < 0 {
			return nil, fmt.Errorf("%s: no output column %q", source, o)
		}
	}
	for i := range d.X {
		if len(d.X[i]) != len(s.Inputs) {
			return nil, fmt.Errorf("%s: row %d has %d inputs, the model takes %d", source, i, len(d.X[i]), len(s.Inputs))
		}
		xr := make([]float64, len(s.Inputs))
		for k, v := range d.X[i] {
			xr[k] = (v - s.InMean[k]) / s.InStd[k]
		}
		yr := make([]float64, len(s.Outputs))
		for k := range s.Outputs {
			v := d.Y[i][order[k]]
			if k < s.Cont {
				yr[k] = (v - s.OutMean[k]) / s.OutStd[k]
				continue
			}
			idx, err := s.CategoryIndex(k-s.Cont, v)
			if err != nil {
				return nil, fmt.Errorf("%s: data row %d (line %d): %w", source, i, i+2, err)
			}
			yr[k] = float64(idx)
		}
		e.x, e.y = append(e.x, xr), append(e.y, yr)
	}
	return e, nil
}

// neighbourhoods returns, for each row, its m nearest rows in x (itself
// first); with delta > 0, only rows within delta (standardized units)
// count, and a row with no other row within delta is an error.
func neighbourhoods(x [][]float64, m int, delta float64, source string) ([][]int, error) {
	n := len(x)
	if m > n {
		m = n
	}
	out := make([][]int, n)
	type nd struct {
		i int
		d float64
	}
	less := func(a, b nd) bool { return a.d < b.d || (a.d == b.d && a.i < b.i) }
	buf := make([]nd, 0, m) // the m nearest so far, sorted by (distance, index)
	for i := range x {
		buf = buf[:0]
		for j := range x {
			s := 0.0
			for k := range x[i] {
				t := x[i][k] - x[j][k]
				s += t * t
			}
			c := nd{j, s}
			if len(buf) == m && !less(c, buf[m-1]) {
				continue
			}
			if len(buf) < m {
				buf = append(buf, c)
			} else {
				buf[m-1] = c
			}
			for p := len(buf) - 1; p > 0 && less(buf[p], buf[p-1]); p-- {
				buf[p], buf[p-1] = buf[p-1], buf[p]
			}
		}
		var nb []int
		for _, c := range buf {
			if delta > 0 && c.d > delta*delta {
				break
			}
			nb = append(nb, c.i)
		}
		if len(nb) < 2 {
			return nil, fmt.Errorf("%s: the neighbourhood of data row %d (line %d) is empty: no other row within δ = %g (standardized inputs)", source, i, i+2, delta)
		}
		out[i] = nb
	}
	return out, nil
}

// Options configures Train. Zero values take the defaults.
type Options struct {
	Epochs    int     // default 200
	Centers   int     // neighbourhoods per step, default 8
	Neighbors int     // samples per neighbourhood, default 32
	Delta     float64 // if positive, neighbourhoods are within δ (standardized x)
	LR        float64 // default 1e-3
	Seed      uint64
	Patience  int // early stopping on the validation local W2², default 40
	// LRPatience: the learning rate halves after every LRPatience epochs
	// without validation gain (default 10; negative: never).
	LRPatience int
	Out        string
	// OnEpoch, if set, is called after every epoch with its line of the
	// training curve (also written to Out+CurveSuffix).
	OnEpoch func(msnn.EpochLog)
	// EpochDone, if set, is called after every epoch with the same
	// figures as OnEpoch.
	EpochDone func(epoch int, trainLoss, valLoss float64, improved bool)
	// Notice, if set, receives what the run does differently from what
	// was asked (a validation table smaller than a neighbourhood).
	Notice func(msg string)
}

// maxBatch is the most rows one training step takes (Options.Centers ×
// Options.Neighbors): a step holds every row's activations and
// gradients in every layer, gigabytes at this many rows of 64 units.
const maxBatch = 1 << 20

// TrainSuffix is appended to Options.Out for the resumable state.
const TrainSuffix = gtrain.TrainSuffix

// ErrInterrupted is returned when training stops before its end; the
// state is saved and the same call resumes it.
var ErrInterrupted = gtrain.ErrInterrupted

// CurveSuffix names the training curve written beside an SNN checkpoint:
// one CSV line per epoch (msnn.EpochLog's fields).
const CurveSuffix = ".curve.csv"

// Train trains m on train with early stopping on val (both
// with y columns named as in names) and writes the best weights to
// opt.Out; state goes to opt.Out+".train" every epoch and a rerun resumes.
// The training curve (training and validation local W2² per epoch) goes
// to opt.Out+CurveSuffix.
//
// Every step takes Centers random rows and their neighbourhoods (Neighbors
// nearest rows in x). For the w2 loss, the model draws one sample at each
// neighbourhood row's x; the observed y and the samples are two equal-size
// point clouds, and the loss value is their W2² under the generalized cost
// (ot.Mixed: squared distance on standardized continuous outputs, λ per
// categorical mismatch; exact assignment), averaged over the
// neighbourhoods. The indicator has no gradient; in its place (the
// detach: the indicator is the value reported and minimized) the
// categorical scores get the gradient of λ·(s_win − s_t), the hinge
// distance to the target cell t, for exactly the samples that
// categoricalPushes selects: the excess samples of over-represented
// categories, those closest to the cell of an under-represented one, each
// move shared with a mirror across the boundary. No sample of a correctly
// represented category gets any categorical gradient, so nothing pulls
// the noise that makes categorical variety to zero. The continuous
// outputs get the exact gradient of their squared distances under the
// pairing of gradientMatching (categories first, so y | c is learned
// through y). The mse and ce baselines see the same batches with their
// own losses.
//
// Early stopping watches the validation local W2² (the true indicator
// cost, a fixed set of neighbourhoods and noise draws, see LocalW2), not
// the training surrogate.
func Train(ctx context.Context, m *msnn.Model, names []string, train, val Data, opt Options) (*msnn.Checkpoint, error) {
	if opt.Out == "" {
		return nil, errors.New("snn: Options.Out is required")
	}
	if opt.Epochs == 0 {
		opt.Epochs = 200
	}
	if opt.Centers == 0 {
		opt.Centers = 8
	}
	if opt.Neighbors == 0 {
		opt.Neighbors = 32
	}
	if opt.LR == 0 {
		opt.LR = 1e-3
	}
	if opt.Patience == 0 {
		opt.Patience = 40
	}
	if opt.LRPatience == 0 {
		opt.LRPatience = 10
	}
	if opt.Neighbors > len(train.X) {
		return nil, fmt.Errorf("snn: %d neighbours per neighbourhood, but the training table has %d rows: a neighbourhood would be the whole table, the law of y overall rather than of y given x", opt.Neighbors, len(train.X))
	}
	if opt.Neighbors > len(val.X) && opt.Notice != nil {
		opt.Notice(fmt.Sprintf("the validation table has %d rows, fewer than %d neighbours: each validation neighbourhood is the whole table, so early stopping follows the W2² of y overall", len(val.X), opt.Neighbors))
	}
	if b := opt.Centers * opt.Neighbors; b > maxBatch {
		return nil, fmt.Errorf("snn: %d centres × %d neighbours = %d rows per step, more than the %d a step may hold", opt.Centers, opt.Neighbors, b, maxBatch)
	}
	s := m
	tr, err := encode(s, train, names, "training table")
	if err != nil {
		return nil, err
	}
	va, err := encode(s, val, names, "validation table")
	if err != nil {
		return nil, err
	}
	trN, err := neighbourhoods(tr.x, opt.Neighbors, opt.Delta, "training table")
	if err != nil {
		return nil, err
	}
	vaN, err := neighbourhoods(va.x, opt.Neighbors, opt.Delta, "validation table")
	if err != nil {
		return nil, err
	}
	statePath := opt.Out + TrainSuffix
	c, err := msnn.LoadCheckpoint(statePath)
	switch {
	case err == nil:
		if d := resumeDiffs(c, s, opt, len(train.X)); len(d) > 0 {
			return nil, fmt.Errorf("snn: %s was made by another run with other settings (%s); rerun with the saved ones to resume, or remove it to start over", statePath, strings.Join(d, "; "))
		}
		m = c.Model
		s = m
	case errors.Is(err, os.ErrNotExist):
		if c, err = msnn.NewCheckpoint(m, opt.Seed); err != nil {
			return nil, err
		}
		c.State = &models.TrainState{LR: opt.LR, Batch: opt.Centers * opt.Neighbors, BestVal: math.MaxFloat64}
		c.Provenance.NumImages = len(train.X)
	default:
		return nil, err
	}
	B := opt.Centers * opt.Neighbors
	net, err := NewNet(m, B, tensor.Float64, true)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return nil, err
	}
	st := c.State
	adam := gtrain.DefaultAdam(st.LR)
	curvePath := opt.Out + CurveSuffix
	curve, err := readCurve(curvePath, st.Epoch)
	if err != nil {
		return nil, err
	}
	steps := max(1, len(tr.x)/B)
	for st.Epoch < opt.Epochs && !st.Done {
		start := time.Now()
		sum, startStep := 0.0, st.EpochStep
		for k := st.EpochStep; k < steps; k++ {
			if ctx.Err() != nil {
				st.Seconds += time.Since(start).Seconds()
				if err := c.Save(statePath); err != nil {
					return nil, err
				}
				return nil, fmt.Errorf("%w at epoch %d, step %d; rerun the same command to resume from %s", ErrInterrupted, st.Epoch+1, k, statePath)
			}
			rng := rand.New(rand.NewPCG(opt.Seed, uint64(st.Step)+0x736e6e)) // "snn"
			centers := make([]int, opt.Centers)
			for i := range centers {
				centers[i] = rng.IntN(len(tr.x))
			}
			loss, err := batchStep(net, tr, trN, centers, opt.Neighbors, rng, true)
			if err != nil {
				return nil, fmt.Errorf("epoch %d step %d: %w", st.Epoch+1, k+1, err)
			}
			st.Step++
			if err := adam.Update(net.params, c.Tensors, st.Step); err != nil {
				return nil, err
			}
			st.EpochStep = k + 1
			sum += loss
		}
		vl, err := LocalW2(c, va, vaN, opt.Centers, opt.Neighbors, opt.Seed)
		if err != nil {
			return nil, fmt.Errorf("validation: %w", err)
		}
		lr := st.LR
		improved := gtrain.EndEpoch(st, c.Tensors, m.Params(), vl, &adam, opt.Patience, opt.LRPatience, time.Since(start))
		rec := msnn.EpochLog{Epoch: st.Epoch, TrainW2: sum / float64(steps-startStep), ValW2: vl, LR: lr, Improved: improved, CatSigma: catSigma(c)}
		curve = append(curve, rec)
		// The curve first: a run stopped between the two writes resumes
		// from a state no later than its curve, whose extra line
		// readCurve drops, so no epoch's line is ever lost.
		if err := writeCurve(curvePath, curve); err != nil {
			return nil, err
		}
		if err := c.Save(statePath); err != nil {
			return nil, err
		}
		if opt.OnEpoch != nil {
			opt.OnEpoch(rec)
		}
		if opt.EpochDone != nil {
			opt.EpochDone(rec.Epoch, rec.TrainW2, rec.ValW2, rec.Improved)
		}
	}
	final := &msnn.Checkpoint{Model: m, Provenance: c.Provenance}
	final.Tensors, final.Shapes, final.State = gtrain.Final(st, c.Tensors, m.Params())
	final.Metrics = map[string]float64{"val_local_w2sq": st.BestVal, "train_seconds": st.Seconds, "best_epoch": float64(st.BestEpoch)}
	if err := final.Save(opt.Out); err != nil {
		return nil, err
	}
	os.Remove(statePath)
	return final, nil
}

// batchStep runs one batch of neighbourhoods: with learn, it leaves the
// loss gradients in net; it returns the local W2² (w2, and for the
// baselines too, on their point predictions) averaged over neighbourhoods.
func batchStep(net *Net, d *encoded, nbs [][]int, centers []int, m int, rng *rand.Rand, learn bool) (float64, error) {
	s := net.S
	B, D := net.B, s.OutputDim()
	in0 := len(s.Inputs) + s.Latent
	in := inputs{X: make([]float64, B*in0)}
	rows := make([]int, B)     // data row of each batch row; -1 for padding
	w := make([]float64, B)    // weight of a batch row's continuous outputs
	wCat := make([]float64, B) // and of its categorical gradient
	for c, ctr := range centers {
		nb := nbs[ctr]
		for j := 0; j < m; j++ {
			r := c*m + j
			if j < len(nb) {
				rows[r] = nb[j]
				w[r] = 1 / float64(len(centers)*len(nb))
				wCat[r] = w[r]
			} else {
				rows[r] = nb[0]
			}
			copy(in.X[r*in0:], d.x[rows[r]])
		}
	}
	drawNoise(s, &in, B, rng)
	// model outputs at these inputs, with this noise
	out, _, err := net.run(in)
	if err != nil {
		return 0, err
	}
	cost := ot.Mixed{Cont: s.Cont, Cat: len(s.Categories), Lambda: s.Lambda}
	pred := func(r int) []float64 { // model space: continuous, then category index
		raw := out[r*D : (r+1)*D]
		y := make([]float64, cost.Dim())
		copy(y, raw[:s.Cont])
		for c := range s.Categories {
			y[s.Cont+c] = float64(s.Category(raw, c))
		}
		return y
	}
	var pushes []catPush     // the categorical gradient (w2), batch rows
	target := make([]int, B) // the observed row each batch row is matched to
	total := 0.0
	for c, ctr := range centers {
		nb := nbs[ctr]
		k := len(nb)
		cm := make([]float64, k*k)
		for a := 0; a < k; a++ {
			p := pred(c*m + a)
			for b := 0; b < k; b++ {
				cm[a*k+b] = cost.Cost(p, d.y[nb[b]])
			}
		}
		var perm []int
		sum := 0.0
		if s.Loss == msnn.LossW2 && learn {
			if _, sum, err = ot.Assignment(cm, k); err != nil { // the value: true cost, λ per mismatch
				return 0, err
			}
			raws, ys := make([][]float64, k), make([][]float64, k)
			for a := 0; a < k; a++ {
				raws[a], ys[a] = out[(c*m+a)*D:(c*m+a+1)*D], d.y[nb[a]]
			}
			ps, err := categoricalPushes(s, raws, ys)
			if err != nil {
				return 0, err
			}
			var moved []bool
			if perm, moved, err = gradientMatching(s, raws, ys, ps); err != nil {
				return 0, err
			}
			for a, mv := range moved {
				if mv { // its category is moving: no pull of its y toward either category
					w[c*m+a], wCat[c*m+a] = 0, w[c*m+a]
				}
			}
			for _, p := range ps {
				p.Sample += c * m
				pushes = append(pushes, p)
			}
		} else { // baselines are fitted to their own row's y; W2² still reported
			if perm, sum, err = ot.Assignment(cm, k); err != nil {
				return 0, err
			}
			if s.Loss != msnn.LossW2 {
				for a := range perm {
					perm[a] = a
				}
			}
		}
		total += sum / float64(k)
		for a := 0; a < m; a++ {
			target[c*m+a] = nb[0]
			if a < k {
				target[c*m+a] = nb[perm[a]]
			}
		}
	}
	if !learn {
		return total / float64(len(centers)), nil
	}
	in.T, in.WSq = make([]float64, B*D), make([]float64, B*D)
	if s.Loss == msnn.LossW2 && len(s.Categories) > 0 {
		in.WLin = make([]float64, B*D)
	}
	if s.Loss == msnn.LossCE {
		in.WCE = make([]float64, B*D)
	}
	for r := 0; r < B; r++ {
		y := d.y[target[r]]
		for k := 0; k < s.Cont; k++ {
			in.T[r*D+k], in.WSq[r*D+k] = y[k], w[r]
		}
		for c, codes := range s.Categories {
			off := s.CatOffset(c)
			idx := y[s.Cont+c]
			switch s.Loss {
			case msnn.LossMSE:
				in.T[r*D+off], in.WSq[r*D+off] = idx, w[r]
			case msnn.LossCE:
				in.T[r*D+off+int(idx)] = 1
				for i := range codes {
					in.WCE[r*D+off+i] = w[r]
				}
			}
		}
	}
	// the detach: the loss value is λ per mismatch (above); the gradient
	// is that of λ·share·(s_from − s_toward) for each push, zero for every
	// other sample and score
	for _, p := range pushes {
		r, off := p.Sample, s.CatOffset(p.Output)
		in.WLin[r*D+off+p.Toward] -= s.Lambda * wCat[r] * p.Share
		in.WLin[r*D+off+p.From] += s.Lambda * wCat[r] * p.Share
	}
	if _, _, err := net.run(in); err != nil {
		return 0, err
	}
	return total / float64(len(centers)), nil
}

// hinge is the distance of categorical output c's scores in raw to the
// cell of category t: max over l ≠ t of (s_l − s_t), clipped at 0 (0
// inside the cell).
func hinge(s *msnn.Model, raw []float64, c, t int) float64 {
	off := s.CatOffset(c)
	h := 0.0
	for l := range s.Categories[c] {
		if l != t {
			h = math.Max(h, raw[off+l]-raw[off+t])
		}
	}
	return h
}

// gradientMatching pairs the k samples (raw outputs) of a neighbourhood
// with its k observations for the gradient of the continuous outputs:
// each sample counts as the category it is moved to by the pushes ps (a
// moved sample, not a mirror, takes its target), so that the categories
// agree in every pair, and within that the pairing minimizes the squared
// distance of the continuous outputs. A sample's continuous outputs are
// so pulled toward observations of its own category: y | c is learned
// through y. moved marks the samples whose category is moving: the
// caller gives their continuous outputs no gradient (pulling their y
// toward the category they are moved to, chosen by the frequencies alone,
// would blur y | c near the boundary). Without categorical outputs it is
// the matching of the generalized cost.
func gradientMatching(s *msnn.Model, raws, ys [][]float64, ps []catPush) ([]int, []bool, error) {
	k, C := len(raws), len(s.Categories)
	eff := make([][]int, k)
	for a, raw := range raws {
		eff[a] = make([]int, C)
		for c := range s.Categories {
			eff[a][c] = s.Category(raw, c)
		}
	}
	moved := make([]bool, k)
	for _, p := range ps {
		if eff[p.Sample][p.Output] == p.From { // a move, not a mirror
			eff[p.Sample][p.Output] = p.Toward
			moved[p.Sample] = true
		}
	}
	cm := make([]float64, k*k)
	top := 0.0
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			v := 0.0
			for j := 0; j < s.Cont; j++ {
				t := raws[a][j] - ys[b][j]
				v += t * t
			}
			cm[a*k+b] = v
			top = math.Max(top, v)
		}
	}
	big := float64(k)*top + 1 // one mismatch outweighs any sum of distances
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			for c := 0; c < C; c++ {
				if eff[a][c] != int(ys[b][s.Cont+c]) {
					cm[a*k+b] += big
				}
			}
		}
	}
	perm, _, err := ot.Assignment(cm, k)
	if err != nil {
		return nil, nil, fmt.Errorf("snn: gradient matching: %w", err)
	}
	return perm, moved, nil
}

// catPush is one term of the categorical gradient: sample Sample's
// output Output gets the gradient of Share·λ·w·(s_From − s_Toward), which
// moves it toward category Toward's cell, away from From's.
type catPush struct {
	Sample, Output int
	From, Toward   int
	Share          float64
}

// categoricalPushes decides, for one neighbourhood of k samples (raw
// outputs) and k observations (model space), which samples' categorical
// scores the gradient moves, and where.
//
// It matches the categorical parts alone, lexicographically: first the
// fewest mismatches (the λ-term of the generalized cost, so exactly the
// excess samples of each over-represented category, or category tuple,
// are paired with observations of under-represented ones), then the least
// total hinge distance (the excess samples moved are those closest to the
// cell they are moved to). When the sampled frequencies equal the
// observed ones, nothing moves.
//
// Each move from category j toward k is shared with a mirror: the sample
// of category k (not itself moved) nearest to cell j, moved the same way
// (deeper into k) with half the weight, the moved sample taking the other
// half. Together they estimate the gradient at the boundary between the
// cells, where the change of the category frequencies happens: moving
// only samples on the over-represented side would pull the samples of
// both sides toward the boundary on average over neighbourhoods, a
// systematic shrinking of the noise that makes categorical variety. With
// no mirror, the moved sample takes the whole weight.
func categoricalPushes(s *msnn.Model, raws, ys [][]float64) ([]catPush, error) {
	k, C := len(raws), len(s.Categories)
	cats := make([][]int, k)
	for a, raw := range raws {
		cats[a] = make([]int, C)
		for c := range s.Categories {
			cats[a][c] = s.Category(raw, c)
		}
	}
	h := make([]float64, k*k*C) // hinge of sample a to observation b's category of output c
	top := 0.0
	for a, raw := range raws {
		for b, y := range ys {
			for c := range s.Categories {
				v := hinge(s, raw, c, int(y[s.Cont+c]))
				h[(a*k+b)*C+c] = v
				top = math.Max(top, v)
			}
		}
	}
	big := float64(k*C)*top + 1 // one more mismatch outweighs any sum of hinges
	cm := make([]float64, k*k)
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			for c := 0; c < C; c++ {
				if cats[a][c] != int(ys[b][s.Cont+c]) {
					cm[a*k+b] += big + h[(a*k+b)*C+c]
				}
			}
		}
	}
	perm, _, err := ot.Assignment(cm, k)
	if err != nil {
		return nil, fmt.Errorf("snn: categorical matching: %w", err)
	}
	var out []catPush
	for c := 0; c < C; c++ {
		var moves []catPush
		moved := make([]bool, k)
		for a := 0; a < k; a++ {
			if t := int(ys[perm[a]][s.Cont+c]); t != cats[a][c] {
				moves = append(moves, catPush{Sample: a, Output: c, From: cats[a][c], Toward: t, Share: 1})
				moved[a] = true
			}
		}
		// mirrors, the moves nearest their target cell first
		sort.SliceStable(moves, func(i, j int) bool {
			return hinge(s, raws[moves[i].Sample], c, moves[i].Toward) < hinge(s, raws[moves[j].Sample], c, moves[j].Toward)
		})
		for i, mv := range moves {
			best, bh := -1, math.Inf(1)
			for b := 0; b < k; b++ {
				if moved[b] || cats[b][c] != mv.Toward {
					continue
				}
				if v := hinge(s, raws[b], c, mv.From); v < bh {
					best, bh = b, v
				}
			}
			if best >= 0 {
				moved[best] = true
				moves[i].Share = 0.5
				out = append(out, catPush{Sample: best, Output: c, From: mv.From, Toward: mv.Toward, Share: 0.5})
			}
		}
		out = append(out, moves...)
	}
	return out, nil
}

// drawNoise fills one batch of b rows with standard normal noise: the
// latent inputs z (the last Latent columns of in.X, whose first columns
// hold x) first, then ε of every layer (in.Eps).
func drawNoise(s *msnn.Model, in *inputs, b int, rng *rand.Rand) {
	if !s.Stochastic() {
		return
	}
	in0 := len(s.Inputs) + s.Latent
	for r := 0; r < b; r++ {
		for k := len(s.Inputs); k < in0; k++ {
			in.X[r*in0+k] = rng.NormFloat64()
		}
	}
	for _, w := range s.Widths()[1:] {
		e := make([]float64, b*w)
		for i := range e {
			e[i] = rng.NormFloat64()
		}
		in.Eps = append(in.Eps, e)
	}
}

// Validation neighbourhoods and noise draws of LocalW2.
const (
	valCenters = 256
	valDraws   = 4
)

// LocalW2 is the local empirical W2² of checkpoint c on d, in model
// space (standardized continuous outputs, λ per categorical mismatch): the
// mean over up to 256 fixed neighbourhoods (evenly spaced rows), each
// scored valDraws times with fresh model samples (one per row), of W2²
// between the observed outputs and the samples. The noise depends on seed
// only, so that epochs are compared on the same draws.
func LocalW2(c *msnn.Checkpoint, d *encoded, nbs [][]int, centers, m int, seed uint64) (float64, error) {
	net, err := NewNet(c.Model, centers*m, tensor.Float64, false)
	if err != nil {
		return 0, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return 0, err
	}
	n := min(valCenters, len(d.x))
	var all []int
	for i := 0; i < n; i++ {
		all = append(all, i*len(d.x)/n)
	}
	total, count := 0.0, 0
	for k := 0; k+centers <= len(all); k += centers {
		for r := 0; r < valDraws; r++ {
			rng := rand.New(rand.NewPCG(seed, uint64(k*valDraws+r)+0x76616c)) // "val"
			v, err := batchStep(net, d, nbs, all[k:k+centers], m, rng, false)
			if err != nil {
				return 0, err
			}
			total += v
			count++
		}
	}
	if count == 0 {
		return 0, fmt.Errorf("snn: %d validation rows: fewer than one batch of %d neighbourhoods", len(d.x), centers)
	}
	return total / float64(count), nil
}

// catSigma is the mean σ of the last layer's weights into the categorical
// scores (0 without them, or for a deterministic baseline).
func catSigma(c *msnn.Checkpoint) float64 {
	s := c.Model
	if !s.Stochastic() || len(s.Categories) == 0 {
		return 0
	}
	w := s.Widths()
	L := len(w) - 2
	rho := c.Tensors[fmt.Sprintf("snn.%d.Wrho", L)]
	out := w[L+1]
	sum, n := 0.0, 0
	for i := 0; i < w[L]; i++ {
		for j := s.Cont; j < out; j++ {
			sum += math.Exp(float64(rho[i*out+j]))
			n++
		}
	}
	return sum / float64(n)
}

// writeCurve writes the training curve as CSV (msnn.WriteCurve,
// atomically).
func writeCurve(path string, curve []msnn.EpochLog) error {
	if err := atomicfile.WriteFile(path, func(w io.Writer) error { return msnn.WriteCurve(w, curve) }); err != nil {
		return fmt.Errorf("snn: training curve: %w", err)
	}
	return nil
}

// readCurve reads the curve of a run being resumed after epoch done: its
// lines for epochs 1..done, which must all be there. A line for the epoch
// after done (written just before a stop that kept the earlier state) is
// dropped; anything else is refused rather than resumed into a curve with
// epochs missing.
func readCurve(path string, done int) ([]msnn.EpochLog, error) {
	if done == 0 {
		return nil, nil
	}
	remedy := fmt.Sprintf("restore it, or remove %s to start over", strings.TrimSuffix(path, CurveSuffix)+TrainSuffix)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("snn: the run resumes after epoch %d but its training curve is missing (%s): %w", done, remedy, err)
	}
	if err != nil {
		return nil, fmt.Errorf("snn: training curve: %w", err)
	}
	defer f.Close()
	curve, err := msnn.ParseCurve(f)
	if err != nil {
		return nil, fmt.Errorf("snn: training curve %s (%s): %w", path, remedy, err)
	}
	if n := len(curve); n < done || n > done+1 {
		return nil, fmt.Errorf("snn: training curve %s: it has %d epochs, but the run resumes after epoch %d (%s)", path, n, done, remedy)
	}
	return curve[:done], nil
}

// Sample draws n samples of y for each input row x (data units, in the
// model's input column order) with the checkpoint's network in Gorgonia;
// out[i][s] is sample s of row i, in the model's output column order
// (continuous, then categorical codes). Noise comes from a PCG generator
// seeded with seed. Deterministic baselines give n identical samples.
func Sample(c *msnn.Checkpoint, x [][]float64, n int, seed uint64) ([][][]float64, error) {
	s := c.Model
	const batch = 4096
	total := len(x) * n
	b := min(batch, max(total, 1))
	net, err := NewNet(c.Model, b, tensor.Float64, false)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x73616d70)) // "samp"
	out := make([][][]float64, len(x))
	for i, row := range x {
		if len(row) != len(s.Inputs) {
			return nil, fmt.Errorf("row %d has %d inputs, the model takes %d (%v)", i, len(row), len(s.Inputs), s.Inputs)
		}
		out[i] = make([][]float64, n)
	}
	D := s.OutputDim()
	in0 := len(s.Inputs) + s.Latent
	for start := 0; start < total; start += b {
		in := inputs{X: make([]float64, b*in0)}
		for r := 0; r < b && start+r < total; r++ {
			row := x[(start+r)/n]
			for k, v := range row {
				in.X[r*in0+k] = (v - s.InMean[k]) / s.InStd[k]
			}
		}
		drawNoise(s, &in, b, rng)
		raw, _, err := net.run(in)
		if err != nil {
			return nil, err
		}
		for r := 0; r < b && start+r < total; r++ {
			k := start + r
			out[k/n][k%n] = s.Decode(raw[r*D : (r+1)*D])
		}
	}
	return out, nil
}

// Forward runs the checkpoint's network on rows x (data units) with the
// given standard normal noise (eps[i] is [len(x), msnn.Model.NoiseWidths()[i]],
// row-major: the latent inputs z if any, then one per layer; nil for a
// deterministic baseline) and returns the decoded outputs, one row per
// input: the reference against which exported models are checked.
func Forward(c *msnn.Checkpoint, x [][]float64, eps [][]float64) ([][]float64, error) {
	s := c.Model
	net, err := NewNet(c.Model, len(x), tensor.Float64, false)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return nil, err
	}
	nw := s.NoiseWidths()
	if len(eps) != len(nw) {
		return nil, fmt.Errorf("snn: %d noise matrices, the model takes %d (widths %v)", len(eps), len(nw), nw)
	}
	for i, e := range eps {
		if len(e) != len(x)*nw[i] {
			return nil, fmt.Errorf("snn: noise matrix %d has %d values, want %d rows × %d", i, len(e), len(x), nw[i])
		}
	}
	in0 := len(s.Inputs) + s.Latent
	in := inputs{X: make([]float64, len(x)*in0), Eps: eps}
	for i, row := range x {
		for k, v := range row {
			in.X[i*in0+k] = (v - s.InMean[k]) / s.InStd[k]
		}
	}
	if s.Latent > 0 {
		z := eps[0]
		for i := range x {
			copy(in.X[i*in0+len(s.Inputs):(i+1)*in0], z[i*s.Latent:(i+1)*s.Latent])
		}
		in.Eps = eps[1:]
	}
	raw, _, err := net.run(in)
	if err != nil {
		return nil, err
	}
	D := s.OutputDim()
	out := make([][]float64, len(x))
	for i := range out {
		out[i] = s.Decode(raw[i*D : (i+1)*D])
	}
	return out, nil
}

// resumeDiffs lists how the saved training state c differs from the run
// asked for: model m, built from the given columns and layers and from a
// training table of rows rows (its standardization is the table's), under
// opt. Only the number of epochs and the learning-rate settings may
// change on a resume.
func resumeDiffs(c *msnn.Checkpoint, m *msnn.Model, opt Options, rows int) []string {
	sv := c.Model
	var d []string
	diff := func(name string, same bool, saved, given any) {
		if !same {
			d = append(d, fmt.Sprintf("%s: saved %v, given %v", name, saved, given))
		}
	}
	diff("seed", c.Provenance.Seed == opt.Seed, c.Provenance.Seed, opt.Seed)
	diff("loss", sv.Loss == m.Loss, sv.Loss, m.Loss)
	diff("inputs", slices.Equal(sv.Inputs, m.Inputs), sv.Inputs, m.Inputs)
	diff("outputs", slices.Equal(sv.Outputs, m.Outputs) && sv.Cont == m.Cont, sv.Outputs, m.Outputs)
	diff("categories", slices.EqualFunc(sv.Categories, m.Categories, slices.Equal), sv.Categories, m.Categories)
	diff("hidden", slices.Equal(sv.Hidden, m.Hidden), sv.Hidden, m.Hidden)
	diff("lambda", sv.Lambda == m.Lambda, sv.Lambda, m.Lambda)
	diff("init-sigma", sv.InitSigma == m.InitSigma, sv.InitSigma, m.InitSigma)
	diff("latent", sv.Latent == m.Latent, sv.Latent, m.Latent)
	same := slices.Equal(sv.InMean, m.InMean) && slices.Equal(sv.InStd, m.InStd) && slices.Equal(sv.OutMean, m.OutMean) && slices.Equal(sv.OutStd, m.OutStd)
	diff("training table", same && c.Provenance.NumImages == rows, "another (its column statistics differ)", "this one")
	if st := c.State; st != nil {
		diff("batch (centers × neighbours)", st.Batch == opt.Centers*opt.Neighbors, st.Batch, opt.Centers*opt.Neighbors)
	}
	return d
}
