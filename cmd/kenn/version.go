package main

import (
	"context"
	"fmt"
	goruntime "runtime"
	"runtime/debug"

	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/runtime"
)

func runVersion(ctx context.Context, args []string) error {
	fs := newFlags("version", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Printf("%s (%s, %s/%s)\n", export.Version, goruntime.Version(), goruntime.GOOS, goruntime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				fmt.Printf("%s: %s\n", s.Key, s.Value)
			}
		}
	}
	if lib, err := runtime.FindLibrary(""); err == nil {
		fmt.Printf("onnxruntime library: %s\n", lib)
	} else {
		fmt.Printf("onnxruntime library: not found (%v)\n", err)
	}
	return nil
}
