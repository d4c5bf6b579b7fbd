package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/metrics"
	"github.com/kenn-ot/kenn/pairs"
)

func runScore(ctx context.Context, args []string) error {
	fs := newFlags("score", "--pred PRED.csv --exact PAIRS [--json]")
	pred := fs.String("pred", "", "predicted W2² as a CSV i,j,w2sq (e.g. from kenn w2 --method sliced)")
	exact := fs.String("exact", "", "exact W2² for the same pairs: a kenn pairs file or a CSV i,j,w2sq")
	scale := fs.String("calibrate", "", "a,b: score a·pred + b instead of pred (a linear calibration)")
	asJSON := fs.Bool("json", false, "print the metrics as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(fs).required("pred", "exact").err(); err != nil {
		return err
	}
	a, b := 1.0, 0.0
	if *scale != "" {
		var err error
		if a, b, err = parseCalibration(*scale); err != nil {
			return err
		}
	}
	p, err := pairs.ReadValueCSV(*pred, 0)
	if err != nil {
		return err
	}
	e, isPairsFile, err := pairs.ReadValues(*exact, 0)
	if err != nil {
		return err
	}
	if isPairsFile {
		if err := e.Header.CheckExact(*exact, "--exact"); err != nil {
			return err
		}
	}
	want := make(map[pairs.Pair]float64, len(e.Pairs))
	for k, q := range e.Pairs {
		want[q] = e.W2Sq[k]
	}
	var pv, tv []float64
	var is, js []int
	for k, q := range p.Pairs {
		t, ok := want[q]
		if !ok {
			return fmt.Errorf("%s: pair (%d, %d) is not in %s", *pred, q.I, q.J, *exact)
		}
		pv = append(pv, a*p.W2Sq[k]+b)
		tv = append(tv, t)
		is, js = append(is, q.I), append(js, q.J)
	}
	r := metrics.Score(is, js, pv, tv, 0)
	r.TargetMSE, r.PairsPerSecond = math.NaN(), math.NaN()
	return printMetrics(os.Stdout, r.Map(), *asJSON)
}

// parseCalibration reads --calibrate a,b: exactly two finite numbers.
func parseCalibration(s string) (a, b float64, err error) {
	f := strings.Split(s, ",")
	if len(f) == 2 {
		a, err = strconv.ParseFloat(strings.TrimSpace(f[0]), 64)
		if err == nil {
			b, err = strconv.ParseFloat(strings.TrimSpace(f[1]), 64)
		}
	}
	if len(f) != 2 || err != nil || math.IsNaN(a+b) || math.IsInf(a+b, 0) {
		return 0, 0, usagef("--calibrate %q: want a,b, two finite numbers", s)
	}
	return a, b, nil
}
