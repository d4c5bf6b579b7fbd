package export

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/models"
)

// Meta is what a runtime needs from an image model's metadata: its kind,
// target (w2 or w2sq), input size, feature segments and segment weights
// (kenn.kind, kenn.target, kenn.input, kenn.features,
// kenn.segment_weights). F is the sum of the segments.
type Meta struct {
	Kind     models.Kind
	Target   string
	H, W, F  int
	Segments []int
	Weights  []float32
	// Domain is kenn.domain: the training images' models.Domain, nil in
	// files exported from a checkpoint without one.
	Domain *models.Domain
}

// ImageMeta parses and checks f's model metadata; every error names the file
// and the key.
func (f *File) ImageMeta() (Meta, error) {
	get := func(k string) string { return f.Meta[k] }
	m := Meta{Kind: models.Kind(get(models.MetaKind)), Target: get(models.MetaTarget)}
	input, seg, wts := get(models.MetaInput), get(models.MetaFeatures), get(models.MetaSegmentWeights)
	if m.Kind == "" || input == "" || seg == "" {
		return Meta{}, fmt.Errorf("export: %s: not a kenn image model (no kenn.kind/kenn.input/kenn.features metadata)", f.Path)
	}
	if err := models.CheckTarget(m.Target); err != nil {
		return Meta{}, fmt.Errorf("export: %s: kenn.target: %w", f.Path, err)
	}
	if _, err := fmt.Sscanf(input, "%dx%d", &m.H, &m.W); err != nil || m.H <= 0 || m.W <= 0 {
		return Meta{}, fmt.Errorf("export: %s: bad kenn.input %q", f.Path, input)
	}
	for _, s := range strings.Split(seg, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return Meta{}, fmt.Errorf("export: %s: bad kenn.features %q", f.Path, seg)
		}
		m.Segments = append(m.Segments, n)
		m.F += n
	}
	for _, s := range strings.Split(wts, ",") {
		v, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return Meta{}, fmt.Errorf("export: %s: bad kenn.segment_weights %q", f.Path, wts)
		}
		m.Weights = append(m.Weights, float32(v))
	}
	if len(m.Weights) != len(m.Segments) {
		return Meta{}, fmt.Errorf("export: %s: %d kenn.segment_weights for %d kenn.features segments", f.Path, len(m.Weights), len(m.Segments))
	}
	if dom, ok := f.Meta[models.MetaDomain]; ok {
		m.Domain = &models.Domain{}
		dec := json.NewDecoder(strings.NewReader(dom))
		dec.DisallowUnknownFields()
		if err := dec.Decode(m.Domain); err != nil || dec.More() {
			return Meta{}, fmt.Errorf("export: %s: bad kenn.domain %q", f.Path, dom)
		}
		if err := m.Domain.Validate(); err != nil {
			return Meta{}, fmt.Errorf("export: %s: kenn.domain: %w", f.Path, err)
		}
		if m.Domain.H != m.H || m.Domain.W != m.W {
			return Meta{}, fmt.Errorf("export: %s: kenn.domain of %dx%d images for a %dx%d model", f.Path, m.Domain.H, m.Domain.W, m.H, m.W)
		}
	}
	return m, nil
}
