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
	out := fs.String("o", "", "output: NAME.onnx (embedding; NAME.pairwise.onnx, NAME.pair.onnx and for dwe NAME.decoder.onnx beside it); an snn checkpoint is exported by kenn snn export")
	profile := fs.String("profile", "default", "default | onnx-go: also write the onnx-go profile (NAME.onnxgo.onnx, NAME.onnxgo.pairwise.onnx, for dwe NAME.onnxgo.decoder.onnx), the same model in operators the pure-Go backend runs (--backend onnx-go)")
	// the checkpoint is positional: kenn export M.ckpt -o M.onnx
	ckpt, args := positional(args)
	if err := parse(fs, args); err != nil {
		return err
	}
	if ckpt == "" || *out == "" {
		return usagef("usage: kenn export M.ckpt -o M.onnx")
	}
	if *profile != "default" && *profile != export.ProfileOnnxGo {
		return usagef("--profile %q: want default or %s", *profile, export.ProfileOnnxGo)
	}
	outs := onnxSet("-o", *out)
	if *profile == export.ProfileOnnxGo {
		outs = plus(outs, onnxSet("-o (onnx-go profile)", export.OnnxGoPath(*out)))
	}
	unlock, err := guard(outs, arg("checkpoint", ckpt))
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
	if *profile == export.ProfileOnnxGo {
		og, err := export.WriteOnnxGoFiles(c, *out)
		if err != nil {
			return err
		}
		files = append(files, og...)
	}
	for _, f := range files {
		fmt.Fprintln(os.Stderr, f)
	}
	return nil
}
