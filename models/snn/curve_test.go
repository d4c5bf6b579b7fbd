package snn

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// ParseCurve reads back what WriteCurve writes and refuses a curve with
// an epoch missing, repeated or out of order, or a damaged line.
func TestParseCurve(t *testing.T) {
	curve := []EpochLog{
		{Epoch: 1, TrainW2: 0.5, ValW2: 0.25, LR: 1e-3, Improved: true, CatSigma: 1},
		{Epoch: 2, TrainW2: 0.375, ValW2: 0.3125, LR: 1e-3, CatSigma: 0.75},
		{Epoch: 3, TrainW2: 0.25, ValW2: 0.125, LR: 5e-4, Improved: true, CatSigma: 0.5},
	}
	var buf bytes.Buffer
	if err := WriteCurve(&buf, curve); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	if got, err := ParseCurve(strings.NewReader(good)); err != nil || !reflect.DeepEqual(got, curve) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	if got, err := ParseCurve(strings.NewReader(CurveColumns + "\n")); err != nil || len(got) != 0 {
		t.Fatalf("no epoch yet: %v, %v", got, err)
	}
	lines := strings.SplitAfter(good, "\n")
	for _, c := range []struct{ name, csv, want string }{
		{"missing epoch", lines[0] + lines[1] + lines[3], "line 3: epoch 3, want 2"},
		{"repeated epoch", lines[0] + lines[1] + lines[1], "line 3: epoch 1, want 2"},
		{"from 2", lines[0] + lines[2], "line 2: epoch 2, want 1"},
		{"header", "epoch,train\n" + lines[1], "line 1: header"},
		{"empty", "", "line 1: header"},
		{"fields", lines[0] + "1,0.5,0.25\n", "line 2: 3 fields"},
		{"improved", lines[0] + strings.Replace(lines[1], ",1,", ",yes,", 1), "line 2: improved"},
		{"number", lines[0] + strings.Replace(lines[1], "0.25", "x", 1), "line 2: "},
		{"quote", lines[0] + "1,\"0.5,0.25,0.001,1,1\n", "line 2, column"},
		// a blank line is skipped, and the next error names the file's line
		{"line after a blank", lines[0] + lines[1] + "\n" + lines[3], "line 4: epoch 3, want 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseCurve(strings.NewReader(c.csv))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v; want an error with %q", got, err, c.want)
			}
		})
	}
}

// Whatever the bytes, ParseCurve returns an error or epochs 1..n in
// order, which WriteCurve writes back into a curve that parses to the
// same (to WriteCurve's 8 significant digits).
func FuzzParseCurve(f *testing.F) {
	f.Add(CurveColumns + "\n1,0.5,0.25,0.001,1,1\n2,0.4,0.3,0.001,0,0.5\n")
	f.Add(CurveColumns + "\n1,0.5,0.25,0.001,1,1\n2,\"0.4\",0.3,0.001,0,0.5\n")
	f.Add(CurveColumns + "\n1,NaN,+Inf,1e308,0,-0\n")
	f.Fuzz(func(t *testing.T, csv string) {
		got, err := ParseCurve(strings.NewReader(csv))
		if err != nil {
			return
		}
		for i, e := range got {
			if e.Epoch != i+1 {
				t.Fatalf("line %d: epoch %d", i+2, e.Epoch)
			}
		}
		var buf bytes.Buffer
		if err := WriteCurve(&buf, got); err != nil {
			t.Fatal(err)
		}
		again, err := ParseCurve(&buf)
		if err != nil || len(again) != len(got) {
			t.Fatalf("written back: %v, %d epochs, want %d", err, len(again), len(got))
		}
		for i := range got {
			a, b := got[i], again[i]
			if a.Epoch != b.Epoch || a.Improved != b.Improved || formatReal(a.TrainW2) != formatReal(b.TrainW2) || formatReal(a.ValW2) != formatReal(b.ValW2) || formatReal(a.LR) != formatReal(b.LR) || formatReal(a.CatSigma) != formatReal(b.CatSigma) {
				t.Fatalf("epoch %d: %+v written back as %+v", i+1, a, b)
			}
		}
	})
}
