package main

import (
	"context"
	"fmt"
	"math"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

func runBenchTrain(ctx context.Context, args []string) error {
	fs := newFlags("bench-train", "--model dwe|dwe-encoder|deepkenn|odekenn|naive --images FILE [--mode pair|block] [--batch 64] [--batches 20]")
	kind := fs.String("model", "dwe", "a model kind, or dwe-encoder (DWE without its decoder)")
	images := fs.String("images", "", "images to draw batches from")
	mode := fs.String("mode", "pair", "pair | block")
	batch := fs.Int("batch", 64, "images per step")
	steps := fs.Int("batches", 20, "timed training steps, one batch each (after 2 warm-up steps)")
	alias(fs, "steps", "batches")
	if err := parse(fs, args); err != nil {
		return err
	}
	fc := check(fs).required("images").oneOf("model", append([]string{"dwe-encoder"}, models.Names(models.Trainable()...)...)...).
		oneOf("mode", build.ModePair, build.ModeBlock).ints("batch", 2, math.MaxInt).ints("batches", 1, math.MaxInt)
	if *mode == build.ModePair && *batch%2 != 0 {
		fc.failf("--batch %d: pair mode takes an even number ≥ 2 (half the images are each pair's first)", *batch)
	}
	if err := fc.err(); err != nil {
		return err
	}
	imgs, err := dataset.Load(*images)
	if err != nil {
		return err
	}
	name := *kind
	if name == "dwe-encoder" {
		name = string(models.KindDWE)
	}
	m, err := newModel(name, imgs.H, imgs.W, 8, 0, "")
	if err != nil {
		return err
	}
	if *kind == "dwe-encoder" {
		m.Decoder, m.DecoderChannels = nil, 0
	}
	sp, err := build.Benchmark(m, imgs, *mode, *batch, *steps, 1)
	if err != nil {
		return err
	}
	fmt.Printf("model %s mode %s batch %d: %.1f images/s, %.1f pairs/s, %.4f s/step\n", *kind, *mode, *batch, sp.ImagesPerSec, sp.PairsPerSec, sp.StepSecs)
	return nil
}
