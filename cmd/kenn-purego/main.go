// Command kenn-purego is kenn's embed, pairwise and knn in pure Go: no cgo,
// no onnxruntime library. It runs the onnx-go export profile (kenn export
// --profile onnx-go M.ckpt -o NAME.onnx writes NAME.onnxgo.onnx beside
// NAME.onnx) or a checkpoint directly, through package runtime/onnxgo
// (github.com/owulveryck/onnx-go over Gorgonia), with the same flags and
// outputs as `kenn embed|pairwise|knn --backend onnx-go`. Build it static:
//
//	CGO_ENABLED=0 go build ./cmd/kenn-purego
//
// It is a second main package rather than a build tag on cmd/kenn because
// cmd/kenn's other commands (setup, sample, beam runners, …) need
// onnxruntime through cgo; this one links neither onnxruntime_go nor Beam
// (internal/archtest checks it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/kenn-ot/kenn/runtime/onnxgo"
)

func main() {
	if len(os.Args) < 2 || !slices.Contains(onnxgo.Commands, os.Args[1]) {
		w, code := os.Stderr, 2
		if len(os.Args) == 2 && slices.Contains([]string{"-h", "-help", "--help", "help"}, os.Args[1]) {
			w, code = os.Stdout, 0 // asked for
		}
		fmt.Fprintf(w, "kenn-purego: kenn's %s in pure Go (the onnx-go backend).\n\nUsage: kenn-purego %s --model NAME.onnx|M.ckpt [flags] (-h for a command's flags)\n",
			strings.Join(onnxgo.Commands, ", "), strings.Join(onnxgo.Commands, "|"))
		os.Exit(code)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := onnxgo.Command(ctx, "kenn-purego "+os.Args[1], os.Args[1], os.Args[2:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // the usage is printed
		}
		fmt.Fprintln(os.Stderr, "kenn-purego:", err)
		if errors.Is(err, onnxgo.ErrUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
