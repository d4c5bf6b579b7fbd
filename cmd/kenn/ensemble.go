package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/models"
)

// runEnsemble combines trained W2 checkpoints into one ensemble checkpoint
// (models.NewEnsemble), optionally scored on validation pairs.
func runEnsemble(ctx context.Context, args []string) error {
	fs := newFlags("ensemble", "-o E.ckpt [--val VAL] A.ckpt B.ckpt [C.ckpt …]")
	out := fs.String("o", "", "output checkpoint of the ensemble")
	valPath := fs.String("val", "", "validation pairs to score the ensemble on (its metrics then ride in the checkpoint and the ONNX metadata)")
	valImages := fs.String("val-images", "", "images of the validation pairs (default: the path in their header)")
	if err := fs.Parse(args); err != nil { // the members are positional
		return usageError{Err: err}
	}
	if *out == "" || fs.NArg() < 2 {
		return usagef("usage: kenn ensemble -o E.ckpt [--val VAL] A.ckpt B.ckpt [C.ckpt …] (at least two members)")
	}
	unlock, err := guard(paths{arg("-o", *out)}, plus(argList("member", fs.Args()...), paths{arg("--val", *valPath), arg("--val-images", *valImages)})...)
	if err != nil {
		return err
	}
	defer unlock()
	var cs []*models.Checkpoint
	for _, p := range fs.Args() {
		c, err := models.LoadCheckpoint(p)
		if err != nil {
			return err
		}
		cs = append(cs, c)
	}
	e, err := models.NewEnsemble(cs...)
	if err != nil {
		return err
	}
	for k, c := range cs {
		if c.Domain == nil {
			fmt.Fprintf(os.Stderr, "kenn ensemble: member %s records no training domain, so the ensemble records none (kenn domain %s --images TRAIN -o … records it)\n", fs.Arg(k), fs.Arg(k))
			break
		}
	}
	if *valPath != "" {
		val, err := loadPairsData(*valPath, *valImages)
		if err != nil {
			return err
		}
		if err := val.Pairs.Header.CheckExact(*valPath, "kenn ensemble --val"); err != nil {
			return err
		}
		if err := e.CheckCompatible("", val.Images.H, val.Images.W); err != nil {
			return fmt.Errorf("%s: %w", *valPath, err)
		}
		res, err := build.EvaluateCheckpoint(e, val)
		if err != nil {
			return err
		}
		e.Metrics = res.Map()
	}
	if err := e.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: ensemble of %d members, %d parameters\n", *out, len(cs), e.Model.NumParams())
	return printMetrics(os.Stdout, e.Metrics, false)
}
