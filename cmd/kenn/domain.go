package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

// runDomain is kenn domain: build.RecordDomain on a checkpoint, written
// to a new one.
func runDomain(ctx context.Context, args []string) error {
	fs := newFlags("domain", "M.ckpt --images TRAIN -o OUT.ckpt")
	images := fs.String("images", "", "the collection the model was trained on (its sha256 must be the checkpoint's images_sha256, see kenn info)")
	out := fs.String("o", "", "output checkpoint: M.ckpt with its domain recorded (kenn export then carries it into the ONNX files)")
	ckpt, args := positional(args)
	if err := parse(fs, args); err != nil {
		return err
	}
	if ckpt == "" {
		return usagef("usage: kenn domain M.ckpt --images TRAIN -o OUT.ckpt")
	}
	if err := check(fs).required("images", "o").err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)}, arg("checkpoint", ckpt), arg("--images", *images))
	if err != nil {
		return err
	}
	defer unlock()
	c, err := models.LoadCheckpoint(ckpt)
	if err != nil {
		return err
	}
	imgs, err := dataset.Load(*images)
	if err != nil {
		return err
	}
	if err := build.RecordDomain(c, imgs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Save(*out); err != nil {
		return err
	}
	writeDomain(os.Stderr, c.Domain)
	fmt.Fprintln(os.Stderr, *out)
	return nil
}
