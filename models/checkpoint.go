package models

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// Checkpoint file format, version 1 (little-endian):
//
//	magic    8 bytes  "KENNCKPT"
//	version  uint32   1
//	hlen     uint32   length of the JSON header
//	header   hlen bytes of JSON: {"model", "provenance", "metrics",
//	         "state", "card", "tensors": [{"name", "shape", "offset"}]}
//	data     float32 values of every tensor, at its offset (in values)
//	sha256   32 bytes over everything above
//
// Tensors are the weights (named as in Model.Params) and, in a checkpoint
// taken during training, the optimizer's moments ("adam.m/NAME",
// "adam.v/NAME") and the best weights so far ("best/NAME"). A reader refuses a file whose checksum, magic or version
// does not match.

// CheckpointVersion is the version this package writes.
const CheckpointVersion = 1

var ckptMagic = []byte("KENNCKPT")

// statePrefixes name the training-state tensors kept beside each weight:
// Adam's moments and the best weights seen so far.
var statePrefixes = []string{"adam.m/", "adam.v/", "best/"}

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
	// Tensors maps names to float32 values, shaped as in Shapes.
	Tensors map[string][]float32 `json:"-"`
	Shapes  map[string][]int     `json:"-"`
}

type tensorEntry struct {
	Name   string `json:"name"`
	Shape  []int  `json:"shape"`
	Offset int    `json:"offset"`
}

type header struct {
	*Checkpoint
	Tensors []tensorEntry `json:"tensors"`
}

