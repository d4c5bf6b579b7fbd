package snn

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CurveColumns is the header of a training curve's CSV: one line per
// epoch, an EpochLog's fields (local W2² in standardized units²).
const CurveColumns = "epoch,train_local_w2sq,val_local_w2sq,lr,improved,cat_sigma"

// WriteCurve writes curve as CSV (CurveColumns, then a line per epoch,
// reals to 8 significant digits).
func WriteCurve(w io.Writer, curve []EpochLog) error {
	cw := csv.NewWriter(w)
	cw.Write(strings.Split(CurveColumns, ","))
	for _, e := range curve {
		imp := "0"
		if e.Improved {
			imp = "1"
		}
		cw.Write([]string{strconv.Itoa(e.Epoch), formatReal(e.TrainW2), formatReal(e.ValW2), formatReal(e.LR), imp, formatReal(e.CatSigma)})
	}
	cw.Flush()
	return cw.Error()
}

func formatReal(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }

// ParseCurve reads a curve WriteCurve wrote: the header, then epochs 1,
// 2, … in order, each once (blank lines are skipped, as encoding/csv
// does). Anything else is an error naming its line in the file.
func ParseCurve(r io.Reader) ([]EpochLog, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted below, with the line
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("snn: curve line 1: %w", err)
	}
	if strings.Join(head, ",") != CurveColumns {
		return nil, fmt.Errorf("snn: curve line 1: header %q, want %s", strings.Join(head, ","), CurveColumns)
	}
	nf := strings.Count(CurveColumns, ",") + 1
	var out []EpochLog
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("snn: curve: %w", err) // a csv.ParseError names its line
		}
		line, _ := cr.FieldPos(0) // the file's line, blank lines and quoted newlines counted
		if len(rec) != nf {
			return nil, fmt.Errorf("snn: curve line %d: %d fields, want %s", line, len(rec), CurveColumns)
		}
		var e EpochLog
		var v [4]float64
		e.Epoch, err = strconv.Atoi(rec[0])
		for k, j := range []int{1, 2, 3, 5} {
			if err == nil {
				v[k], err = strconv.ParseFloat(rec[j], 64)
			}
		}
		if err == nil && rec[4] != "0" && rec[4] != "1" {
			err = fmt.Errorf("improved %q, want 0 or 1", rec[4])
		}
		if err != nil {
			return nil, fmt.Errorf("snn: curve line %d: %w", line, err)
		}
		if want := len(out) + 1; e.Epoch != want {
			return nil, fmt.Errorf("snn: curve line %d: epoch %d, want %d (epochs from 1 in order)", line, e.Epoch, want)
		}
		e.TrainW2, e.ValW2, e.LR, e.CatSigma, e.Improved = v[0], v[1], v[2], v[3], rec[4] == "1"
		out = append(out, e)
	}
}
