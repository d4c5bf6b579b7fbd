package models

import (
	"fmt"
	"strings"
)

// Kind names a kind of image model: the value of Model.Kind, of a
// checkpoint header's "kind" and of an exported file's kenn.kind
// metadata (MetaKind).
//
// Each kind is described in its own file, kind_NAME.go: its constant, its
// constructor, its parameters (names and shapes), its embedding segments,
// the scale it predicts (Target), its distance form and its validation,
// gathered in a kindSpec; kindSpecs is the one list of them. The two
// compilers lower each kind through a table keyed by Kind (build's
// lowerings, export's embedders), and tests in build, export and
// internal/parity fail for a kind in Kinds that a table lacks (see
// docs/architecture.md, "Adding a model kind").
type Kind string

// String is the kind's name.
func (k Kind) String() string { return string(k) }

// Form is how a kind's distance is computed from two embeddings.
type Form int

const (
	// FormSquared is the squared Euclidean distance between the whole
	// embeddings, ‖φx − φy‖² (a W2² prediction; dwe).
	FormSquared Form = iota + 1
	// FormWeightedNorms is the positively weighted sum of the segments'
	// Euclidean distances, Σ_l w_l‖fx_l − fy_l‖₂ (a W2 prediction; a
	// pseudo-metric).
	FormWeightedNorms
)

// kindSpec is what package models knows of a kind: everything the
// description, the checkpoint and the distance need. Every function is
// given a model of the kind.
type kindSpec struct {
	kind   Kind
	target string // TargetW2Sq or TargetW2: the scale the kind predicts
	form   Form
	// weights names the parameter θ the segment weights come from
	// (ParamBeta, ParamAlpha) by the model's Weighting (SegmentWeights);
	// "" for a kind without (dwe) or one that computes them otherwise
	// (distanceWeights).
	weights string
	// composite kinds are made of member models (ensemble): not trained as
	// one, initialized member by member.
	composite bool
	// params lists every parameter of m, in order (Model.Params).
	params func(m *Model) []Param
	// segments are the lengths of m's embedding segments (Model.Segments).
	segments func(m *Model) []int
	// validate checks m beyond its kind (Model.Validate).
	validate func(m *Model) error
	// weightNames names each segment weight (Checkpoint.WeightProfile);
	// nil for a kind without weights.
	weightNames func(c *Checkpoint) []string
	// distanceWeights, if set, replaces softplus(weights)
	// (Checkpoint.DistanceWeights).
	distanceWeights func(c *Checkpoint) []float64
	// newCheckpoint, if set, replaces the layer-by-layer initialization
	// (NewCheckpoint).
	newCheckpoint func(m *Model, seed uint64) (*Checkpoint, error)
	// onBackbone builds the kind on a KENN backbone (Matched, New); nil
	// for a kind that has no such form.
	onBackbone func(h, w int, b Backbone, odeHidden, odeSteps int) *Model
}

// kindSpecs is the one list of image model kinds, in the order Kinds
// gives them. Adding a kind: a kind_NAME.go file defining its constant
// and a function returning its kindSpec, and one entry here.
func kindSpecs() []kindSpec {
	return []kindSpec{dweKind(), deepKENNKind(), odeKENNKind(), naiveKind(), ensembleKind()}
}

// Kinds lists every image model kind (a fresh slice each call).
func Kinds() []Kind {
	var ks []Kind
	for _, s := range kindSpecs() {
		ks = append(ks, s.kind)
	}
	return ks
}

// Trainable lists the kinds a model is made of from scratch and trained
// as one (kenn train --model): every kind but the composite ones
// (ensemble), in the order of Kinds.
func Trainable() []Kind {
	var ks []Kind
	for _, s := range kindSpecs() {
		if !s.composite {
			ks = append(ks, s.kind)
		}
	}
	return ks
}

// Names returns the kinds' names, for flag choices and messages.
func Names(ks ...Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// ParseKind returns the image model kind named s, or an error naming the
// kinds there are.
func ParseKind(s string) (Kind, error) {
	if _, ok := Kind(s).spec(); ok {
		return Kind(s), nil
	}
	return "", fmt.Errorf("models: unknown kind %q (want %s)", s, strings.Join(Names(Kinds()...), ", "))
}

// spec returns the kind's description; false for a kind not in Kinds.
func (k Kind) spec() (kindSpec, bool) {
	for _, s := range kindSpecs() {
		if s.kind == k {
			return s, true
		}
	}
	return kindSpec{}, false
}

// mustSpec is spec for a kind that Validate has accepted: anything else
// is a programmer error.
func (k Kind) mustSpec() kindSpec {
	s, ok := k.spec()
	if !ok {
		panic(fmt.Sprintf("models: kind %q is not an image model kind (call Validate first)", string(k)))
	}
	return s
}

// Known reports whether k is an image model kind (one of Kinds).
func (k Kind) Known() bool {
	_, ok := k.spec()
	return ok
}

// Target is the scale the kind predicts (TargetW2Sq or TargetW2); "" for
// a kind not in Kinds.
func (k Kind) Target() string {
	s, _ := k.spec()
	return s.target
}

// Form is how the kind's distance is computed from two embeddings; 0 for
// a kind not in Kinds.
func (k Kind) Form() Form {
	s, _ := k.spec()
	return s.form
}

// WeightsParam names the parameter θ the kind's segment weights come from
// (ParamBeta, ParamAlpha; see Weighting); "" for dwe, a composite kind and
// a kind not in Kinds.
func (k Kind) WeightsParam() string {
	s, _ := k.spec()
	return s.weights
}

// Composite reports whether the kind is made of member models (ensemble).
func (k Kind) Composite() bool {
	s, _ := k.spec()
	return s.composite
}
