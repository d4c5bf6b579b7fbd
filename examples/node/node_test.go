// Package node holds the Node.js example of docs/runtimes.md; its test runs
// the example with onnxruntime-node and compares it with kenn pairwise.
package node

import (
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
)

// The example's distances equal kenn pairwise's, diagonal 0 included, for
// a W2 model (the pretrained DeepKENN) and a W2² one (an untrained dwe).
func TestNodeExampleMatchesPairwise(t *testing.T) {
	ortNode, _ := filepath.Abs("../../.cache/node/node_modules/onnxruntime-node")
	if _, err := os.Stat(filepath.Join(ortNode, "package.json")); err != nil {
		t.Fatalf("onnxruntime-node is not installed: run `make node-ort` (make test does): %v", err)
	}
	dir := t.TempDir()
	kenn := filepath.Join(dir, "kenn")
	if out, err := exec.Command("go", "build", "-o", kenn, "../../cmd/kenn").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	dwe := filepath.Join(dir, "dwe.onnx")
	for _, args := range [][]string{{"init", "--model", "dwe", "-o", filepath.Join(dir, "dwe.ckpt")}, {"export", filepath.Join(dir, "dwe.ckpt"), "-o", dwe}} {
		if out, err := exec.Command(kenn, args...).CombinedOutput(); err != nil {
			t.Fatalf("kenn %v: %v: %s", args, err, out)
		}
	}
	images := "../../testdata/mnist-test-images-idx3-ubyte"
	for _, model := range []string{"../../pretrained/deepkenn.onnx", dwe} {
		t.Run(filepath.Base(model), func(t *testing.T) {
			npy, f32 := filepath.Join(dir, "d.npy"), filepath.Join(dir, "d.f32")
			if out, err := exec.Command(kenn, "pairwise", "--model", model, "--images", images, "-o", npy).CombinedOutput(); err != nil {
				t.Fatalf("kenn pairwise: %v: %s", err, out)
			}
			cmd := exec.Command("node", "pairwise.js", model, images, f32)
			cmd.Env = append(os.Environ(), "KENN_ORT_NODE="+ortNode)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("node pairwise.js: %v: %s", err, out)
			}
			want, err := dataset.ReadNPYArray(npy)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(f32)
			if err != nil {
				t.Fatal(err)
			}
			n := want.Shape[0]
			if len(raw) != 4*n*n || len(want.Values) != n*n {
				t.Fatalf("node wrote %d bytes, kenn a %v matrix", len(raw), want.Shape)
			}
			scale, worst := 0.0, 0.0
			for _, v := range want.Values {
				scale = math.Max(scale, math.Abs(v))
			}
			for k, w := range want.Values {
				got := float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:])))
				if i, j := k/n, k%n; i == j && (got != 0 || w != 0) {
					t.Fatalf("diagonal %d: node %v, kenn %v; want exactly 0", i, got, w)
				}
				worst = math.Max(worst, math.Abs(got-w)/scale)
			}
			t.Logf("%d×%d: largest difference %.2g of the largest distance %.4g", n, n, worst, scale)
			if worst > 1e-5 {
				t.Errorf("node and kenn pairwise differ by %.2g of the scale", worst)
			}
		})
	}
}
