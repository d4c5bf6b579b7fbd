package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeToy(t *testing.T, path string, n int, seed uint64, extra string) {
	rng := rand.New(rand.NewPCG(seed, 3))
	var b strings.Builder
	b.WriteString("x,y,c\n")
	for i := 0; i < n; i++ {
		x := rng.Float64()
		c := 0
		if rng.Float64() < x {
			c = 3
		}
		fmt.Fprintf(&b, "%g,%g,%d\n", x, 2*x+0.5*float64(c)/3+(0.1+0.2*x)*rng.NormFloat64(), c)
	}
	b.WriteString(extra)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// kenn snn train → export → sample through onnxruntime and through
// Gorgonia: the samples CSV has the documented header and rows, and both
// paths give the same conditional mean within sampling error.
func TestSNNTrainExportSample(t *testing.T) {
	dir := t.TempDir()
	tab, xs := filepath.Join(dir, "t.csv"), filepath.Join(dir, "x.csv")
	writeToy(t, tab, 600, 1, "")
	os.WriteFile(xs, []byte("x,unused\n0.2,9\n0.8,9\n"), 0o644)
	ck, onnx := filepath.Join(dir, "s.ckpt"), filepath.Join(dir, "s.onnx")
	_, stderr, err := kenn("snn", "train", "--table", tab, "--x", "x", "--y", "y,c", "--categorical", "c=0:3", "--epochs", "15", "-o", ck)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	// the training curve: printed every epoch and kept beside the checkpoint
	if n := strings.Count(stderr, "validation local W2²"); n < 15 {
		t.Errorf("kenn train printed %d epoch lines, want 15:\n%s", n, stderr)
	}
	curve, err := os.ReadFile(ck + ".curve.csv")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(curve)), "\n"); len(lines) != 16 || lines[0] != "epoch,train_local_w2sq,val_local_w2sq,lr,improved,cat_sigma" {
		t.Errorf("training curve: %d lines, header %q", len(lines), lines[0])
	}
	if _, stderr, err := kenn("snn", "export", ck, "-o", onnx); err != nil {
		t.Fatal(stderr)
	}
	means := map[string][2]float64{}
	for _, model := range []string{onnx, ck} {
		out := filepath.Join(dir, "samples.csv")
		if _, stderr, err := kenn("snn", "sample", "--model", model, "--x", xs, "-n", "500", "--seed", "4", "-o", out); err != nil {
			t.Fatal(stderr)
		}
		header, rows := readCoords(t, out)
		if header != "row,sample,y,c" || len(rows) != 1000 {
			t.Fatalf("%s: header %q, %d rows", model, header, len(rows))
		}
		var m [2]float64
		for k, r := range rows {
			if r[0] != float64(k/500) || r[1] != float64(k%500) || (r[3] != 0 && r[3] != 3) {
				t.Fatalf("%s: row %d is %v", model, k, r)
			}
			m[k/500] += r[2] / 500
		}
		means[model] = m
	}
	for i := 0; i < 2; i++ {
		if a, b := means[onnx][i], means[ck][i]; math.Abs(a-b) > 0.06 {
			t.Errorf("x row %d: mean of y is %.3f via onnxruntime, %.3f via Gorgonia", i, a, b)
		}
	}
}

