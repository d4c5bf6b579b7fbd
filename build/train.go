package build

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/gtrain"
	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/pairs"
)

// Modes of training.
const (
	ModePair  = "pair"  // mini-batches of pairs: B/2 pairs, B images
	ModeBlock = "block" // B images, all their B(B−1)/2 pairs supervised
)

// Data is a training set: images and exact W2² for pairs of them.
type Data struct {
	Images *dataset.Images
	Pairs  *pairs.File
}

// Options configures Train. Zero values take the defaults.
type Options struct {
	Epochs   int     // default 20
	Batch    int     // images per step; default 64
	LR       float64 // Adam learning rate; default 1e-4 for dwe, 1e-3 otherwise
	Seed     uint64  // data order and initialization
	Patience int     // early stopping: epochs without validation gain; default 5
	// LRPatience: the learning rate halves after every LRPatience epochs
	// without validation gain (default 3; negative: never).
	LRPatience int
	Mode       string // pair, block, or "" for block when the pairs are all pairs
	// Out is the final checkpoint. Training state goes to Out+".train"
	// after every epoch and on interruption; a run finding it resumes.
	Out string
	// Progress, if set, is called after every step.
	Progress func(epoch, step, steps int, loss float64)
	// EpochDone, if set, is called after every epoch.
	EpochDone func(epoch int, trainLoss, valMSE float64, improved bool)
	// History, if set, is called after every epoch (after EpochDone) with
	// the epoch's errors on training, validation and monitor pairs (see
	// Epoch): the generalization gap per epoch. It costs the evaluation
	// of TrainSample training pairs and of Monitor's pairs per epoch.
	History func(Epoch)
	// TrainSample is the number of training pairs (a fixed random sample,
	// all if fewer) that History's Epoch.Train scores; 0: none.
	TrainSample int
	// Monitor, if it has pairs, is scored every epoch for History
	// (Epoch.Monitor), e.g. the test pairs; it never steers training.
	Monitor Data
	// Loss is the scale of the training loss: "" or LossModel for the
	// model's target scale (W2² for dwe, W2 otherwise), LossW2Sq for squared
	// model distances against W2² (the scale of relative MSE and of the
	// correlations reported on W2², which weighs large distances more).
	// Early stopping follows the same scale.
	Loss string
	// Augment is AugmentDihedral to transform every batch by a random
	// symmetry of the pixel grid (exact W2 is invariant: see augment.go),
	// or AugmentNone / "" for the images as they are.
	Augment string
	// Notice, if set, receives what a resume changes (see Train); the
	// change is made whether or not Notice is set.
	Notice func(msg string)

	// stopAfterSteps, if positive, interrupts training (as a cancelled
	// context would) after that many steps of this call (test hook).
	stopAfterSteps int
}

// validate refuses option values that take no default: Train never
// replaces a value it was given.
func (o *Options) validate() error {
	switch {
	case o.Epochs < 0:
		return fmt.Errorf("build: Options.Epochs %d: want ≥ 1 (0 takes the default 20)", o.Epochs)
	case o.Batch < 0:
		return fmt.Errorf("build: Options.Batch %d: want ≥ 2 (0 takes the default 64)", o.Batch)
	case o.Patience < 0:
		return fmt.Errorf("build: Options.Patience %d: want ≥ 1 (0 takes the default 5)", o.Patience)
	case o.LR < 0 || math.IsNaN(o.LR) || math.IsInf(o.LR, 0):
		return fmt.Errorf("build: Options.LR %g: want a finite rate > 0 (0 takes the model's default)", o.LR)
	}
	return o.checkHistory()
}

func (o *Options) defaults(m *models.Model) {
	if o.LR == 0 && m != nil {
		o.LR = lowerings()[m.Kind].lr // 1e-4 for dwe, 1e-3 for the others (see kinds.go)
	}
	if o.Epochs == 0 {
		o.Epochs = 20
	}
	if o.Batch == 0 {
		o.Batch = 64
	}
	if o.Patience == 0 {
		o.Patience = 5
	}
	if o.LRPatience == 0 {
		o.LRPatience = 3
	}
}

// TrainSuffix is appended to Options.Out for the resumable state.
const TrainSuffix = gtrain.TrainSuffix

