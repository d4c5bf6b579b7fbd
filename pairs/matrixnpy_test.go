package pairs

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NumPy reads the matrix back bit for bit.
func TestWriteMatrixNPYNumPy(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.npy")
	v := []float64{0, 1.0000000000000002, 3.25, 1.0000000000000002, 0, 1e-300}
	if err := WriteMatrixNPY(p, 2, 3, v); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", "import numpy as np,sys; a=np.load(sys.argv[1]); print(a.dtype, a.shape, ' '.join(repr(float(x)) for x in a.ravel()))", p).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "float64 (2, 3) 0.0 1.0000000000000002 3.25 1.0000000000000002 0.0 1e-300"; got != want {
		t.Errorf("numpy read %q, want %q", got, want)
	}
	if err := WriteMatrixNPY(p, 2, 2, v); err == nil {
		t.Error("a matrix of the wrong size was written")
	}
}