// NewCheckpoint returns a checkpoint of m with freshly initialized weights:
// He-uniform for layers followed by ReLU, Glorot-uniform otherwise, zero
// biases, distance weights β = α = softplus⁻¹(1/count) so the initial
// distance is an average of the segments; the ODE's output layer starts
// small.
func NewCheckpoint(m *Model, seed uint64) (*Checkpoint, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.Kind == KindEnsemble { // members initialized as models of their own, seeds seed, seed+1, …
		var cs []*Checkpoint
		for k, mm := range m.Members {
			mc, err := NewCheckpoint(mm, seed+uint64(k))
			if err != nil {
				return nil, err
			}
			cs = append(cs, mc)
		}
		c, err := NewEnsemble(cs...)
		if err == nil {
			c.Provenance.Seed = seed
		}
		return c, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x77656967)) // "weig"
	c := &Checkpoint{Model: m, Tensors: map[string][]float32{}, Shapes: map[string][]int{}, Provenance: Provenance{Seed: seed}}
	acts := map[string]string{}
	for _, l := range m.Encoder {
		acts[l.Name+".W"] = l.Act
	}
	for _, l := range m.Decoder {
		acts["dec."+l.Name+".W"] = l.Act
	}
	for _, p := range m.Params() {
		v := make([]float32, p.Size())
		switch {
		case p.Name == "beta" || p.Name == "alpha":
			x := float32(math.Log(math.Expm1(1 / float64(len(v)))))
			for i := range v {
				v[i] = x
			}
		case strings.HasSuffix(p.Name, "rho"):
			x := float32(math.Log(m.SNN.InitSigma))
			for i := range v {
				v[i] = x
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
			if p.Name == "ode.W2" {
				limit *= 0.1
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
func (c *Checkpoint) Weights() ([][]float32, error) {
	var out [][]float32
	for _, p := range c.Model.Params() {
		v, ok := c.Tensors[p.Name]
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
	names := make([]string, 0, len(c.Tensors))
	for _, p := range c.Model.Params() {
		if _, ok := c.Tensors[p.Name]; ok {
			names = append(names, p.Name)
		}
	}
	for _, p := range c.Model.Params() { // training state after the weights
		for _, pre := range statePrefixes {
			if _, ok := c.Tensors[pre+p.Name]; ok {
				names = append(names, pre+p.Name)
			}
		}
	}
	if len(names) != len(c.Tensors) {
		return fmt.Errorf("checkpoint has %d tensors, %d of them named by the model", len(c.Tensors), len(names))
	}
	h := header{Checkpoint: c}
	off := 0
	for _, n := range names {
		shape := c.Shapes[n]
		for _, pre := range statePrefixes {
			if shape == nil && len(n) > len(pre) && n[:len(pre)] == pre {
				shape = c.Shapes[n[len(pre):]]
			}
		}
		h.Tensors = append(h.Tensors, tensorEntry{Name: n, Shape: shape, Offset: off})
		off += len(c.Tensors[n])
	}
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Write(ckptMagic)
	binary.Write(&buf, binary.LittleEndian, uint32(CheckpointVersion))
	binary.Write(&buf, binary.LittleEndian, uint32(len(js)))
	buf.Write(js)
	raw := make([]byte, 4*off)
	k := 0
	for _, n := range names {
		for _, v := range c.Tensors[n] {
			binary.LittleEndian.PutUint32(raw[k:], math.Float32bits(v))
			k += 4
		}
	}
	buf.Write(raw)
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// ErrNotCheckpoint is returned for files that are not kenn checkpoints.
var ErrNotCheckpoint = errors.New("not a kenn checkpoint")

// maxCheckpointBytes bounds a checkpoint file (4 GiB).
const maxCheckpointBytes = 1 << 32

// LoadCheckpoint reads and verifies a checkpoint file, read once (a pipe
// works). It refuses, naming the file: a wrong magic, version or SHA-256
// (so any flipped bit or truncation), a header that does not describe a
// valid model, tensors whose shapes are not positive or overflow, that
// overlap, leave gaps or trailing bytes in the data, repeat a name, are
// not parameters of the model (or their training state) or differ from
// the model's shapes, and non-finite values.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > maxCheckpointBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than a checkpoint may have (%d)", path, st.Size(), int64(maxCheckpointBytes))
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxCheckpointBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > maxCheckpointBytes {
		return nil, fmt.Errorf("%s: more than the %d bytes a checkpoint may have", path, int64(maxCheckpointBytes))
	}
	return decodeCheckpoint(path, raw)
}

func decodeCheckpoint(path string, raw []byte) (*Checkpoint, error) {
	if len(raw) < 16+32 || !bytes.Equal(raw[:8], ckptMagic) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotCheckpoint)
	}
	body, sum := raw[:len(raw)-32], raw[len(raw)-32:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("%s: checksum mismatch: the file is corrupt or truncated", path)
	}
	if v := binary.LittleEndian.Uint32(body[8:]); v != CheckpointVersion {
		return nil, fmt.Errorf("%s: checkpoint version %d, this kenn reads version %d", path, v, CheckpointVersion)
	}
	hlen := int64(binary.LittleEndian.Uint32(body[12:]))
	if 16+hlen > int64(len(body)) {
		return nil, fmt.Errorf("%s: header length %d beyond the file", path, hlen)
	}
	c := &Checkpoint{}
	h := header{Checkpoint: c}
	if err := json.Unmarshal(body[16:16+hlen], &h); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	if c.Model == nil {
		return nil, fmt.Errorf("%s: header has no model", path)
	}
	if err := c.Model.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	data := body[16+hlen:]
	if len(data)%4 != 0 {
		return nil, fmt.Errorf("%s: %d bytes of tensor data is not a whole number of float32 values", path, len(data))
	}
	// The names a checkpoint may hold: the model's parameters and their
	// training state, each with the parameter's shape.
	shapes := map[string][]int{}
	for _, p := range c.Model.Params() {
		if _, ok := checkedSize(p.Shape); !ok {
			return nil, fmt.Errorf("%s: model parameter %s has shape %v, not positive or too large", path, p.Name, p.Shape)
		}
		shapes[p.Name] = p.Shape
		for _, pre := range statePrefixes {
			shapes[pre+p.Name] = p.Shape
		}
	}
	c.Tensors, c.Shapes = map[string][]float32{}, map[string][]int{}
	off := int64(0)
	total := int64(len(data) / 4)
	for _, t := range h.Tensors {
		want, ok := shapes[t.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("%s: tensor %q is not a parameter of the %s model (nor its training state)", path, t.Name, c.Model.Kind)
		case c.Tensors[t.Name] != nil:
			return nil, fmt.Errorf("%s: tensor %s appears twice", path, t.Name)
		case !slices.Equal(t.Shape, want):
			return nil, fmt.Errorf("%s: tensor %s has shape %v, the model's is %v", path, t.Name, t.Shape, want)
		case int64(t.Offset) != off:
			return nil, fmt.Errorf("%s: tensor %s at offset %d, want %d (tensors follow each other)", path, t.Name, t.Offset, off)
		}
		n, _ := checkedSize(t.Shape) // checked with the model's shapes
		if n > total-off {
			return nil, fmt.Errorf("%s: tensor %s (%d values at %d) lies beyond the data (%d values)", path, t.Name, n, off, total)
		}
		v := make([]float32, n)
		for i := range v {
			x := math.Float32frombits(binary.LittleEndian.Uint32(data[4*(off+int64(i)):]))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("%s: tensor %s value %d is %v", path, t.Name, i, x)
			}
			v[i] = x
		}
		off += n
		c.Tensors[t.Name] = v
		c.Shapes[t.Name] = t.Shape
	}
	if off != total {
		return nil, fmt.Errorf("%s: %d values of tensor data after the last tensor", path, total-off)
	}
	if _, err := c.Weights(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// checkedSize is the number of values of shape: positive dimensions whose
// product stays below 2^40.
func checkedSize(shape []int) (int64, bool) {
	n := int64(1)
	for _, d := range shape {
		if d <= 0 || int64(d) > (1<<40)/n {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}

// CheckCompatible refuses a checkpoint of another kind or input size.
func (c *Checkpoint) CheckCompatible(kind string, h, w int) error {
	m := c.Model
	if m.Kind == KindSNN && kind != KindSNN {
		return fmt.Errorf("checkpoint holds a stochastic neural network (snn) for tabular data, not an image model")
	}
	if kind != "" && m.Kind != kind {
		return fmt.Errorf("checkpoint holds a %s model, not %s", m.Kind, kind)
	}
	if m.H != h || m.W != w {
		return fmt.Errorf("checkpoint model takes %dx%d images, the data is %dx%d", m.H, m.W, h, w)
	}
	return nil
}
