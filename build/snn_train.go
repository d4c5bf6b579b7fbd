package build

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"time"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
)

// SNNSpec chooses the columns and shape of a new SNN.
type SNNSpec struct {
	X, Y []string // input columns; output columns (continuous and categorical, any order)
	// Categorical names the categorical outputs, each with its declared
	// codes (nil: the codes seen in the training table).
	Categorical map[string][]float64
	Hidden      []int   // default 64, 64
	Loss        string  // w2 (default), mse or ce
	Lambda      float64 // categorical mismatch cost; default 1
	InitSigma   float64 // default 0.1
}

// NewSNNModel describes an SNN for rows x → y with standardization taken
// from the training data. Outputs are reordered: continuous first.
func NewSNNModel(x, y [][]float64, spec SNNSpec) (*models.Model, error) {
	if len(x) == 0 || len(x) != len(y) {
		return nil, fmt.Errorf("build: %d input rows and %d output rows", len(x), len(y))
	}
	s := &models.SNN{Inputs: spec.X, Hidden: spec.Hidden, Loss: spec.Loss, Lambda: spec.Lambda, InitSigma: spec.InitSigma}
	if s.Hidden == nil {
		s.Hidden = []int{64, 64}
	}
	if s.Loss == "" {
		s.Loss = models.LossW2
	}
	if s.Lambda == 0 {
		s.Lambda = 1
	}
	if s.InitSigma == 0 {
		s.InitSigma = 0.1
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
			return nil, fmt.Errorf("build: categorical column %q is not one of the outputs %v", name, spec.Y)
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
	m := models.NewSNN(s)
	return m, m.Validate()
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

// SNNData is a table already split into x and y columns (in the model's
// declared order, see SNNRows).
type SNNData struct {
	X, Y [][]float64
}

// encoded is data in model space: standardized x; y as standardized
// continuous values then category indices.
type encoded struct {
	x, y [][]float64
}

// encode checks and maps raw rows to model space; y columns are given in
// the order of names (the table's), reordered to the model's.
func encode(s *models.SNN, d SNNData, names []string, source string) (*encoded, error) {
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
	buf := make([]nd, n)
	for i := range x {
		for j := range x {
			s := 0.0
			for k := range x[i] {
				t := x[i][k] - x[j][k]
				s += t * t
			}
			buf[j] = nd{j, s}
		}
		sort.Slice(buf, func(a, b int) bool {
			if buf[a].d != buf[b].d {
				return buf[a].d < buf[b].d
			}
			return buf[a].i < buf[b].i
		})
		var nb []int
		for _, c := range buf[:m] {
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

// SNNOptions configures TrainSNN. Zero values take the defaults.
type SNNOptions struct {
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
	// EpochDone, if set, is called after every epoch.
	EpochDone func(epoch int, trainLoss, valLoss float64, improved bool)
}

// TrainSNN trains m (kind snn) on train with early stopping on val (both
// with y columns named as in names) and writes the best weights to
// opt.Out; state goes to opt.Out+".train" every epoch and a rerun resumes.
//
// Every step takes Centers random rows and their neighbourhoods (Neighbors
// nearest rows in x). For the w2 loss, the model draws one sample at each
// neighbourhood row's x; the observed y and the samples are two equal-size
// point clouds, matched by the exact assignment solver under the generalized
// cost (ot.Mixed: squared distance on standardized continuous outputs, λ
// per categorical mismatch); the loss is (1/Centers)·Σ W2² of the
// neighbourhoods. Its gradient flows through the matched differences: the
// continuous part exactly, the categorical indicator through the smooth
// surrogate (1 − cos(π·(ĉ − c)/(K − 1)))/2 whose value is discarded (a
// "detach": the indicator is what is reported and minimized). The mse and
// ce baselines see the same batches with their own losses.
func TrainSNN(ctx context.Context, m *models.Model, names []string, train, val SNNData, opt SNNOptions) (*models.Checkpoint, error) {
	if opt.Out == "" {
		return nil, errors.New("build: SNNOptions.Out is required")
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
	s := m.SNN
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
	c, err := models.LoadCheckpoint(statePath)
	switch {
	case err == nil:
		if c.Model.Kind != models.KindSNN || c.Provenance.Seed != opt.Seed || c.Model.SNN.Loss != s.Loss {
			return nil, fmt.Errorf("build: %s was made by another run; remove it to start over", statePath)
		}
		m = c.Model
		s = m.SNN
	case errors.Is(err, os.ErrNotExist):
		if c, err = models.NewCheckpoint(m, opt.Seed); err != nil {
			return nil, err
		}
		c.State = &TrainState{LR: opt.LR, Batch: opt.Centers * opt.Neighbors, BestVal: math.MaxFloat64}
		c.Provenance.NumImages = len(train.X)
	default:
		return nil, err
	}
	B := opt.Centers * opt.Neighbors
	net, err := NewSNNNet(m, B, tensor.Float64, true)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return nil, err
	}
	st := c.State
	adam := DefaultAdam(st.LR)
	steps := max(1, len(tr.x)/B)
	for st.Epoch < opt.Epochs && !st.Done {
		start := time.Now()
		sum := 0.0
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
			loss, err := snnStep(net, tr, trN, centers, opt.Neighbors, rng, true)
			if err != nil {
				return nil, fmt.Errorf("epoch %d step %d: %w", st.Epoch+1, k+1, err)
			}
			st.Step++
			if err := adam.Step(net, c, st.Step); err != nil {
				return nil, err
			}
			st.EpochStep = k + 1
			sum += loss
		}
		vl, err := SNNLocalW2(c, va, vaN, opt.Centers, opt.Neighbors, opt.Seed)
		if err != nil {
			return nil, fmt.Errorf("validation: %w", err)
		}
		improved := endEpoch(c, vl, &adam, opt.Patience, opt.LRPatience, time.Since(start))
		if opt.EpochDone != nil {
			opt.EpochDone(st.Epoch, sum/float64(steps), vl, improved)
		}
		if err := c.Save(statePath); err != nil {
			return nil, err
		}
	}
	final := finalCheckpoint(c)
	final.Metrics = map[string]float64{"val_local_w2sq": st.BestVal, "train_seconds": st.Seconds, "best_epoch": float64(st.BestEpoch)}
	if err := final.Save(opt.Out); err != nil {
		return nil, err
	}
	os.Remove(statePath)
	return final, nil
}

// snnStep runs one batch of neighbourhoods: with learn, it leaves the
// loss gradients in net; it returns the local W2² (w2, and for the
// baselines too, on their point predictions) averaged over neighbourhoods.
func snnStep(net *SNNNet, d *encoded, nbs [][]int, centers []int, m int, rng *rand.Rand, learn bool) (float64, error) {
	s := net.S
	B, D := net.B, s.OutputDim()
	in := snnInputs{X: make([]float64, B*len(s.Inputs))}
	rows := make([]int, B) // data row of each batch row; -1 for padding
	w := make([]float64, B)
	for c, ctr := range centers {
		nb := nbs[ctr]
		for j := 0; j < m; j++ {
			r := c*m + j
			if j < len(nb) {
				rows[r] = nb[j]
				w[r] = 1 / float64(len(centers)*len(nb))
			} else {
				rows[r] = nb[0]
			}
			copy(in.X[r*len(s.Inputs):], d.x[rows[r]])
		}
	}
	widths := s.Widths()
	if s.Stochastic() {
		for l := 1; l < len(widths); l++ {
			e := make([]float64, B*widths[l])
			for i := range e {
				e[i] = rng.NormFloat64()
			}
			in.Eps = append(in.Eps, e)
		}
	}
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
		off := s.Cont
		for c, codes := range s.Categories {
			var idx int
			if s.Loss == models.LossCE {
				for i := range codes {
					if raw[off+i] > raw[off+idx] {
						idx = i
					}
				}
				off += len(codes)
			} else {
				idx = min(max(int(math.Round(raw[off])), 0), len(codes)-1)
				off++
			}
			y[s.Cont+c] = float64(idx)
		}
		return y
	}
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
		var sum float64
		if s.Loss == models.LossW2 {
			if perm, sum, err = ot.Assignment(cm, k); err != nil {
				return 0, err
			}
		} else { // baselines are fitted to their own row's y; W2² still reported
			_, sum, _ = ot.Assignment(cm, k)
			perm = make([]int, k)
			for a := range perm {
				perm[a] = a
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
	if s.Loss == models.LossW2 && len(s.Categories) > 0 {
		in.WCat, in.P = make([]float64, B*D), make([]float64, B*D)
	}
	if s.Loss == models.LossCE {
		in.WCE = make([]float64, B*D)
	}
	for r := 0; r < B; r++ {
		y := d.y[target[r]]
		for k := 0; k < s.Cont; k++ {
			in.T[r*D+k], in.WSq[r*D+k] = y[k], w[r]
		}
		off := s.Cont
		for c, codes := range s.Categories {
			idx := y[s.Cont+c]
			switch s.Loss {
			case models.LossW2:
				in.T[r*D+off] = idx
				in.WCat[r*D+off] = s.Lambda * w[r]
				in.P[r*D+off] = math.Pi / float64(len(codes)-1)
				off++
			case models.LossMSE:
				in.T[r*D+off], in.WSq[r*D+off] = idx, w[r]
				off++
			case models.LossCE:
				in.T[r*D+off+int(idx)] = 1
				for i := range codes {
					in.WCE[r*D+off+i] = w[r]
				}
				off += len(codes)
			}
		}
	}
	if _, _, err := net.run(in); err != nil {
		return 0, err
	}
	return total / float64(len(centers)), nil
}

// SNNLocalW2 is the local empirical W2² of checkpoint c on d: the mean over
// up to 64 fixed neighbourhoods (evenly spaced rows) of W2² between the
// observed outputs and one model sample per row, in model space.
func SNNLocalW2(c *models.Checkpoint, d *encoded, nbs [][]int, centers, m int, seed uint64) (float64, error) {
	net, err := NewSNNNet(c.Model, centers*m, tensor.Float64, false)
	if err != nil {
		return 0, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return 0, err
	}
	n := min(64, len(d.x))
	var all []int
	for i := 0; i < n; i++ {
		all = append(all, i*len(d.x)/n)
	}
	total, count := 0.0, 0
	for k := 0; k+centers <= len(all); k += centers {
		rng := rand.New(rand.NewPCG(seed, uint64(k)+0x76616c)) // "val"
		v, err := snnStep(net, d, nbs, all[k:k+centers], m, rng, false)
		if err != nil {
			return 0, err
		}
		total += v
		count++
	}
	if count == 0 {
		return 0, fmt.Errorf("build: %d validation rows: fewer than one batch of %d neighbourhoods", len(d.x), centers)
	}
	return total / float64(count), nil
}

// SampleSNN draws n samples of y for each input row x (data units, in the
// model's input column order) with the checkpoint's network in Gorgonia;
// out[i][s] is sample s of row i, in the model's output column order
// (continuous, then categorical codes). Noise comes from a PCG generator
// seeded with seed. Deterministic baselines give n identical samples.
func SampleSNN(c *models.Checkpoint, x [][]float64, n int, seed uint64) ([][][]float64, error) {
	if c.Model.Kind != models.KindSNN {
		return nil, fmt.Errorf("build: a %s checkpoint cannot sample tables (want snn)", c.Model.Kind)
	}
	s := c.Model.SNN
	const batch = 4096
	total := len(x) * n
	b := min(batch, max(total, 1))
	net, err := NewSNNNet(c.Model, b, tensor.Float64, false)
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
	widths := s.Widths()
	D := s.OutputDim()
	for start := 0; start < total; start += b {
		in := snnInputs{X: make([]float64, b*len(s.Inputs))}
		for r := 0; r < b && start+r < total; r++ {
			row := x[(start+r)/n]
			for k, v := range row {
				in.X[r*len(s.Inputs)+k] = (v - s.InMean[k]) / s.InStd[k]
			}
		}
		if s.Stochastic() {
			for l := 1; l < len(widths); l++ {
				e := make([]float64, b*widths[l])
				for i := range e {
					e[i] = rng.NormFloat64()
				}
				in.Eps = append(in.Eps, e)
			}
		}
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

// SNNForward runs the checkpoint's network on rows x (data units) with the
// given standard normal noise per layer (eps[l] is [len(x), width of
// layer l], row-major; nil for a deterministic baseline) and returns the
// decoded outputs, one row per input: the reference against which
// exported models are checked.
func SNNForward(c *models.Checkpoint, x [][]float64, eps [][]float64) ([][]float64, error) {
	s := c.Model.SNN
	net, err := NewSNNNet(c.Model, len(x), tensor.Float64, false)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return nil, err
	}
	in := snnInputs{X: make([]float64, len(x)*len(s.Inputs)), Eps: eps}
	for i, row := range x {
		for k, v := range row {
			in.X[i*len(s.Inputs)+k] = (v - s.InMean[k]) / s.InStd[k]
		}
	}
	if s.Stochastic() && len(eps) != len(s.Widths())-1 {
		return nil, fmt.Errorf("build: %d noise matrices for %d layers", len(eps), len(s.Widths())-1)
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