// ErrInterrupted is returned when training stops before its end; the
// state is saved and the same call resumes it.
var ErrInterrupted = gtrain.ErrInterrupted

// Loss scales (Options.Loss).
const (
	LossModel = "model"
	LossW2Sq  = "w2sq"
)

// LossUnits names the scale of the losses Train reports for m under the
// loss scale loss (Options.Loss): the training loss and EpochDone's
// valMSE are MSEs on W2² (pixels⁴) for a W2² model or LossW2Sq, on W2
// (pixels²) otherwise.
func LossUnits(m *models.Model, loss string) string {
	if m.Target == models.TargetW2Sq || loss == LossW2Sq {
		return "on W2², pixels⁴"
	}
	return "on W2, pixels²"
}

// target converts W2² to the model's target scale.
func target(m *models.Model, w2sq float64) float64 { return models.FromW2Sq(m.Target, w2sq) }

// Train fits m on train, with early stopping on val, and writes the best
// weights to Out. A configuration whose epoch would have no step (fewer
// training pairs than Batch/2 in pair mode, fewer images than Batch in
// block mode) is refused before any work.
//
// When a resumable state exists at Out+".train", Train resumes it (m may
// then be nil; if given it must be the model of the state). The state
// records the options of its run (TrainState.Options), and a resume
// compares them with those given (defaults resolved):
//   - a different model (kind, size or description), training pairs or
//     images, validation pairs or images, batch, seed, mode, loss or
//     augmentation is refused, with every difference named (saved and
//     given values): the steps already taken would not be those of the
//     run asked for;
//   - a different epochs, patience, lr-patience or lr is applied, each
//     reported through Options.Notice: they govern the steps still to
//     come. A new LR replaces the current rate (which halvings may have
//     lowered) from the next step on; fewer epochs than already done end
//     training at once with the best weights so far.
func Train(ctx context.Context, m *models.Model, train, val Data, opt Options) (*models.Checkpoint, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	opt.defaults(nil)
	if opt.Out == "" {
		return nil, errors.New("build: Options.Out is required")
	}
	if err := checkData(train, "training"); err != nil {
		return nil, err
	}
	if err := checkData(val, "validation"); err != nil {
		return nil, err
	}
	if h := train.Pairs.Header; h.Method != "" && !h.Exact() {
		return nil, fmt.Errorf("build: the training pairs hold W2² by method %q, not exact: a W2 surrogate learns exact values (kenn pairs without --method)", h.Method)
	}
	if err := disjoint(train, val); err != nil {
		return nil, err
	}
	if err := sameMethod(train, val, "validation"); err != nil {
		return nil, err
	}
	if opt.Monitor.Pairs != nil && len(opt.Monitor.Pairs.Pairs) > 0 {
		if err := sameMethod(train, opt.Monitor, "monitor"); err != nil {
			return nil, err
		}
	}
	mode := opt.Mode
	if mode == "" {
		mode = ModePair
		if train.Pairs.Header.SelectionKind().Blocks() {
			mode = ModeBlock
		}
	}
	if mode != ModePair && mode != ModeBlock {
		return nil, fmt.Errorf("build: unknown mode %q (want pair or block)", mode)
	}
	augment, err := augmentation(opt.Augment)
	if err != nil {
		return nil, err
	}
	loss := opt.Loss
	switch loss {
	case "", LossModel:
		loss = ""
	case LossW2Sq:
	default:
		return nil, fmt.Errorf("build: unknown loss scale %q (want %s or %s)", opt.Loss, LossModel, LossW2Sq)
	}
	if opt.Batch < 2 || (mode == ModePair && opt.Batch%2 != 0) {
		return nil, fmt.Errorf("build: batch %d: need at least 2 images (an even number in pair mode)", opt.Batch)
	}

	sched := newSchedule(nil, train, mode, opt.Batch)
	if err := sched.checkSteps(opt.Seed); err != nil {
		return nil, err
	}

	statePath := opt.Out + TrainSuffix
	c, err := models.LoadCheckpoint(statePath)
	resumed := err == nil
	switch {
	case err == nil:
		if c.State == nil {
			return nil, fmt.Errorf("build: %s holds no training state (a final checkpoint?); remove it to start over", statePath)
		}
		if m != nil && (m.Kind != c.Model.Kind || m.H != c.Model.H || m.W != c.Model.W) {
			return nil, fmt.Errorf("build: %s holds a %s model for %dx%d images, not the %s for %dx%d asked for; remove it to start over",
				statePath, c.Model.Kind, c.Model.H, c.Model.W, m.Kind, m.H, m.W)
		}
		if m == nil {
			m = c.Model
		}
	case errors.Is(err, os.ErrNotExist):
		if m == nil {
			return nil, fmt.Errorf("build: no model given and no training state %s to resume", statePath)
		}
		if c, err = models.NewCheckpoint(m, opt.Seed); err != nil {
			return nil, err
		}
		c.State = &TrainState{LR: opt.LR, Batch: opt.Batch, BestVal: math.MaxFloat64}
		c.Provenance = models.Provenance{
			TrainPairs: train.Pairs.Header.Images, TrainSHA256: train.Pairs.Header.ImagesSHA + "/" + train.Pairs.Header.Selection,
			ImagesSHA256: train.Images.SHA256, NumPairs: len(train.Pairs.Pairs), NumImages: train.Images.N, Mode: mode, Augment: augment, Loss: loss, Seed: opt.Seed,
		}
		if c.Domain, err = TrainingDomain(train); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	if err := c.CheckCompatible(m.Kind, train.Images.H, train.Images.W); err != nil {
		return nil, err
	}
	opt.defaults(m)
	given := runSettings(m, train, val, opt, mode, augment, loss)
	if resumed {
		if err := resume(c, statePath, given, &opt); err != nil {
			return nil, err
		}
		m = c.Model
		if c.Domain == nil { // a state saved before domains were recorded
			if c.Domain, err = TrainingDomain(train); err != nil {
				return nil, err
			}
		}
	}
	c.State.Options = settingsMap(given)
	st := c.State
	if st.LR == 0 {
		st.LR = opt.LR
	}

	squared := loss == LossW2Sq && m.Target == models.TargetW2
	eval, err := NewNet(m, evalBatch, tensor.Float32, false)
	if err != nil {
		return nil, err
	}
	defer eval.Close()

	sched.m, sched.augment, sched.squared = m, augment, squared
	first := sched.epoch(opt.Seed, 0)
	if len(first) == 0 {
		return nil, fmt.Errorf("build: epoch 1 has no training step: no block of %d images holds a training pair", opt.Batch)
	}
	if st.Step == 0 && st.EpochStep == 0 && st.Epoch == 0 {
		if err := calibrate(eval, c, first, squared); err != nil {
			return nil, err
		}
	}
	net, err := trainingNet(m, c, opt.Batch, squared, first[0], opt.Notice)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	if err := net.SetWeights(c); err != nil {
		return nil, err
	}
	adam := DefaultAdam(st.LR)
	var sample Data
	if opt.History != nil {
		sample = historySample(train, opt.TrainSample, opt.Seed)
	}
	stepsThisCall := 0
	for st.Epoch < opt.Epochs && !st.Done {
		start := time.Now()
		batches := sched.epoch(opt.Seed, st.Epoch)
		if len(batches) == 0 { // checkSteps looked at the first epoch only
			return nil, fmt.Errorf("build: epoch %d has no training step: no block of %d images holds a training pair", st.Epoch+1, opt.Batch)
		}
		var sum float64
		for k := st.EpochStep; k < len(batches); k++ {
			if ctx.Err() != nil || (opt.stopAfterSteps > 0 && stepsThisCall >= opt.stopAfterSteps) {
				st.Seconds += time.Since(start).Seconds()
				if err := c.Save(statePath); err != nil {
					return nil, err
				}
				return nil, fmt.Errorf("%w at epoch %d, step %d; rerun the same command to resume from %s", ErrInterrupted, st.Epoch+1, st.EpochStep, statePath)
			}
			lp, err := net.Forward(batches[k])
			if err != nil {
				return nil, fmt.Errorf("epoch %d step %d: %w", st.Epoch+1, k+1, err)
			}
			st.Step++
			if err := weightedStep(adam, net, c, st.Step); err != nil {
				return nil, err
			}
			st.EpochStep = k + 1
			stepsThisCall++
			sum += lp.Loss
			if opt.Progress != nil {
				opt.Progress(st.Epoch+1, k+1, len(batches), lp.Loss)
			}
		}
		trainLoss := sum / float64(len(batches))
		if err := eval.SetWeights(c); err != nil {
			return nil, err
		}
		res, err := Evaluate(eval, c, val)
		if err != nil {
			return nil, fmt.Errorf("validation: %w", err)
		}
		vmse := res.TargetMSE
		if squared {
			vmse = res.MSE // on W2²
		}
		lr := st.LR
		improved := endEpoch(c, vmse, &adam, opt.Patience, opt.LRPatience, time.Since(start))
		if opt.EpochDone != nil {
			opt.EpochDone(st.Epoch, trainLoss, vmse, improved)
		}
		if opt.History != nil {
			e := Epoch{Epoch: st.Epoch, TrainLoss: trainLoss, Val: res, ValLoss: vmse, Improved: improved, LR: lr}
			for _, h := range []struct {
				d    Data
				r    *metrics.Result
				what string
			}{{sample, &e.Train, "training sample"}, {opt.Monitor, &e.Monitor, "monitor"}} {
				if h.d.Pairs == nil {
					continue
				}
				if *h.r, err = Evaluate(eval, c, h.d); err != nil {
					return nil, fmt.Errorf("build: epoch %d, %s: %w", st.Epoch, h.what, err)
				}
			}
			opt.History(e)
		}
		if err := c.Save(statePath); err != nil {
			return nil, err
		}
	}
	final := finalCheckpoint(c)
	if err := eval.SetWeights(final); err != nil {
		return nil, err
	}
	res, err := Evaluate(eval, final, val)
	if err != nil {
		return nil, err
	}
	final.Metrics = res.Map()
	final.Metrics["train_seconds"] = st.Seconds
	final.Metrics["best_epoch"] = float64(st.BestEpoch)
	if err := final.Save(opt.Out); err != nil {
		return nil, err
	}
	os.Remove(statePath)
	return final, nil
}

// setting is one option of a run as a training state records it.
type setting struct {
	name, value string
	fixed       bool // a resume refuses another value
}

func shortHash(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// dataLabel names a pairs file by its images' hash and its selection.
func dataLabel(imagesSHA, selection string) string {
	return shortHash(imagesSHA) + "/" + selection
}

// runSettings lists the options of a run, defaults resolved, in the order
// a resume reports them.
func runSettings(m *models.Model, train, val Data, opt Options, mode, augment, loss string) []setting {
	desc, err := json.Marshal(m)
	if err != nil {
		panic(err) // a model description always marshals
	}
	sum := sha256.Sum256(desc)
	lrPatience := opt.LRPatience
	if lrPatience < 0 {
		lrPatience = -1 // never
	}
	return []setting{
		{"model", fmt.Sprintf("%s %dx%d description sha256 %x", m.Kind, m.H, m.W, sum[:6]), true},
		{"pairs", dataLabel(train.Pairs.Header.ImagesSHA, train.Pairs.Header.Selection), true},
		{"images", shortHash(train.Images.SHA256), true},
		{"val", fmt.Sprintf("%s (%d pairs)", dataLabel(val.Pairs.Header.ImagesSHA, val.Pairs.Header.Selection), len(val.Pairs.Pairs)), true},
		{"val-images", shortHash(val.Images.SHA256), true},
		{"batch", strconv.Itoa(opt.Batch), true},
		{"seed", strconv.FormatUint(opt.Seed, 10), true},
		{"mode", mode, true},
		{"loss", cmp.Or(loss, LossModel), true},
		{"augment", cmp.Or(augment, AugmentNone), true},
		{"epochs", strconv.Itoa(opt.Epochs), false},
		{"patience", strconv.Itoa(opt.Patience), false},
		{"lr-patience", strconv.Itoa(lrPatience), false},
		{"lr", strconv.FormatFloat(opt.LR, 'g', -1, 64), false},
	}
}

func settingsMap(ss []setting) map[string]string {
	out := make(map[string]string, len(ss))
	for _, s := range ss {
		out[s.name] = s.value
	}
	return out
}

// savedSettings are the options a state records; a state written before
// TrainState.Options holds only batch, seed, mode, loss, augmentation and
// training data.
func savedSettings(c *models.Checkpoint) map[string]string {
	if c.State.Options != nil {
		return c.State.Options
	}
	pr := c.Provenance
	sha, sel, _ := strings.Cut(pr.TrainSHA256, "/")
	return map[string]string{
		"pairs": dataLabel(sha, sel), "images": shortHash(pr.ImagesSHA256),
		"batch": strconv.Itoa(c.State.Batch), "seed": strconv.FormatUint(pr.Seed, 10), "mode": pr.Mode,
		"loss": cmp.Or(pr.Loss, LossModel), "augment": cmp.Or(pr.Augment, AugmentNone),
	}
}

// resume compares the options given with those of the state c (read from
// path): it refuses fixed ones that differ, naming them all, and applies
// and reports the others (see Train).
func resume(c *models.Checkpoint, path string, given []setting, opt *Options) error {
	saved := savedSettings(c)
	var refused, applied []string
	for _, g := range given {
		s, ok := saved[g.name]
		if !ok || s == g.value {
			continue
		}
		d := fmt.Sprintf("%s: saved %s, given %s", g.name, s, g.value)
		if g.fixed {
			refused = append(refused, d)
		} else {
			applied = append(applied, d)
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("build: %s was made by another run with other options (%s); rerun with the saved values to resume, or remove it to start over",
			path, strings.Join(refused, "; "))
	}
	st := c.State
	for _, d := range applied {
		name, _, _ := strings.Cut(d, ":")
		switch name {
		case "lr":
			d += fmt.Sprintf(" (the rate is %g now): training goes on at %g", st.LR, opt.LR)
			st.LR = opt.LR
		case "epochs":
			if opt.Epochs <= st.Epoch {
				d += fmt.Sprintf(": %d epochs are done, training ends now", st.Epoch)
			} else {
				d += fmt.Sprintf(": training goes on to epoch %d", opt.Epochs)
			}
		default:
			d += ": applied from the next epoch"
		}
		if opt.Notice != nil {
			opt.Notice(fmt.Sprintf("resuming %s with %s", path, d))
		}
	}
	return nil
}

// endEpoch records a finished epoch's validation loss in c's training
// state (gtrain.EndEpoch): the best weights are kept as "best/NAME"; after
// every lrPatience epochs without gain the learning rate halves; after
// patience of them training is done. It reports whether the epoch improved.
func endEpoch(c *models.Checkpoint, val float64, adam *Adam, patience, lrPatience int, took time.Duration) bool {
	return gtrain.EndEpoch(c.State, c.Tensors, c.Model.Params(), val, (*gtrain.Adam)(adam), patience, lrPatience, took)
}

// finalCheckpoint is the result of a training run: its best weights (the
// current ones if none was kept), no optimizer state, the state marked done.
func finalCheckpoint(c *models.Checkpoint) *models.Checkpoint {
	final := &models.Checkpoint{Model: c.Model, Provenance: c.Provenance, Domain: c.Domain}
	final.Tensors, final.Shapes, final.State = gtrain.Final(c.State, c.Tensors, c.Model.Params())
	return final
}

// TrainState is re-exported for callers that inspect checkpoints.
type TrainState = models.TrainState

func checkData(d Data, what string) error {
	if d.Images == nil || d.Pairs == nil {
		return fmt.Errorf("build: no %s data", what)
	}
	if err := d.Pairs.Header.CheckImages(d.Images); err != nil {
		return fmt.Errorf("%s pairs: %w", what, err)
	}
	if len(d.Pairs.Pairs) == 0 {
		return fmt.Errorf("build: no %s pairs", what)
	}
	return nil
}

// sameMethod refuses other pairs (what: validation, monitor) computed
// with another method than the training pairs (their headers' method,
// ot.Method.String()): early stopping and the history would measure the
// model against other values than it learns.
func sameMethod(train, other Data, what string) error {
	if a, b := train.Pairs.Header.Method, other.Pairs.Header.Method; a != b {
		return fmt.Errorf("build: the training pairs hold W2² by method %q, the %s pairs by %q: compute both with one method", a, what, b)
	}
	return nil
}

// disjoint enforces the validation split by images: no image of a
// validation pair may be one of the training pairs', by index when both
// sets come from one images file, by pixels otherwise (a validation file
// that copies some training images).
func disjoint(train, val Data) error {
	used := make(map[int]bool)
	for _, p := range train.Pairs.Pairs {
		used[p.I], used[p.J] = true, true
	}
	if train.Images.SHA256 == val.Images.SHA256 {
		for k, p := range val.Pairs.Pairs {
			for _, i := range []int{p.I, p.J} {
				if used[i] {
					return fmt.Errorf("build: validation pair %d uses image %d, which training pairs use too; split train and validation by images", k, i)
				}
			}
		}
		return nil
	}
	if train.Images.H != val.Images.H || train.Images.W != val.Images.W {
		return nil // refused elsewhere
	}
	seed := maphash.MakeSeed()
	buf := make([]byte, 4*train.Images.H*train.Images.W)
	key := func(s *dataset.Images, i int) uint64 {
		for k, v := range s.Row(i) {
			binary.LittleEndian.PutUint32(buf[4*k:], math.Float32bits(v))
		}
		return maphash.Bytes(seed, buf)
	}
	byKey := make(map[uint64][]int, len(used))
	for _, i := range slices.Sorted(maps.Keys(used)) { // the error names the first copy
		k := key(train.Images, i)
		byKey[k] = append(byKey[k], i)
	}
	for k, p := range val.Pairs.Pairs {
		for _, i := range []int{p.I, p.J} {
			for _, t := range byKey[key(val.Images, i)] {
				if slices.Equal(train.Images.Row(t), val.Images.Row(i)) {
					return fmt.Errorf("build: validation pair %d uses image %d of %s, the same pixels as training image %d of %s; split train and validation by images", k, i, val.Images.Source, t, train.Images.Source)
				}
			}
		}
	}
	return nil
}

// schedule turns a training set into the batches of each epoch, in an
// order that depends only on (seed, epoch): a resumed run sees exactly
// the batches an uninterrupted one would.
type schedule struct {
	m       *models.Model
	d       Data
	mode    string
	batch   int
	augment string
	squared bool    // targets are W2² whatever the model's scale
	images  []int   // images that appear in some pair
	comps   [][]int // connected components of the pair graph, if more than one
	table   map[[2]int]float64
}

func newSchedule(m *models.Model, d Data, mode string, batch int) *schedule {
	s := &schedule{m: m, d: d, mode: mode, batch: batch, table: make(map[[2]int]float64, len(d.Pairs.Pairs))}
	seen := map[int]bool{}
	for k, p := range d.Pairs.Pairs {
		i, j := min(p.I, p.J), max(p.I, p.J)
		s.table[[2]int{i, j}] = d.Pairs.W2Sq[k]
		for _, x := range []int{i, j} {
			if !seen[x] {
				seen[x] = true
				s.images = append(s.images, x)
			}
		}
	}
	s.components()
	return s
}

// components groups the images by connected component of the pair graph
// (kenn pairs --groups makes one per group); block batches are then cut
// within components, so that they carry all their pairs.
func (s *schedule) components() {
	parent := make(map[int]int, len(s.images))
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, x := range s.images {
		parent[x] = x
	}
	for _, p := range s.d.Pairs.Pairs {
		if a, b := find(p.I), find(p.J); a != b {
			parent[max(a, b)] = min(a, b)
		}
	}
	index := map[int]int{}
	var comps [][]int
	for _, x := range s.images {
		r := find(x)
		k, ok := index[r]
		if !ok {
			k = len(comps)
			index[r] = k
			comps = append(comps, nil)
		}
		comps[k] = append(comps[k], x)
	}
	if len(comps) > 1 {
		s.comps = comps
	}
}

// checkSteps refuses a training set on which an epoch has no step.
func (s *schedule) checkSteps(seed uint64) error {
	if s.mode == ModePair {
		if half := s.batch / 2; len(s.d.Pairs.Pairs) < half {
			return fmt.Errorf("build: pair mode with batch %d takes %d training pairs per step, but there are %d: an epoch would have no step; give at least %d training pairs or a batch of at most %d",
				s.batch, half, len(s.d.Pairs.Pairs), half, 2*len(s.d.Pairs.Pairs))
		}
		return nil
	}
	if len(s.images) < s.batch {
		return fmt.Errorf("build: block mode with batch %d takes blocks of %d images, but the training pairs use %d images: an epoch would have no step; give at least %d images in training pairs or a batch of at most %d",
			s.batch, s.batch, len(s.images), s.batch, len(s.images))
	}
	rng := rand.New(rand.NewPCG(seed, 0x65706f63)) // epoch 0, as in epoch
	for _, blk := range s.blocks(rng) {
		for a := range blk {
			for b := a + 1; b < len(blk); b++ {
				if _, ok := s.table[[2]int{min(blk[a], blk[b]), max(blk[a], blk[b])}]; ok {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("build: block mode with batch %d: no block of %d images holds a training pair (the pairs are too sparse among %d images): an epoch would have no step; use pair mode or pairs of kenn pairs --all or --groups",
		s.batch, s.batch, len(s.images))
}

// blocks cuts one epoch's blocks of images: the images shuffled, B at a
// time (a remainder smaller than B sits the epoch out); with several
// components, each component's shuffled images B at a time, the
// components' remainders pooled and cut the same way, all blocks shuffled.
func (s *schedule) blocks(rng *rand.Rand) [][]int {
	var out [][]int
	cut := func(order []int) (rest []int) {
		k := 0
		for ; k+s.batch <= len(order); k += s.batch {
			out = append(out, order[k:k+s.batch])
		}
		return order[k:]
	}
	if s.comps == nil {
		order := append([]int(nil), s.images...)
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		cut(order)
		return out
	}
	var pool []int
	for _, c := range s.comps {
		order := append([]int(nil), c...)
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		pool = append(pool, cut(order)...)
	}
	rng.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
	cut(pool)
	rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}

func (s *schedule) epoch(seed uint64, epoch int) []*Batch {
	rng := rand.New(rand.NewPCG(seed, uint64(epoch)+0x65706f63)) // "epoc"
	var out []*Batch
	if s.mode == ModeBlock {
		for _, blk := range s.blocks(rng) {
			bt := &Batch{}
			for _, i := range blk {
				bt.Images = append(bt.Images, s.d.Images.Row(i))
			}
			for a := 0; a < len(blk); a++ {
				for b := a + 1; b < len(blk); b++ {
					i, j := min(blk[a], blk[b]), max(blk[a], blk[b])
					if v, ok := s.table[[2]int{i, j}]; ok {
						bt.Pairs = append(bt.Pairs, [2]int{a, b})
						bt.Targets = append(bt.Targets, s.target(v))
					}
				}
			}
			if len(bt.Pairs) > 0 {
				s.transform(rng, bt)
				out = append(out, bt)
			}
		}
		return out
	}
	perm := rng.Perm(len(s.d.Pairs.Pairs))
	half := s.batch / 2
	for k := 0; k+half <= len(perm); k += half {
		bt := &Batch{Images: make([][]float32, s.batch)}
		for q, idx := range perm[k : k+half] {
			p := s.d.Pairs.Pairs[idx]
			bt.Images[q] = s.d.Images.Row(p.I)
			bt.Images[half+q] = s.d.Images.Row(p.J)
			bt.Pairs = append(bt.Pairs, [2]int{q, half + q})
			bt.Targets = append(bt.Targets, s.target(s.d.Pairs.W2Sq[idx]))
		}
		s.transform(rng, bt)
		out = append(out, bt)
	}
	return out
}

// target is the training target of a pair at exact W2² w2sq.
func (s *schedule) target(w2sq float64) float64 {
	if s.squared {
		return w2sq
	}
	return target(s.m, w2sq)
}

// transform applies the schedule's augmentation to a batch: one random
// grid symmetry for all its images, which keeps every target exact.
func (s *schedule) transform(rng *rand.Rand, bt *Batch) {
	if s.augment != AugmentDihedral {
		return
	}
	g := rng.IntN(symmetries(s.d.Images.H, s.d.Images.W))
	if g == 0 {
		return
	}
	for k, img := range bt.Images {
		out := make([]float32, len(img))
		symmetry(g, s.d.Images.H, s.d.Images.W, img, out)
		bt.Images[k] = out
	}
}

// calibrate rescales freshly initialized weights so that the mean
// prediction on the first batches equals the mean target: the last dense
// layer for dwe (whose output is squared), the segment weights otherwise.
// First, for models.WeightingSoftmax, it fixes the segment norms ν
// (setSegmentNorms) on the same pairs.
// Without it, initial distances are hundreds of times the targets and the
// first Adam steps kill the ReLUs.
func calibrate(eval *Net, c *models.Checkpoint, batches []*Batch, squared bool) error {
	m := c.Model
	if err := eval.SetWeights(c); err != nil {
		return err
	}
	var pairs [][2][]float64
	var st float64
	for _, bt := range batches[:min(4, len(batches))] {
		emb, err := Embeddings(eval, bt.Images)
		if err != nil {
			return err
		}
		for k, p := range bt.Pairs {
			pairs = append(pairs, [2][]float64{emb[p[0]], emb[p[1]]})
			if squared { // targets are W2², the model's distances W2
				st += math.Sqrt(bt.Targets[k])
			} else {
				st += bt.Targets[k]
			}
		}
	}
	setSegmentNorms(c, pairs)
	w := c.DistanceWeights()
	var sp float64
	for _, p := range pairs {
		sp += models.Distance(m, w, p[0], p[1])
	}
	if !(sp > 0) || !(st > 0) {
		return nil
	}
	if cal := lowerings()[m.Kind].calibrate; cal != nil {
		cal(c, st/sp)
	}
	return nil
}

// setSegmentNorms sets the segment norms ν_l of a models.WeightingSoftmax
// model to the mean ‖fx_l − fy_l‖₂ over pairs (embedding pairs of the
// initial weights), so that every normalized segment distance starts at
// a mean of 1; a segment whose mean is 0 (a dead layer) keeps ν_l = 1.
// ν is fixed from then on (models.IsFixedParam): build and export both
// read it from the checkpoint.
func setSegmentNorms(c *models.Checkpoint, pairs [][2][]float64) {
	m := c.Model
	if m.Weighting != models.WeightingSoftmax || len(pairs) == 0 {
		return
	}
	ones := make([]float64, len(m.Segments()))
	for i := range ones {
		ones[i] = 1
	}
	mean := models.SegmentContributions(m, ones, pairs)
	norm := c.Tensors[models.NormParam(m.Kind.WeightsParam())]
	for l, v := range mean {
		if v > 0 && !math.IsInf(v, 0) {
			norm[l] = float32(v)
		}
	}
}

// weightsLRFactor multiplies the learning rate of the segment weights' own
// parameters, θ (softmax(θ), the profile) and s (the scale), of a
// models.WeightingSoftmax model: a handful of values, each of which Adam
// moves by at most about the learning rate per step, where the profile
// needs moves of order 1 within a short run. Measured on kenn train's
// ODE-KENN (K = 8), 12,600 exact MNIST pairs (20 groups of 36 images, all
// their pairs, from make fit-mnist's train.pairs), block mode, batch 36,
// 20 epochs, LR 1e-3, seed 1, validated on 2,520 pairs of 4 other groups:
// the segments' contributions (weight × mean segment distance over 2,000
// validation pairs), largest/smallest, and the validation relative MSE on
// W2: factor 1: 1.21, 0.00408; factor 10: 1.89, 0.00372; factor 30: 6.70,
// 0.00386. The profile has one shape at every factor (largest at t = 0,
// smallest at t = 0.5), so the factor speeds the profile up, it does not
// make it: 10, the lowest error of the three.
const weightsLRFactor = 10

// weightedStep is Adam's step (Adam.Step) with the rate of the segment
// weights' parameters multiplied by weightsLRFactor (WeightingSoftmax
// models only; the others' steps are Adam.Step's).
func weightedStep(a Adam, n *Net, c *models.Checkpoint, step int) error {
	m := c.Model
	if m.Weighting != models.WeightingSoftmax || weightsLRFactor == 1 {
		return a.Step(n, c, step)
	}
	theta := m.Kind.WeightsParam()
	var rest, own []*G.Node
	for _, p := range n.params {
		if p.Name() == theta || p.Name() == models.ScaleParam(theta) {
			own = append(own, p)
		} else {
			rest = append(rest, p)
		}
	}
	if err := gtrain.Adam(a).Update(rest, c.Tensors, step); err != nil {
		return err
	}
	fast := gtrain.Adam(a)
	fast.LR *= weightsLRFactor
	return fast.Update(own, c.Tensors, step)
}
