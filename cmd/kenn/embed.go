package main

import (
	"context"
	"flag"
	"math"

	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

func runEmbed(ctx context.Context, args []string) error {
	fs := newFlags("embed", "--model M.onnx --images FILE -o E.npy")
	model := fs.String("model", "", "exported model (NAME.onnx)")
	images := fs.String("images", "", "images")
	out := fs.String("o", "", "output .npy, float32 [N, F]")
	open := cli.RuntimeFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(fs).required("model", "images", "o").ints("threads", 0, math.MaxInt).err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out), arg("-o (sidecar)", sidecar.Path(*out))}, plus(modelInput("--model", *model), paths{arg("--images", *images)})...)
	if err != nil {
		return err
	}
	defer unlock()
	rt, m, err := open(*model)
	if err != nil {
		return err
	}
	defer rt.Close()
	f, err := cli.EmbedImages(ctx, m, *images)
	if err != nil {
		return err
	}
	if err := tiling.WriteFeatures(*out, f); err != nil {
		return err
	}
	if err := sidecar.Drop(*out); err != nil {
		return err
	}
	return cli.WriteModelSidecar(*out, *model, sidecar.Features, f.N, f.F, *images)
}

// deviceFlags registers --device and --threads (cli.DeviceFlags).
func deviceFlags(fs *flag.FlagSet, scope string) (device *string, threads *int) {
	return cli.DeviceFlags(fs, scope)
}

// openModel opens onnxruntime and a model (cli.OpenModel).
func openModel(path, device string, threads int) (*runtime.Runtime, *runtime.Model, error) {
	return cli.OpenModel(path, device, threads)
}
