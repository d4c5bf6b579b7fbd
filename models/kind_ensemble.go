package models

import (
	"errors"
	"fmt"
	"strings"
)

// KindEnsemble averages the predictions of W2 models (deepkenn, odekenn,
// naive) trained separately, e.g. with different seeds or backbones on the
// same exact pairs: d(x, y) = (1/M) Σ_k d_k(x, y). Each member's distance is
// a positively weighted sum of segment norms, so the ensemble is one too:
// its embedding is the members' embeddings concatenated and its segment
// weights are theirs divided by M. Exported, it is one ONNX model like any
// other. Member k's parameters are named "m<k>/" + the member's names.
const KindEnsemble Kind = "ensemble"

func ensembleKind() kindSpec {
	return kindSpec{
		kind: KindEnsemble, target: TargetW2, form: FormWeightedNorms, composite: true,
		params:   (*Model).ensembleParams,
		segments: (*Model).ensembleSegments,
		validate: (*Model).validateEnsemble,
		weightNames: func(c *Checkpoint) []string { // the members' names, DistanceWeights' order
			var names []string
			for k := range c.Model.Members {
				n, _ := c.Member(k).WeightProfile()
				for _, name := range n {
					names = append(names, MemberPrefix(k)+name)
				}
			}
			return names
		},
		distanceWeights: func(c *Checkpoint) []float64 { // the members' weights over M
			var w []float64
			M := float64(len(c.Model.Members))
			for k := range c.Model.Members {
				for _, v := range c.Member(k).DistanceWeights() {
					w = append(w, v/M)
				}
			}
			return w
		},
		newCheckpoint: func(m *Model, seed uint64) (*Checkpoint, error) { // members initialized as models of their own, seeds seed, seed+1, …
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
		},
	}
}

// MemberPrefix names member k's parameters.
func MemberPrefix(k int) string { return fmt.Sprintf("m%d/", k) }

// Ensemble is the description of the average of members.
func Ensemble(members ...*Model) *Model {
	m := &Model{Kind: KindEnsemble, Target: TargetW2, Members: members}
	if len(members) > 0 {
		m.H, m.W = members[0].H, members[0].W
	}
	return m
}

func (m *Model) validateEnsemble() error {
	if len(m.Members) < 2 {
		return fmt.Errorf("models: an ensemble needs at least 2 members, has %d", len(m.Members))
	}
	if m.Target != TargetW2 || len(m.Encoder) > 0 || m.ODE != nil || len(m.Decoder) > 0 {
		return errors.New("models: an ensemble predicts w2 and has no layers of its own")
	}
	for k, mm := range m.Members {
		if mm.Kind.Form() != FormWeightedNorms || mm.Kind.Composite() {
			return fmt.Errorf("models: ensemble member %d is a %s; members must be single models that predict W2 (%s)", k, mm.Kind, strings.Join(Names(memberKinds()...), ", "))
		}
		if mm.H != m.H || mm.W != m.W {
			return fmt.Errorf("models: ensemble member %d takes %dx%d images, the ensemble %dx%d", k, mm.H, mm.W, m.H, m.W)
		}
		if err := mm.Validate(); err != nil {
			return fmt.Errorf("ensemble member %d: %w", k, err)
		}
	}
	return nil
}

// memberKinds are the kinds an ensemble's members may have: the single
// (not composite) kinds that predict W2 as a weighted sum of norms.
func memberKinds() []Kind {
	var ks []Kind
	for _, k := range Trainable() {
		if k.Form() == FormWeightedNorms {
			ks = append(ks, k)
		}
	}
	return ks
}

func (m *Model) ensembleParams() []Param {
	var ps []Param
	for k, mm := range m.Members {
		for _, p := range mm.Params() {
			ps = append(ps, Param{MemberPrefix(k) + p.Name, p.Shape})
		}
	}
	return ps
}

func (m *Model) ensembleSegments() []int {
	var out []int
	for _, mm := range m.Members {
		out = append(out, mm.Segments()...)
	}
	return out
}

// Member returns member k of an ensemble checkpoint as a checkpoint of its
// own (sharing the tensors).
func (c *Checkpoint) Member(k int) *Checkpoint {
	if c.Model.Kind != KindEnsemble || k < 0 || k >= len(c.Model.Members) {
		panic(fmt.Sprintf("models: member %d of a %s checkpoint", k, c.Model.Kind))
	}
	pre := MemberPrefix(k)
	mc := &Checkpoint{Model: c.Model.Members[k], Tensors: map[string][]float32{}, Shapes: map[string][]int{}}
	for name, v := range c.Tensors {
		if rest, ok := strings.CutPrefix(name, pre); ok {
			mc.Tensors[rest] = v
			mc.Shapes[rest] = c.Shapes[name]
		}
	}
	return mc
}

// NewEnsemble combines trained checkpoints (their best weights) into one
// ensemble checkpoint. Members must take the same input size; their
// provenance is kept, and the ensemble's own is the first member's with the
// number of exact pairs unchanged when all were trained on the same pairs
// (otherwise an error: the pairs behind an ensemble must be stated once).
// Its Domain is the Union of the members'.
func NewEnsemble(members ...*Checkpoint) (*Checkpoint, error) {
	var ms []*Model
	for _, mc := range members {
		ms = append(ms, mc.Model)
	}
	m := Ensemble(ms...)
	if err := m.Validate(); err != nil {
		return nil, err
	}
	c := &Checkpoint{Model: m, Tensors: map[string][]float32{}, Shapes: map[string][]int{}}
	for k, mc := range members {
		if mc.Provenance.TrainSHA256 != members[0].Provenance.TrainSHA256 {
			return nil, fmt.Errorf("models: ensemble member %d was trained on other pairs (%s) than member 0 (%s)", k, mc.Provenance.TrainSHA256, members[0].Provenance.TrainSHA256)
		}
		for _, p := range mc.Model.Params() {
			v, ok := mc.Tensors[p.Name]
			if !ok {
				return nil, fmt.Errorf("models: ensemble member %d lacks %s", k, p.Name)
			}
			c.Tensors[MemberPrefix(k)+p.Name] = append([]float32(nil), v...)
			c.Shapes[MemberPrefix(k)+p.Name] = p.Shape
		}
		c.Provenance.Members = append(c.Provenance.Members, mc.Provenance)
	}
	c.Provenance.TrainPairs = members[0].Provenance.TrainPairs
	c.Provenance.TrainSHA256 = members[0].Provenance.TrainSHA256
	c.Provenance.ImagesSHA256 = members[0].Provenance.ImagesSHA256
	c.Provenance.NumPairs = members[0].Provenance.NumPairs
	c.Provenance.NumImages = members[0].Provenance.NumImages
	c.Provenance.Mode = members[0].Provenance.Mode
	domains := make([]*Domain, len(members))
	for k, mc := range members[1:] {
		if mc.Provenance.Mode != c.Provenance.Mode {
			c.Provenance.Mode = "" // members trained in different modes: no one mode
		}
		domains[k+1] = mc.Domain
	}
	domains[0] = members[0].Domain
	c.Domain = Union(domains...) // the same pairs: the same domain, unless one lacks it
	return c, nil
}
