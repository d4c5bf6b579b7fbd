package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/runtime"
)

func runSetup(ctx context.Context, args []string) error {
	fs := newFlags("setup", "[--prefix DIR] [--library libonnxruntime.so.1]")
	prefix := fs.String("prefix", "", "install kenn as DIR/bin/kenn and the library as DIR/lib/kenn/libonnxruntime.so.1 (default: only the library, into the user cache)")
	lib := fs.String("library", "", "the onnxruntime 1.30 library to install (default: the one kenn finds now)")
	if err := parse(fs, args); err != nil {
		return err
	}
	src, err := runtime.FindLibrary(*lib)
	if err != nil {
		return err
	}
	if *lib != "" && src != *lib {
		return fmt.Errorf("--library %s: no such file", *lib)
	}
	var dst string
	if *prefix == "" {
		dir, err := runtime.UserCacheDir()
		if err != nil {
			return err
		}
		if dst, err = runtime.InstallLibrary(src, dir); err != nil {
			return err
		}
	} else {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("setup: %w", err)
		}
		bin := filepath.Join(*prefix, "bin", "kenn")
		if err := runtime.InstallFile(exe, bin, 0o755); err != nil {
			return err
		}
		if dst, err = runtime.InstallLibrary(src, filepath.Join(*prefix, "lib", "kenn")); err != nil {
			return err
		}
		fmt.Printf("installed %s\n", bin)
	}
	// The library must load from where it now is.
	rt, err := runtime.Open(runtime.Options{Library: dst})
	if err != nil {
		return fmt.Errorf("setup: the installed library does not load: %w", err)
	}
	rt.Close()
	fmt.Printf("installed %s (from %s); kenn finds it from any folder\n", dst, src)
	return nil
}
