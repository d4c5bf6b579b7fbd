package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/build"
)

const mnistTest = "../../testdata/mnist-test-images-idx3-ubyte"

// makePairs runs kenn pairs with args into dir/name and returns the path.
func makePairs(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	if _, stderr, err := kenn(append(append([]string{"pairs"}, args...), "-o", out)...); err != nil {
		t.Fatalf("kenn pairs %v: %v: %s", args, err, stderr)
	}
	return out
}

// kenn train refuses a configuration whose epoch has no step, saying what
// the batch needs, and writes nothing.
func TestTrainRefusesZeroSteps(t *testing.T) {
	dir := t.TempDir()
	va := makePairs(t, dir, "va.txt", "--images", mnistTest, "--all", "--first", "6")
	cases := []struct {
		name  string
		pairs []string
		want  string
	}{
		{"pair mode", []string{"--images", mnist, "--n", "7"}, "pair mode with batch 16 takes 8 training pairs per step, but there are 7"},
		{"block mode", []string{"--images", mnist, "--all", "--first", "10"}, "block mode with batch 16 takes blocks of 16 images, but the training pairs use 10 images"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := makePairs(t, t.TempDir(), "tr.txt", tc.pairs...)
			out := filepath.Join(t.TempDir(), "m.ckpt")
			_, stderr, err := kenn("train", "--model", "naive", "--pairs", tr, "--val", va, "--batch", "16", "-o", out)
			if code := exitCode(t, err); code != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 1 and %q", code, stderr, tc.want)
			}
			for _, p := range []string{out, out + build.TrainSuffix} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s written by a refused run", p)
				}
			}
		})
	}
}

// A resume of kenn train with other options names each difference: a
// different batch or seed is refused (the state is kept as it was), a
// different --lr is applied and said.
func TestTrainResumeSaysWhatDiffers(t *testing.T) {
	dir := t.TempDir()
	tr := makePairs(t, dir, "tr.txt", "--images", mnist, "--n", "40")
	va := makePairs(t, dir, "va.txt", "--images", mnistTest, "--all", "--first", "6")
	train, err := loadPairsData(tr, "")
	if err != nil {
		t.Fatal(err)
	}
	val, err := loadPairsData(va, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := newModel("naive", 28, 28, 8, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.ckpt")
	// what kenn train --epochs 2 --batch 16 does, interrupted after 2 steps
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := build.Options{Epochs: 2, Batch: 16, Seed: 1, Patience: 5, LRPatience: 3, Loss: "model", Augment: "none", Out: out,
		Progress: func(_, step, _ int, _ float64) {
			if step == 2 {
				cancel()
			}
		}}
	if _, err := build.Train(ctx, m, train, val, opt); !errors.Is(err, build.ErrInterrupted) {
		t.Fatalf("want an interruption, got %v", err)
	}
	state, err := os.ReadFile(out + build.TrainSuffix)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"train", "--model", "naive", "--pairs", tr, "--val", va, "-o", out, "--epochs", "2"}
	_, stderr, err := kenn(append(args, "--batch", "32", "--seed", "2")...)
	want := "was made by another run with other options (batch: saved 16, given 32; seed: saved 1, given 2)"
	if code := exitCode(t, err); code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, stderr %q; want exit 1 and %q", code, stderr, want)
	}
	if now, _ := os.ReadFile(out + build.TrainSuffix); !bytes.Equal(now, state) {
		t.Fatal("a refused resume changed the training state")
	}
	_, stderr, err = kenn(append(args, "--batch", "16", "--lr", "0.0005")...)
	want = "with lr: saved 0.001, given 0.0005 (the rate is 0.001 now): training goes on at 0.0005"
	if err != nil || !strings.Contains(stderr, want) {
		t.Fatalf("err %v, stderr %q; want success and %q", err, stderr, want)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}
