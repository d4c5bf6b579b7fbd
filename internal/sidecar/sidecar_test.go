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
