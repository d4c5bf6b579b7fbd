package models

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/kenn-ot/kenn/internal/ckptfile"
)

// Checkpoint file format, version 1 (little-endian):
//
//	magic    8 bytes  "KENNCKPT"
//	version  uint32   1
//	hlen     uint32   length of the JSON header
//	header   hlen bytes of JSON: {"model", "provenance", "metrics",
//	         "state", "card", "domain", "tensors": [{"name", "shape",
//	         "offset"}]}
//	data     float32 values of every tensor, at its offset (in values)
//	sha256   32 bytes over everything above
//
// Tensors are the weights (named as in Model.Params) and, in a checkpoint
// taken during training, the optimizer's moments ("adam.m/NAME",
// "adam.v/NAME") and the best weights so far ("best/NAME"). A reader refuses a file whose checksum, magic or version
// does not match.

// CheckpointVersion is the version this package writes.
const CheckpointVersion = ckptfile.Version

var ckptMagic = []byte(ckptfile.Magic)

// Provenance records what a model was trained on.
type Provenance struct {
	TrainPairs   string `json:"train_pairs,omitempty"` // path as given
	TrainSHA256  string `json:"train_sha256,omitempty"`
	ImagesSHA256 string `json:"images_sha256,omitempty"`
	NumPairs     int    `json:"num_pairs,omitempty"`
	NumImages    int    `json:"num_images,omitempty"`
	Mode         string `json:"mode,omitempty"`    // pair or block
	Augment      string `json:"augment,omitempty"` // "" or dihedral (build.Options.Augment)
	Loss         string `json:"loss,omitempty"`    // "" (the model's scale) or w2sq (build.Options.Loss)
	Seed         uint64 `json:"seed"`
	// Members is the provenance of each member of an ensemble.
	Members     []Provenance `json:"members,omitempty"`
	KennVersion string       `json:"kenn_version,omitempty"`
}

// TrainState is what a resumed run needs beyond the tensors.
type TrainState struct {
	Epoch      int     `json:"epoch"`      // completed epochs
	EpochStep  int     `json:"epoch_step"` // steps done in the current epoch
	Step       int     `json:"step"`       // optimizer steps taken
	BestVal    float64 `json:"best_val"`
	BestEpoch  int     `json:"best_epoch"`
	Bad        int     `json:"bad_epochs"` // epochs without improvement
	LR         float64 `json:"lr"`
	Batch      int     `json:"batch"`
	Seconds    float64 `json:"seconds"` // training time so far
	Done       bool    `json:"done"`
	StopReason string  `json:"stop_reason,omitempty"`
	// Options records the options the run was started with (by flag name,
	// values as text), so that a resume can name those given differently.
	// Absent in states written before it existed.
	Options map[string]string `json:"options,omitempty"`
}

// CapStopReason is the StopReason of a run that trained all its epochs
// (its cap) without stopping early.
func CapStopReason(epochs int) string { return fmt.Sprintf("%d epochs", epochs) }

// StoppedAtCap reports whether the run ended by training its last
// allowed epoch rather than by early stopping.
func (s *TrainState) StoppedAtCap() bool { return s.StopReason == CapStopReason(s.Epoch) }

