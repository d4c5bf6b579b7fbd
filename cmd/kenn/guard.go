package main

import (
	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/internal/outpath"
)

// Shorthands for package cli's guard of every command's files.
type paths = cli.Paths

func arg(flag, path string) outpath.Path { return cli.Arg(flag, path) }

func guard(outputs paths, inputs ...outpath.Path) (release func(), err error) {
	return cli.Guard(outputs, inputs...)
}

func onnxSet(flag, path string) paths { return cli.ONNXSet(flag, path) }

func plus(lists ...paths) paths { return cli.Plus(lists...) }

func argList(flag string, ps ...string) paths { return cli.ArgList(flag, ps...) }

func modelInput(flag, path string) paths { return cli.ModelInput(flag, path) }
