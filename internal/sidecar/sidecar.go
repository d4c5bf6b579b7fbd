// Package sidecar writes and reads the JSON file beside every .npy matrix
// kenn writes (NAME.npy.json), which says what the numbers are: the values
// (w2, w2sq or features), their units, whether they are exact, and what
// made them. A .npy has no room for that, and a matrix of W2 read as W2²
// is silently wrong.
package sidecar

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// Values of a matrix.
const (
	W2       = "w2"       // W2, pixels
	W2Sq     = "w2sq"     // W2², pixels²
	Features = "features" // embeddings, no unit
)

// Sidecar describes a .npy matrix.
type Sidecar struct {
	Values string `json:"values"` // W2, W2Sq or Features
	Units  string `json:"units"`  // "pixels", "pixels^2" or ""
	Exact  bool   `json:"exact"`  // exact OT (kenn's network simplex), not a model or an approximation
	// Method is the OT method of values computed by one (ot.Method's
	// String: "exact", "sliced directions=64"), empty for a model's.
	Method string `json:"method,omitempty"`
	Rows   int    `json:"rows"`
	Cols   int    `json:"cols"`
	// Model is the model file that made the values, ModelID its kenn.model_id.
	Model   string `json:"model,omitempty"`
	ModelID string `json:"model_id,omitempty"`
	// Images are the collections of the rows and, if other, the columns.
	Images       []string `json:"images"`
	ImagesSHA256 []string `json:"images_sha256,omitempty"`
	Kenn         string   `json:"kenn"`
}

// Path is the sidecar of a .npy path: NAME.npy.json.
func Path(npy string) string { return npy + ".json" }

// UnitsOf returns the units of values.
func UnitsOf(values string) string {
	switch values {
	case W2:
		return "pixels"
	case W2Sq:
		return "pixels^2"
	}
	return ""
}

// Write writes the sidecar of npy atomically.
func Write(npy string, s Sidecar) error {
	if s.Units == "" {
		s.Units = UnitsOf(s.Values)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("sidecar: %w", err)
	}
	return atomicfile.WriteFile(Path(npy), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// Drop removes the sidecar of npy, if any: a writer calls it as soon as it
// has replaced npy, so that the old sidecar, which describes the old
// matrix, never stays beside the new one (if the new sidecar is not
// written, the matrix has none, and no reader takes it for what the old
// one said).
func Drop(npy string) error {
	if err := os.Remove(Path(npy)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sidecar: %w", err)
	}
	return nil
}

// Read reads the sidecar of npy; found is false when there is none. A
// sidecar that Parse refuses, or over maxSize bytes, is an error naming
// its path.
func Read(npy string) (s Sidecar, found bool, err error) {
	b, err := os.ReadFile(Path(npy))
	if errors.Is(err, os.ErrNotExist) {
		return Sidecar{}, false, nil
	}
	if err == nil && len(b) > maxSize {
		err = fmt.Errorf("%d bytes: not a kenn sidecar", len(b))
	}
	if err == nil {
		s, err = Parse(b)
	}
	if err != nil {
		return Sidecar{}, true, fmt.Errorf("sidecar: %s: %w", Path(npy), err)
	}
	return s, true, nil
}

// maxSize bounds a sidecar file: kenn's are a few hundred bytes.
const maxSize = 1 << 20

// Parse decodes a sidecar and checks what it says: values W2, W2Sq or
// Features, their units (UnitsOf; empty is taken as those), exact as its
// method says (when it names one), and a shape of at least one row and
// column.
func Parse(b []byte) (Sidecar, error) {
	var s Sidecar
	if err := json.Unmarshal(b, &s); err != nil {
		return Sidecar{}, err
	}
	switch s.Values {
	case W2, W2Sq, Features:
	default:
		return Sidecar{}, fmt.Errorf("values %q: want %q, %q or %q", s.Values, W2, W2Sq, Features)
	}
	if s.Units == "" {
		s.Units = UnitsOf(s.Values)
	}
	if want := UnitsOf(s.Values); s.Units != want {
		return Sidecar{}, fmt.Errorf("units %q for values %q: want %q", s.Units, s.Values, want)
	}
	if s.Method != "" && s.Exact != (s.Method == "exact") {
		return Sidecar{}, fmt.Errorf("exact %v for method %q", s.Exact, s.Method)
	}
	if s.Rows < 1 || s.Cols < 1 {
		return Sidecar{}, fmt.Errorf("shape %d×%d: want at least 1×1", s.Rows, s.Cols)
	}
	return s, nil
}