func TestSNNBadInput(t *testing.T) {
	dir := t.TempDir()
	tab := filepath.Join(dir, "t.csv")
	writeToy(t, tab, 100, 1, "")
	bad := filepath.Join(dir, "bad.csv")
	writeToy(t, bad, 50, 2, "0.5,1.0,7\n")
	far := filepath.Join(dir, "far.csv")
	os.WriteFile(far, []byte("x,y,c\n0,1,0\n0.001,1,3\n5,2,0\n0.002,1,3\n0.003,2,0\n"), 0o644)
	ck := filepath.Join(dir, "s.ckpt")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"category outside the declared set", []string{"--table", tab, "--val", bad, "--categorical", "c=0:3"}, "line 52): c = 7 is not one of the declared categories {0, 3}"},
		{"unknown column", []string{"--table", tab, "--x", "x,z"}, `has no column "z"`},
		{"empty neighbourhood", []string{"--table", far, "--val", far, "--delta", "0.5", "--neighbors", "3"}, "neighbourhood of data row 2 (line 4) is empty"},
		{"neighbourhood of the whole table", []string{"--table", tab, "--neighbors", "81"}, "81 neighbours per neighbourhood, but the training table has 80 rows"},
		{"latent on a baseline", []string{"--table", tab, "--loss", "mse", "--latent", "3"}, "--latent applies to --loss w2"},
		{"init-sigma on a baseline", []string{"--table", tab, "--loss", "ce", "--init-sigma", "0.1"}, "--init-sigma applies to --loss w2"},
		{"too large a step", []string{"--table", tab, "--centers", "100000", "--neighbors", "80"}, "rows per step, more than"},
	}
	for _, c := range cases {
		args := []string{"snn", "train", "--x", "x", "--y", "y,c", "--categorical", "c", "-o", ck, "--epochs", "1"}
		args = append(args, c.args...)
		_, stderr, err := kenn(args...)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: %v %q, want an error with %q", c.name, err, stderr, c.want)
		}
	}
	if _, stderr, err := kenn("snn", "train", "--table", tab, "--x", "x", "--y", "y", "--lambda", "2", "--epochs", "1", "-o", ck); err == nil || !strings.Contains(stderr, "--lambda is the cost of a categorical mismatch") {
		t.Errorf("--lambda without a categorical output: %v %s", err, stderr)
	}
	// samples of a model with other inputs: the missing column is named
	if _, stderr, err := kenn("snn", "train", "--table", tab, "--x", "x", "--y", "y,c", "--categorical", "c", "--epochs", "1", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	xs := filepath.Join(dir, "x.csv")
	os.WriteFile(xs, []byte("w\n1\n"), 0o644)
	if _, stderr, err := kenn("snn", "sample", "--model", ck, "--x", xs, "-o", filepath.Join(dir, "s.csv")); err == nil || !strings.Contains(stderr, `has no column "x"`) {
		t.Errorf("sample with a missing input column: %v %s", err, stderr)
	}
}

// The SNN lives under kenn snn: kenn train --model snn (its old spelling)
// and kenn export of an snn checkpoint name the command to use; kenn info
// describes an snn checkpoint and export; kenn snn without a subcommand
// is a usage error.
func TestSNNCommandsMoved(t *testing.T) {
	dir := t.TempDir()
	tab := filepath.Join(dir, "t.csv")
	writeToy(t, tab, 100, 1, "")
	ck, onnx := filepath.Join(dir, "s.ckpt"), filepath.Join(dir, "s.onnx")
	if _, stderr, err := kenn("snn", "train", "--table", tab, "--x", "x", "--y", "y,c", "--categorical", "c", "--epochs", "1", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kenn("snn", "export", ck, "-o", onnx); err != nil {
		t.Fatal(stderr)
	}
	cases := []struct {
		name string
		args []string
		code int    // exit status
		want string // in stdout + stderr
	}{
		{"train --model snn, table flags after", []string{"train", "--model", "snn", "--table", tab, "--x", "x", "--y", "y,c", "-o", filepath.Join(dir, "t.ckpt")}, 2, "trained by kenn snn train"},
		{"train --model=snn alone", []string{"train", "--model=snn"}, 2, "trained by kenn snn train"},
		{"export of an snn checkpoint", []string{"export", ck, "-o", filepath.Join(dir, "m.onnx")}, 1, "kenn snn"},
		{"snn without a subcommand", []string{"snn"}, 2, "kenn snn needs a subcommand: export, sample, train"},
		{"the former kenn sample", []string{"sample", "--model", onnx}, 2, "sample is now kenn snn sample"},
		{"snn unknown subcommand", []string{"snn", "fit"}, 2, `unknown subcommand "fit"`},
		{"info of an snn checkpoint", []string{"info", ck}, 0, "kind: snn (stochastic neural network, w2 loss"},
		{"info of an snn export", []string{"info", onnx}, 0, "kind: snn"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, err := kenn(c.args...)
			if code := exitCode(t, err); code != c.code || !strings.Contains(stdout+stderr, c.want) {
				t.Errorf("kenn %s: exit %d, want %d with %q:\n%s%s", strings.Join(c.args, " "), code, c.code, c.want, stdout, stderr)
			}
		})
	}
}
