package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/onnxgo"
)

// withBackend gives a command that runs a model (embed, pairwise, knn)
// the flag --backend onnxruntime|onnx-go: onnxruntime (the default) runs
// run; onnx-go runs the command in pure Go through package runtime/onnxgo
// on the model's onnx-go export profile (kenn export --profile onnx-go).
// When the onnxruntime library is missing, the error says so.
func withBackend(name string, run func(ctx context.Context, args []string) error) func(ctx context.Context, args []string) error {
	return func(ctx context.Context, args []string) error {
		backend, rest, err := backendArg(args)
		if err != nil {
			return err
		}
		switch backend {
		case "", runtime.BackendOnnxruntime:
			err := run(ctx, rest)
			if errors.Is(err, runtime.ErrNoLibrary) {
				return fmt.Errorf("%w\nkenn %s also runs in pure Go, without that library: add --backend %s (it runs the onnx-go profile, NAME.onnxgo.onnx, which kenn export --profile %s writes; or pass the .ckpt)", err, name, runtime.BackendOnnxGo, export.ProfileOnnxGo)
			}
			return err
		case runtime.BackendOnnxGo:
			err := onnxgo.Command(ctx, "kenn "+name+" --backend onnx-go", name, rest, os.Stdout, os.Stderr)
			if errors.Is(err, onnxgo.ErrUsage) {
				return usagef("%v", err)
			}
			return err
		}
		return usagef("--backend %q: want %s or %s", backend, runtime.BackendOnnxruntime, runtime.BackendOnnxGo)
	}
}

// backendArg removes --backend V (or -backend V, --backend=V) from args and
// returns V ("" when absent).
func backendArg(args []string) (string, []string, error) {
	var rest []string
	backend := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "backend" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return "", nil, usagef("--backend needs a value: %s or %s", runtime.BackendOnnxruntime, runtime.BackendOnnxGo)
			}
			i++
			value = args[i]
		}
		backend = value
	}
	return backend, rest, nil
}
