package snn

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	msnn "github.com/kenn-ot/kenn/models/snn"
)

// A resumed run gets back exactly epochs 1..done of its curve, or an
// error: never a curve with an epoch missing.
func TestReadCurve(t *testing.T) {
	curve := []msnn.EpochLog{
		{Epoch: 1, TrainW2: 0.5, ValW2: 0.25, LR: 1e-3, Improved: true, CatSigma: 1},
		{Epoch: 2, TrainW2: 0.375, ValW2: 0.3125, LR: 1e-3, CatSigma: 0.75},
		{Epoch: 3, TrainW2: 0.25, ValW2: 0.125, LR: 5e-4, Improved: true, CatSigma: 0.5},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.ckpt"+CurveSuffix)
	if err := writeCurve(path, curve); err != nil {
		t.Fatal(err)
	}
	// done 2: the state was saved after epoch 2 and the run stopped
	// after writing epoch 3's line; done 3: the whole curve
	for done := 2; done <= 3; done++ {
		got, err := readCurve(path, done)
		if err != nil || !reflect.DeepEqual(got, curve[:done]) {
			t.Fatalf("done %d: %v, %v; want %v", done, got, err, curve[:done])
		}
	}
	if got, err := readCurve(filepath.Join(dir, "absent"), 0); got != nil || err != nil {
		t.Fatalf("a fresh run: %v, %v", got, err)
	}
	for _, c := range []struct {
		name string
		done int
		path string
		want string
	}{
		{"short", 4, path, "it has 3 epochs, but the run resumes after epoch 4"},
		{"ahead", 1, path, "it has 3 epochs, but the run resumes after epoch 1"},
		{"missing", 2, filepath.Join(dir, "gone"+CurveSuffix), "curve is missing (restore it, or remove " + filepath.Join(dir, "gone"+TrainSuffix)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := readCurve(c.path, c.done)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v; want an error with %q", got, err, c.want)
			}
		})
	}
	t.Run("damaged", func(t *testing.T) {
		bad := filepath.Join(dir, "bad"+CurveSuffix)
		if err := os.WriteFile(bad, []byte(msnn.CurveColumns+"\n1,0.5,0.25,0.001,1,1\n3,0.5,0.25,0.001,1,1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readCurve(bad, 2); err == nil || !strings.Contains(err.Error(), "line 3: epoch 3, want 2") {
			t.Fatalf("got %v", err)
		}
	})
}
