package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
)

func runExport(ctx context.Context, args []string) error {
	fs := newFlags("export", "M.ckpt -o M.onnx")
	out := fs.String("o", "", "output: NAME.onnx (embedding; NAME.pairwise.onnx, NAME.pair.onnx and for dwe NAME.decoder.onnx beside it), or an snn sampler (NAME.noise.onnx beside it)")
	// the checkpoint is positional: kenn export M.ckpt -o M.onnx
	var ckpt string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		ckpt, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if ckpt == "" || *out == "" {
		return usagef("usage: kenn export M.ckpt -o M.onnx")
	}
	unlock, err := guard(onnxSet("-o", *out), arg("checkpoint", ckpt))
	if err != nil {
		return err
	}
	defer unlock()
	c, err := models.LoadCheckpoint(ckpt)
	if err != nil {
		return err
	}
	files, err := export.WriteFiles(c, *out)
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintln(os.Stderr, f)
	}
	return nil
}
