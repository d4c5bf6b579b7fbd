package snn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/kenn-ot/kenn/internal/ckptfile"
	"github.com/kenn-ot/kenn/models"
)

// Checkpoint is an SNN description with its tensors and metadata. It is
// written in kenn's checkpoint container (internal/ckptfile, the format
// of models.Checkpoint) with the header {"kind": "snn", "snn":
// description, "provenance", "metrics", "state", "tensors"}; tensors are
// the weights (named as in Model.Params) and, during training, Adam's
// moments and the best weights ("adam.m/NAME", "adam.v/NAME",
// "best/NAME").
type Checkpoint struct {
	Model      *Model             `json:"snn"`
	Provenance models.Provenance  `json:"provenance"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
	State      *models.TrainState `json:"state,omitempty"`
	// Tensors maps names to float32 values, shaped as in Shapes.
	Tensors map[string][]float32 `json:"-"`
	Shapes  map[string][]int     `json:"-"`
}

type header struct {
	Kind string `json:"kind"`
	*Checkpoint
	// Legacy is where checkpoints written before this package held the
	// description: {"model": {"kind": "snn", "snn": …}}.
	Legacy *struct {
		Kind string `json:"kind"`
		SNN  *Model `json:"snn"`
	} `json:"model,omitempty"`
	Tensors []ckptfile.Entry `json:"tensors"`
}

// NewCheckpoint returns a checkpoint of s with freshly initialized
// weights: weight means [in, out] and the shift [Σ K_c, Cont] drawn
// Glorot-uniform, U(±√(6/(in+out))), from a PCG generator seeded with
// seed; bias means 0; every log-σ (ρ) log InitSigma.
func NewCheckpoint(s *Model, seed uint64) (*Checkpoint, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x77656967)) // "weig", as models.NewCheckpoint
	c := &Checkpoint{Model: s, Tensors: map[string][]float32{}, Shapes: map[string][]int{}, Provenance: models.Provenance{Seed: seed}}
	for _, p := range s.Params() {
		v := make([]float32, p.Size())
		switch {
		case strings.HasSuffix(p.Name, "rho"):
			for i := range v {
				v[i] = float32(math.Log(s.InitSigma))
			}
		case len(p.Shape) == 2:
			limit := math.Sqrt(6 / float64(p.Shape[0]+p.Shape[1]))
			for i := range v {
				v[i] = float32((2*rng.Float64() - 1) * limit)
			}
		}
		c.Tensors[p.Name], c.Shapes[p.Name] = v, p.Shape
	}
	return c, nil
}

// Weights returns the parameter tensors in Params order.
func (c *Checkpoint) Weights() ([][]float32, error) {
	w, err := models.ParamWeights(c.Model.Params(), c.Tensors)
	if err != nil {
		return nil, fmt.Errorf("snn: %w", err)
	}
	return w, nil
}

func (c *Checkpoint) paramNames() ([]string, [][]int) {
	var names []string
	var shapes [][]int
	for _, p := range c.Model.Params() {
		names, shapes = append(names, p.Name), append(shapes, p.Shape)
	}
	return names, shapes
}

// Save writes the checkpoint atomically.
func (c *Checkpoint) Save(path string) error {
	params, _ := c.paramNames()
	names, err := ckptfile.Order(params, c.Tensors)
	if err != nil {
		return fmt.Errorf("snn: %w", err)
	}
	js, err := json.Marshal(header{Kind: Kind, Checkpoint: c, Tensors: ckptfile.Layout(names, c.Tensors, c.Shapes)})
	if err != nil {
		return fmt.Errorf("snn: %w", err)
	}
	return ckptfile.Write(path, js, names, c.Tensors)
}

// ErrNotSNN is returned by LoadCheckpoint for a kenn checkpoint that
// holds no SNN (an image model's, see models.LoadCheckpoint).
var ErrNotSNN = errors.New("not a stochastic neural network (snn) checkpoint")

// LoadCheckpoint reads and verifies an SNN checkpoint, read once (a pipe
// works), with the refusals of models.LoadCheckpoint (checksum, version,
// header, tensor names, shapes, offsets, non-finite values). A kenn
// checkpoint of an image model is refused with ErrNotSNN.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	raw, err := ckptfile.Read(path)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{}
	h := header{Checkpoint: c}
	data, err := ckptfile.Decode(path, raw, &h)
	if err != nil {
		return nil, err
	}
	if h.Legacy != nil && c.Model == nil {
		if h.Legacy.Kind != Kind || h.Legacy.SNN == nil {
			return nil, fmt.Errorf("%s: %w: it holds a %s image model", path, ErrNotSNN, h.Legacy.Kind)
		}
		c.Model = h.Legacy.SNN
	}
	if c.Model == nil {
		return nil, fmt.Errorf("%s: %w: the header has no snn description", path, ErrNotSNN)
	}
	if err := c.Model.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	names, shapes := c.paramNames()
	if c.Tensors, c.Shapes, err = ckptfile.Tensors(path, h.Tensors, data, names, shapes, Kind); err != nil {
		return nil, err
	}
	if _, err := c.Weights(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
