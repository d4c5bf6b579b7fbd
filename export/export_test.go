package export

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/models"
)

// TestModels are small models of every kind, for export tests here and in
// the runtime package.
func testModels() []*models.Model {
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	return []*models.Model{models.DWE(12, 10), models.DeepKENN(12, 10, bb), models.ODEKENN(12, 10, bb, 6, 3), models.Naive(12, 10, bb)}
}

// Every exported file passes the ONNX checker with full_check (Debian
// python3-onnx 1.12, installed by `make test`).
func TestCheckerAcceptsExports(t *testing.T) {
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import onnx").CombinedOutput(); err != nil {
		t.Fatalf("the ONNX checker needs Debian's python3-onnx (make test installs it): %v %s", err, out)
	}
	dir := t.TempDir()
	var files []string
	for _, m := range testModels() {
		c, err := models.NewCheckpoint(m, 1)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := WriteFiles(c, filepath.Join(dir, string(m.Kind)+".onnx"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	for _, loss := range []string{models.LossW2, models.LossMSE, models.LossCE} {
		sn := &models.SNN{Inputs: []string{"x1", "x2"}, Outputs: []string{"y", "c"}, Cont: 1, Categories: [][]float64{{0, 1, 2}},
			Hidden: []int{4}, Loss: loss, Lambda: 1, InMean: []float64{0, 0}, InStd: []float64{1, 1}, OutMean: []float64{0}, OutStd: []float64{1}, InitSigma: 0.1}
		if loss == models.LossW2 {
			sn.CatEncoding, sn.Latent = models.CatScores, 2
		}
		c, err := models.NewCheckpoint(models.NewSNN(sn), 1)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := WriteFiles(c, filepath.Join(dir, "snn-"+loss+".onnx"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	// The checksums are recomputed as the package doc tells a non-Go reader to.
	script := `
import hashlib, struct, sys, onnx
def initializers_sha256(model):
    h = hashlib.sha256()
    for t in model.graph.initializer:
        name = t.name.encode()
        h.update(struct.pack("<Q", len(name)) + name)
        h.update(struct.pack("<q", t.data_type))
        h.update(struct.pack("<Q", len(t.dims)) + struct.pack("<%dq" % len(t.dims), *t.dims))
        h.update(struct.pack("<Q", len(t.raw_data)) + t.raw_data)
        h.update(struct.pack("<Q", len(t.float_data)) + struct.pack("<%df" % len(t.float_data), *t.float_data))
        h.update(struct.pack("<Q", len(t.int32_data)) + struct.pack("<%di" % len(t.int32_data), *t.int32_data))
        h.update(struct.pack("<Q", len(t.int64_data)) + struct.pack("<%dq" % len(t.int64_data), *t.int64_data))
    return h.hexdigest()
for p in sys.argv[1:]:
    m = onnx.load(p)
    onnx.checker.check_model(m, full_check=True)
    meta = {e.key: e.value for e in m.metadata_props}
    assert meta["kenn.kind"] == "snn" or meta["kenn.units"] == "pixel", p
    assert m.opset_import[0].version == 17 and m.ir_version == 8, p
    assert len(meta["kenn.model_id"]) == 64, p
    assert initializers_sha256(m) == meta["kenn.initializers_sha256"], (p, initializers_sha256(m), meta["kenn.initializers_sha256"])
    raw, v = open(p, "rb").read(), meta["kenn.file_sha256"]
    assert hashlib.sha256(raw.replace(v.encode(), b"0" * 64)).hexdigest() == v, p
    print("ok", p)
`
	out, err := exec.Command(py, append([]string{"-c", script}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("onnx checker: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "ok "); n != len(files) {
		t.Fatalf("checked %d of %d files:\n%s", n, len(files), out)
	}
}