// Checkpoint is a model description with its tensors and metadata.
type Checkpoint struct {
	Model      *Model             `json:"model"`
	Provenance Provenance         `json:"provenance"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
	State      *TrainState        `json:"state,omitempty"`
	// Card is the model card of a model made by kenn fit (the facts of
	// NAME.card.md as JSON: data, split, pairs, training, held-out test
	// figures); export carries it into every ONNX file as kenn.card.
	Card json.RawMessage `json:"card,omitempty"`
	// Domain describes the training images (NewDomain); nil in
	// checkpoints written before it existed. export carries it into
	// every ONNX file as kenn.domain, and the runtimes screen images
	// against it.
	Domain *Domain `json:"domain,omitempty"`
	// Tensors maps names to float32 values, shaped as in Shapes.
	Tensors map[string][]float32 `json:"-"`
	Shapes  map[string][]int     `json:"-"`
}

type header struct {
	*Checkpoint
	Tensors []ckptfile.Entry `json:"tensors"`
}

// NewCheckpoint returns a checkpoint of m with freshly initialized weights:
// He-uniform for layers followed by ReLU, Glorot-uniform otherwise, zero
// biases, distance weights β = α = softplus⁻¹(1/count) so the initial
// distance is an average of the segments (WeightingSoftplus), or θ = 0,
// softplus(s) = 1 and ν = 1 (WeightingSoftmax); the ODE's output layer
// scaled by odeOutputGain.
func NewCheckpoint(m *Model, seed uint64) (*Checkpoint, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if spec, ok := m.Kind.spec(); ok && spec.newCheckpoint != nil {
		return spec.newCheckpoint(m, seed)
	}
	rng := rand.New(rand.NewPCG(seed, 0x77656967)) // "weig"
	c := &Checkpoint{Model: m, Tensors: map[string][]float32{}, Shapes: map[string][]int{}, Provenance: Provenance{Seed: seed}}
	acts := map[string]string{}
	for _, l := range m.Encoder {
		acts[WeightParam("", l)] = l.Act
	}
	for _, l := range m.Decoder {
		acts[WeightParam(DecoderPrefix, l)] = l.Act
	}
	weights := m.Kind.WeightsParam()
	softmax := weights != "" && m.Weighting == WeightingSoftmax
	for _, p := range m.Params() {
		v := make([]float32, p.Size())
		switch {
		case p.Name == weights && weights != "" && !softmax:
			x := float32(math.Log(math.Expm1(1 / float64(len(v)))))
			for i := range v {
				v[i] = x
			}
		case softmax && p.Name == weights: // θ = 0: softmax(θ) uniform
		case softmax && p.Name == ScaleParam(weights): // softplus(s) = 1
			v[0] = float32(math.Log(math.E - 1))
		case softmax && p.Name == NormParam(weights): // ν = 1 until measured
			for i := range v {
				v[i] = 1
			}
		case len(p.Shape) >= 2:
			fanIn, fanOut := p.Shape[0], p.Shape[1]
			if len(p.Shape) == 4 { // conv [out, in, k, k]
				fanIn = p.Shape[1] * p.Shape[2] * p.Shape[3]
				fanOut = p.Shape[0] * p.Shape[2] * p.Shape[3]
			}
			limit := math.Sqrt(6 / float64(fanIn+fanOut))
			if acts[p.Name] == ActReLU {
				limit = math.Sqrt(6 / float64(fanIn))
			}
			if p.Name == ParamODEW2 {
				limit *= odeOutputGain(m)
			}
			for i := range v {
				v[i] = float32((2*rng.Float64() - 1) * limit)
			}
		}
		c.Tensors[p.Name] = v
		c.Shapes[p.Name] = p.Shape
	}
	return c, nil
}

// Weights returns the model's parameter tensors in Params order.
func (c *Checkpoint) Weights() ([][]float32, error) { return ParamWeights(c.Model.Params(), c.Tensors) }

// ParamWeights returns tensors[p.Name] for each parameter p, in order,
// refusing a missing tensor or one of another size (shared with the
// checkpoints of models/snn).
func ParamWeights(params []Param, tensors map[string][]float32) ([][]float32, error) {
	var out [][]float32
	for _, p := range params {
		v, ok := tensors[p.Name]
		if !ok {
			return nil, fmt.Errorf("checkpoint lacks parameter %s", p.Name)
		}
		if len(v) != p.Size() {
			return nil, fmt.Errorf("checkpoint parameter %s has %d values, want %d", p.Name, len(v), p.Size())
		}
		out = append(out, v)
	}
	return out, nil
}

// Save writes the checkpoint atomically.
func (c *Checkpoint) Save(path string) error {
	var params []string
	for _, p := range c.Model.Params() {
		params = append(params, p.Name)
	}
	names, err := ckptfile.Order(params, c.Tensors)
	if err != nil {
		return err
	}
	js, err := json.Marshal(header{Checkpoint: c, Tensors: ckptfile.Layout(names, c.Tensors, c.Shapes)})
	if err != nil {
		return err
	}
	return ckptfile.Write(path, js, names, c.Tensors)
}

// ErrNotCheckpoint is returned for files that are not kenn checkpoints.
var ErrNotCheckpoint = ckptfile.ErrNotCheckpoint

// LoadCheckpoint reads and verifies a checkpoint file, read once (a pipe
// works). It refuses, naming the file: a wrong magic, version or SHA-256
// (so any flipped bit or truncation), a header that does not describe a
// valid model, tensors whose shapes are not positive or overflow, that
// overlap, leave gaps or trailing bytes in the data, repeat a name, are
// not parameters of the model (or their training state) or differ from
// the model's shapes, and non-finite values.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	raw, err := ckptfile.Read(path)
	if err != nil {
		return nil, err
	}
	return decodeCheckpoint(path, raw)
}

func decodeCheckpoint(path string, raw []byte) (*Checkpoint, error) {
	c := &Checkpoint{}
	h := header{Checkpoint: c}
	data, err := ckptfile.Decode(path, raw, &h)
	if err != nil {
		return nil, err
	}
	if c.Model == nil {
		return nil, fmt.Errorf("%s: header has no image model (a stochastic neural network's checkpoint is read by package models/snn and kenn snn)", path)
	}
	if err := c.Model.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.Domain != nil {
		if err := c.Domain.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if c.Domain.H != c.Model.H || c.Domain.W != c.Model.W {
			return nil, fmt.Errorf("%s: domain of %dx%d images for a model of %dx%d", path, c.Domain.H, c.Domain.W, c.Model.H, c.Model.W)
		}
	}
	var names []string
	var shapes [][]int
	for _, p := range c.Model.Params() {
		names, shapes = append(names, p.Name), append(shapes, p.Shape)
	}
	if c.Tensors, c.Shapes, err = ckptfile.Tensors(path, h.Tensors, data, names, shapes, string(c.Model.Kind)); err != nil {
		return nil, err
	}
	if _, err := c.Weights(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// CheckCompatible refuses a checkpoint of another kind or input size.
func (c *Checkpoint) CheckCompatible(kind Kind, h, w int) error {
	m := c.Model
	if kind != "" && m.Kind != kind {
		return fmt.Errorf("checkpoint holds a %s model, not %s", m.Kind, kind)
	}
	if m.H != h || m.W != w {
		return fmt.Errorf("checkpoint model takes %dx%d images, the data is %dx%d", m.H, m.W, h, w)
	}
	return nil
}

// odeOutputGain scales the Glorot limit of the ODE's output weights W₂:
// 0.1 for WeightingSoftplus (as before), 4 for WeightingSoftmax. The
// encoder's initial output z(0) has a norm of 13–26 on MNIST, and the
// field's size does not grow with it (tanh), so a small W₂ leaves every
// state at z(0)'s distances and the time weights nothing to tell apart.
// Measured on 64 MNIST test images (32 pairs), kenn train's matched
// ODE-KENN (K = 8, 64 hidden units), seeds 1 and 2, the mean pair
// distance at t_K over that at t_0, D_K/D_0, and the mean ‖z(t_K) −
// z(0)‖/‖z(0)‖: gain 0.1: D_K/D_0 1.00 (every D_k/D_0 within 0.5%), moves
// 0.02–0.04; gain 1: 1.05–1.07, 0.2–0.4; gain 4: 1.48–1.78, 0.9–1.4;
// gain 8: 2.3–3.1, 1.9–2.9.
func odeOutputGain(m *Model) float64 {
	if m.Weighting == WeightingSoftmax {
		return 4
	}
	return 0.1
}
