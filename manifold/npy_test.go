package manifold

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/internal/npyfile"
	"github.com/kenn-ot/kenn/internal/sidecar"
)

// writeNPY writes v as a rows×cols float64 .npy.
func writeNPY(t *testing.T, path string, rows, cols int, v []float64) {
	t.Helper()
	b := npyfile.Header("<f8", rows, cols)
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A matrix is read as its sidecar says: W2² by its square roots, with or
// without squared; W2 as it is, and never by roots; a features matrix or
// another matrix's sidecar is refused. Without a sidecar, squared decides.
func TestReadDistancesFollowsTheSidecar(t *testing.T) {
	w2 := []float64{0, 3, 5, 3, 0, 4, 5, 4, 0}
	w2sq := make([]float64, len(w2))
	for i, x := range w2 {
		w2sq[i] = x * x
	}
	side := func(values string, rows, cols int) *sidecar.Sidecar {
		return &sidecar.Sidecar{Values: values, Rows: rows, Cols: cols, Images: []string{"x"}, Kenn: "test"}
	}
	for _, c := range []struct {
		name    string
		v       []float64
		sidecar *sidecar.Sidecar
		squared bool
		want    []float64 // nil: refused, with an error containing err
		read    string
		err     string
	}{
		{"no sidecar, W2", w2, nil, false, w2, "W2 (pixels), as given", ""},
		{"no sidecar, squared", w2sq, nil, true, w2, "the square roots of W2² (pixels²), as given", ""},
		{"W2 by its sidecar", w2, side(sidecar.W2, 3, 3), false, w2, "W2 (pixels), by its sidecar", ""},
		{"W2 by its sidecar, squared", w2, side(sidecar.W2, 3, 3), true, nil, "", "holds W2 (pixels), not W2²"},
		{"W2² by its sidecar", w2sq, side(sidecar.W2Sq, 3, 3), false, w2, "the square roots of W2² (pixels²), by its sidecar", ""},
		{"W2² by its sidecar, squared", w2sq, side(sidecar.W2Sq, 3, 3), true, w2, "the square roots of W2² (pixels²), by its sidecar", ""},
		{"features", w2, side(sidecar.Features, 3, 3), false, nil, "", "holds features"},
		{"another matrix's sidecar", w2, side(sidecar.W2, 4, 4), false, nil, "", "the sidecar is another matrix's"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "D.npy")
			writeNPY(t, path, 3, 3, c.v)
			if c.sidecar != nil {
				if err := sidecar.Write(path, *c.sidecar); err != nil {
					t.Fatal(err)
				}
			}
			d, read, err := ReadDistances(path, c.squared)
			if c.want == nil {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %v, want one naming %s and %q", err, path, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(read, c.read) {
				t.Errorf("read %q, want %q…", read, c.read)
			}
			for i, x := range c.want {
				if math.Abs(d.D[i]-x) > 1e-12 {
					t.Fatalf("entry %d is %g, want %g", i, d.D[i], x)
				}
			}
		})
	}
	t.Run("corrupt sidecar", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "D.npy")
		writeNPY(t, path, 3, 3, w2)
		os.WriteFile(sidecar.Path(path), []byte(`{"values":"w2sq","units":"pixels","rows":3,"cols":3}`), 0o644)
		if _, _, err := ReadDistances(path, false); err == nil || !strings.Contains(err.Error(), sidecar.Path(path)) {
			t.Fatalf("error %v, want one naming the sidecar", err)
		}
	})
}
