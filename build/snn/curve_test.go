package snn

import (
	"bytes"
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
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("round trip", func(t *testing.T) {
		for done := 1; done <= 3; done++ {
			got, err := readCurve(path, done)
			if err != nil || !reflect.DeepEqual(got, curve[:done]) {
				t.Fatalf("done %d: %v, %v; want %v", done, got, err, curve[:done])
			}
		}
		if got, err := readCurve(filepath.Join(dir, "absent"), 0); got != nil || err != nil {
			t.Fatalf("a fresh run: %v, %v", got, err)
		}
	})
	lines := strings.SplitAfter(string(raw), "\n")
	for _, c := range []struct {
		name, csv string
		done      int
		want      string
	}{
		{"missing epoch", lines[0] + lines[1] + lines[3], 3, "line 3: epoch 3, want 2"},
		{"repeated epoch", lines[0] + lines[1] + lines[1] + lines[2], 2, "line 3: epoch 1, want 2"},
		{"short", lines[0] + lines[1] + lines[2], 3, "epochs 1..2, but the run resumes after epoch 3"},
		{"header only", lines[0], 1, "epochs 1..0"},
		{"header", "epoch,train\n" + lines[1], 1, "line 1: header"},
		{"empty", "", 1, "line 1: header"},
		{"fields", lines[0] + "1,0.5,0.25\n", 1, "line 2: 3 fields"},
		{"improved", lines[0] + strings.Replace(lines[1], ",1,", ",yes,", 1), 1, "line 2: improved"},
		{"number", lines[0] + strings.Replace(lines[1], "0.25", "x", 1), 1, "line 2: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseCurve(strings.NewReader(c.csv), c.done)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v; want an error with %q", got, err, c.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := readCurve(filepath.Join(dir, "gone"+CurveSuffix), 2)
		if err == nil || !strings.Contains(err.Error(), "curve is missing") || !strings.Contains(err.Error(), "gone"+TrainSuffix) {
			t.Fatalf("got %v", err)
		}
	})
}

// Whatever the bytes, parseCurve returns an error or exactly epochs
// 1..done, which writeCurve writes back into a file that parses to the
// same.
func FuzzParseCurve(f *testing.F) {
	f.Add("epoch,train_local_w2sq,val_local_w2sq,lr,improved,cat_sigma\n1,0.5,0.25,0.001,1,1\n2,0.4,0.3,0.001,0,0.5\n", 2)
	f.Add("epoch,train_local_w2sq,val_local_w2sq,lr,improved,cat_sigma\n1,0.5,0.25,0.001,1,1\n2,\"0.4\",0.3,0.001,0,0.5\n", 1)
	f.Fuzz(func(t *testing.T, csv string, done int) {
		if done < 1 || done > 1000 {
			return
		}
		got, err := parseCurve(strings.NewReader(csv), done)
		if err != nil {
			return
		}
		if len(got) != done {
			t.Fatalf("%d epochs, want %d", len(got), done)
		}
		for i, e := range got {
			if e.Epoch != i+1 {
				t.Fatalf("line %d: epoch %d", i+2, e.Epoch)
			}
		}
		path := filepath.Join(t.TempDir(), "c.csv")
		if err := writeCurve(path, got); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseCurve(bytes.NewReader(raw), done)
		if err != nil || len(again) != done {
			t.Fatalf("written back: %v, %d epochs", err, len(again))
		}
		for i := range got {
			a, b := got[i], again[i]
			// fmtF keeps 8 significant digits: equal to that, NaN to NaN
			if a.Epoch != b.Epoch || a.Improved != b.Improved || fmtF(a.TrainW2) != fmtF(b.TrainW2) || fmtF(a.ValW2) != fmtF(b.ValW2) || fmtF(a.LR) != fmtF(b.LR) || fmtF(a.CatSigma) != fmtF(b.CatSigma) {
				t.Fatalf("epoch %d: %+v written back as %+v", i+1, a, b)
			}
		}
	})
}
