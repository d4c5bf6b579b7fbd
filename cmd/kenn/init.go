package main

import (
	"context"
	"fmt"
	"math"
	"os"

	"github.com/kenn-ot/kenn/models"
)

func runInit(ctx context.Context, args []string) error {
	fs := newFlags("init", "--model dwe|deepkenn|odekenn|naive [--size 28x28] -o M.ckpt")
	kind := fs.String("model", "", "dwe | deepkenn | odekenn | naive")
	size := fs.String("size", "28x28", "input size HxW")
	steps := fs.Int("steps", 8, "odekenn: RK4 steps K")
	match := fs.Int("match", 0, "deepkenn/odekenn/naive: target parameter count")
	backbone := fs.String("backbone", "", "deepkenn/odekenn/naive: CNN sizes C1,C2,HIDDEN,OUT (default 16,4,128,32)")
	seed := fs.Uint64("seed", 1, "initialization seed")
	out := fs.String("o", "", "output checkpoint")
	if err := parse(fs, args); err != nil {
		return err
	}
	fc := check(fs).required("model", "o").ints("steps", 1, math.MaxInt).intsIfGiven("match", 1, math.MaxInt)
	checkModel(fc, *kind, *backbone)
	var h, w int
	if _, err := fmt.Sscanf(*size, "%dx%d", &h, &w); err != nil || h <= 0 || w <= 0 || fmt.Sprintf("%dx%d", h, w) != *size {
		fc.failf("--size %q: want HxW, two positive integers", *size)
	}
	if err := fc.err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)})
	if err != nil {
		return err
	}
	defer unlock()
	m, err := newModel(*kind, h, w, *steps, *match, *backbone)
	if err != nil {
		return err
	}
	c, err := models.NewCheckpoint(m, *seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s %dx%d: %d parameters (%d in the distance), embedding of %d values\n", m.Kind, h, w, m.NumParams(), m.NumDistanceParams(), m.EmbeddingDim())
	return c.Save(*out)
}
