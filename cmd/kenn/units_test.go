package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
)

// Distances name their unit: a W2 model's knn column is w2, and --squared
// turns pairwise's matrix and knn's column into W2² (the W2 values
// squared in float32, the sidecar and the column saying w2sq).
func TestSquaredUnits(t *testing.T) {
	dir := t.TempDir()
	ck, onnx := filepath.Join(dir, "m.ckpt"), filepath.Join(dir, "m.onnx")
	if _, stderr, err := kenn("init", "--model", "naive", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kenn("export", ck, "-o", onnx); err != nil {
		t.Fatal(stderr)
	}
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	t.Run("pairwise", func(t *testing.T) {
		w2, sq := filepath.Join(dir, "w2.npy"), filepath.Join(dir, "sq.npy")
		for _, a := range [][]string{{"-o", w2}, {"-o", sq, "--squared"}} {
			if _, stderr, err := kenn(append([]string{"pairwise", "--model", onnx, "--images", test, "--tile", "200"}, a...)...); err != nil {
				t.Fatal(stderr)
			}
		}
		d, err := dataset.ReadNPYArray(w2)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := dataset.ReadNPYArray(sq)
		if err != nil {
			t.Fatal(err)
		}
		if d2.Dtype != "<f4" || len(d2.Values) != len(d.Values) {
			t.Fatalf("squared: %s %v, plain %v", d2.Dtype, d2.Shape, d.Shape)
		}
		for k, v := range d.Values {
			if want := float64(float32(v) * float32(v)); d2.Values[k] != want {
				t.Fatalf("value %d: %v squared is %v, --squared wrote %v", k, v, want, d2.Values[k])
			}
		}
		for path, want := range map[string]string{w2: "w2", sq: "w2sq"} {
			var sc struct{ Values, Units string }
			raw, err := os.ReadFile(path + ".json")
			if err != nil || json.Unmarshal(raw, &sc) != nil || sc.Values != want {
				t.Errorf("%s.json: %v %s; want values %q", path, err, raw, want)
			}
		}
	})
	t.Run("knn", func(t *testing.T) {
		knn := func(extra ...string) []string {
			out, stderr, err := kenn(append([]string{"knn", "--model", onnx, "--images", test, "--queries", mnist, "-k", "3"}, extra...)...)
			if err != nil {
				t.Fatal(stderr)
			}
			return strings.Split(strings.TrimSpace(out), "\n")
		}
		plain, sq := knn(), knn("--squared")
		if plain[0] != "query,rank,index,w2" || sq[0] != "query,rank,index,w2sq" || len(plain) != len(sq) || len(plain) != 1+1000*3 {
			t.Fatalf("headers %q %q, %d and %d lines", plain[0], sq[0], len(plain), len(sq))
		}
		for k := 1; k < len(plain); k++ {
			a, b := strings.Split(plain[k], ","), strings.Split(sq[k], ",")
			v, _ := strconv.ParseFloat(a[3], 32)
			w, _ := strconv.ParseFloat(b[3], 32)
			if strings.Join(a[:3], ",") != strings.Join(b[:3], ",") || float32(w) != float32(v)*float32(v) || math.IsNaN(w) {
				t.Fatalf("line %d: %q and --squared %q", k, plain[k], sq[k])
			}
		}
	})
}
