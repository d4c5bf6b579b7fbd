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
	// The checksums are recomputed as the package doc tells a non-Go reader to.
	out, err := exec.Command(py, append([]string{filepath.Join("testdata", "check_exports.py")}, files...)...).CombinedOutput()
	if err != nil || strings.Count(string(out), "ok ") != len(files) {
		t.Fatalf("onnx checker on %d files: %v\n%s", len(files), err, out)
	}
}
