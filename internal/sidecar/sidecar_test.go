package sidecar

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	npy := filepath.Join(t.TempDir(), "d.npy")
	if _, found, err := Read(npy); found || err != nil {
		t.Fatalf("no sidecar: found %v, %v", found, err)
	}
	want := Sidecar{Values: W2Sq, Exact: true, Rows: 3, Cols: 3, Images: []string{"x"}, ImagesSHA256: []string{"ab"}, Kenn: "kenn 0.1"}
	if err := Write(npy, want); err != nil {
		t.Fatal(err)
	}
	got, found, err := Read(npy)
	want.Units = "pixels^2"
	if err != nil || !found || !reflect.DeepEqual(got, want) {
		t.Fatalf("read %+v (found %v, %v), want %+v", got, found, err, want)
	}
	os.WriteFile(Path(npy), []byte("{"), 0o644)
	if _, found, err := Read(npy); !found || err == nil {
		t.Error("a corrupt sidecar was accepted")
	}
}

// A sidecar that says something kenn never writes is refused: the values
// it names decide how a matrix is read.
func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ name, json string }{
		{"unknown values", `{"values":"w1","rows":2,"cols":2}`},
		{"no values", `{"rows":2,"cols":2}`},
		{"units of W2 for W2²", `{"values":"w2sq","units":"pixels","rows":2,"cols":2}`},
		{"units for features", `{"values":"features","units":"pixels","rows":2,"cols":2}`},
		{"no rows", `{"values":"w2","cols":2}`},
		{"exact by an approximation", `{"values":"w2sq","exact":true,"method":"sliced directions=64","rows":2,"cols":2}`},
		{"not exact by the exact solver", `{"values":"w2sq","exact":false,"method":"exact","rows":2,"cols":2}`},
		{"negative cols", `{"values":"w2","rows":2,"cols":-1}`},
		{"not an object", `[1,2]`},
		{"truncated", `{"values":"w2","rows":2`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if s, err := Parse([]byte(c.json)); err == nil {
				t.Errorf("accepted as %+v", s)
			}
		})
	}
	s, err := Parse([]byte(`{"values":"w2","rows":2,"cols":3}`))
	if err != nil || s.Units != "pixels" {
		t.Errorf("a sidecar without units: %+v, %v; want units pixels", s, err)
	}
}

// Parse never panics; what it accepts has known values, their units and a
// shape, and reads back the same once written.
func FuzzParseSidecar(f *testing.F) {
	f.Add([]byte(`{"values":"w2sq","units":"pixels^2","exact":true,"rows":3,"cols":3,"images":["x"],"kenn":"kenn 0.1"}`))
	f.Add([]byte(`{"values":"features","rows":10,"cols":4,"model":"m.onnx","model_id":"ab"}`))
	f.Add([]byte(`{"values":"w2","units":"pixels","rows":1,"cols":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		if s.Units != UnitsOf(s.Values) || s.Rows < 1 || s.Cols < 1 || (s.Method != "" && s.Exact != (s.Method == "exact")) {
			t.Fatalf("accepted %+v", s)
		}
		npy := filepath.Join(t.TempDir(), "d.npy")
		if err := Write(npy, s); err != nil {
			t.Fatal(err)
		}
		got, found, err := Read(npy)
		if err != nil || !found || !reflect.DeepEqual(got, s) {
			t.Fatalf("wrote %+v, read %+v (found %v, %v)", s, got, found, err)
		}
	})
}

// Drop removes a sidecar and is a no-op without one.
func TestDrop(t *testing.T) {
	npy := filepath.Join(t.TempDir(), "d.npy")
	if err := Drop(npy); err != nil {
		t.Fatalf("no sidecar: %v", err)
	}
	if err := Write(npy, Sidecar{Values: W2, Rows: 2, Cols: 2}); err != nil {
		t.Fatal(err)
	}
	if err := Drop(npy); err != nil {
		t.Fatal(err)
	}
	if _, found, err := Read(npy); found || err != nil {
		t.Fatalf("after Drop: found %v, %v", found, err)
	}
}
