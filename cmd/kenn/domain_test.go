package main

import (
	"path/filepath"
	"strings"
	"testing"
)

const fashionTest = "../../testdata/fashion-test-images-idx3-ubyte"

// TestDomainScreen: a model command warns when the images it is given
// lie off the model's training domain (Fashion-MNIST through an MNIST
// model, and the reverse) and says nothing on images like its training
// ones; kenn info shows the domain.
func TestDomainScreen(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		model, images string
		warn          bool
	}{
		{"deepkenn", mnistTest, false},
		{"deepkenn", fashionTest, true},
		{"odekenn-ensemble", fashionTest, true},
		{"fashion-odekenn", fashionTest, false},
		{"fashion-odekenn", mnistTest, true},
	} {
		name := tc.model + " on " + filepath.Base(tc.images)
		t.Run(name, func(t *testing.T) {
			model := "../../pretrained/" + tc.model + ".onnx"
			_, stderr, err := kenn("embed", "--model", model, "--images", tc.images, "-o", filepath.Join(dir, tc.model+".npy"))
			if err != nil {
				t.Fatalf("%v: %s", err, stderr)
			}
			warned := strings.Contains(stderr, "WARNING: "+tc.images+": ") && strings.Contains(stderr, "off its domain")
			if warned != tc.warn {
				t.Errorf("warned %v, want %v: %s", warned, tc.warn, stderr)
			}
		})
	}
	// A collection given twice warns once.
	for _, args := range [][]string{
		{"pairwise", "--model", "../../pretrained/deepkenn.onnx", "--images", fashionTest, "--against", fashionTest, "-o", filepath.Join(dir, "d.npy")},
		{"knn", "--model", "../../pretrained/deepkenn.onnx", "--index", fashionTest, "--query", fashionTest, "-k", "3", "-o", filepath.Join(dir, "k.csv")},
		{"knn", "--backend", "onnx-go", "--model", "../../pretrained/deepkenn.ckpt", "--index", fashionTest, "--query", fashionTest, "-k", "3", "-o", filepath.Join(dir, "k2.csv")},
	} {
		if _, stderr, err := kenn(args...); err != nil || strings.Count(stderr, "WARNING: ") != 1 {
			t.Errorf("%s: %v, %d warnings: %s", strings.Join(args, " "), err, strings.Count(stderr, "WARNING: "), stderr)
		}
	}
	out, stderr, err := kenn("info", "../../pretrained/deepkenn.onnx")
	if err != nil || !strings.Contains(out, "domain: 4410 images of train-images-idx3-ubyte, each range holding 99.8% of 4410 images: spread ") {
		t.Errorf("kenn info: %v %s\n%s", err, stderr, out)
	}
}

// TestDomainCommand: kenn train records no domain when its pairs use
// fewer than 200 images; kenn domain records the whole training
// collection's, and refuses a collection the model was not trained on.
func TestDomainCommand(t *testing.T) {
	in := makeInputs(t)
	dir := t.TempDir()
	ck := filepath.Join(dir, "m.ckpt")
	if _, stderr, err := kenn("train", "--model", "naive", "--pairs", in.trainPairs, "--val", in.valPairs, "--epochs", "1", "--batch", "8", "-o", ck); err != nil {
		t.Fatalf("train: %v %s", err, stderr)
	}
	out, _, err := kenn("info", ck)
	if err != nil || !strings.Contains(out, "domain: not recorded") {
		t.Errorf("a checkpoint whose pairs use fewer than 200 images: %v\n%s", err, out)
	}
	whole := filepath.Join(dir, "whole.ckpt")
	if _, stderr, err := kenn("domain", ck, "--images", in.images, "-o", whole); err != nil {
		t.Fatalf("domain: %v %s", err, stderr)
	}
	out, _, err = kenn("info", whole)
	if err != nil || !strings.Contains(out, "domain: 1000 images of images-idx3-ubyte") {
		t.Errorf("kenn domain's checkpoint: %v\n%s", err, out)
	}
	_, stderr, err := kenn("domain", ck, "--images", in.images2, "-o", filepath.Join(dir, "other.ckpt"))
	if err == nil || !strings.Contains(stderr, "is not the collection the model was trained on") {
		t.Errorf("another collection: %v %s", err, stderr)
	}
}
