package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/cmd/internal/clitest"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/onnxgo"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// The binary builds with CGO_ENABLED=0 (no onnxruntime, statically
// linked), and its pairwise matrix and embeddings of MNIST test digits
// equal onnxruntime's (package runtime, default profile) within the
// stated tolerances, for every model kind.
func TestPureGoBinaryMatchesOnnxruntime(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kenn-purego")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build ./cmd/kenn-purego: %v\n%s", err, out)
	}
	all, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 60)
	for i := range idx {
		idx[i] = i * 97 % all.N
	}
	imgs := all.Subset(idx)
	imgPath := filepath.Join(dir, "digits.idx3")
	if err := dataset.WriteIDXImages(imgPath, imgs); err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.Open(runtime.Options{Threads: 1, Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	for _, m := range []*models.Model{models.DWE(28, 28), models.DeepKENN(28, 28, bb), models.ODEKENN(28, 28, bb, 6, 3), models.Naive(28, 28, bb)} {
		t.Run(string(m.Kind), func(t *testing.T) {
			c, err := models.NewCheckpoint(m, 11)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, string(m.Kind)+".onnx")
			if _, err := export.WriteFiles(c, path); err != nil {
				t.Fatal(err)
			}
			if _, err := export.WriteOnnxGoFiles(c, path); err != nil {
				t.Fatal(err)
			}
			ref, err := rt.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			f, err := ref.Embed(ctx, imgs, tiling.EmbedOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.AllPairs(ctx, f, tiling.TileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) {
				t.Helper()
				var stderr bytes.Buffer
				cmd := exec.Command(bin, args...)
				cmd.Stderr = &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("kenn-purego %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
				}
			}
			dOut, eOut := filepath.Join(dir, string(m.Kind)+".d.npy"), filepath.Join(dir, string(m.Kind)+".e.npy")
			run("pairwise", "--model", path, "--images", imgPath, "-o", dOut, "--tile", "25")
			run("embed", "--model", path, "--images", imgPath, "-o", eOut)
			for _, c := range []struct {
				file      string
				want      []float32
				cols      int
				tolerance float64
			}{{dOut, want, imgs.N, 1e-4}, {eOut, f.Data, ref.F, 1e-5}} {
				got, err := dataset.ReadNPYArray(c.file)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Shape) != 2 || got.Shape[0] != imgs.N || got.Shape[1] != c.cols {
					t.Fatalf("%s: shape %v, want [%d %d]", c.file, got.Shape, imgs.N, c.cols)
				}
				var d, s float64
				for i, w := range c.want {
					d = math.Max(d, math.Abs(got.Values[i]-float64(w)))
					s = math.Max(s, math.Abs(float64(w)))
				}
				if d/s > c.tolerance {
					t.Errorf("%s differs from onnxruntime by %.3g of the largest value (tolerance %g)", filepath.Base(c.file), d/s, c.tolerance)
				}
			}
			if _, err := os.Stat(dOut + ".json"); err != nil {
				t.Errorf("no sidecar: %v", err)
			}
		})
	}
}

// Every command's -h (exit 0) is its golden help, testdata/golden/help/
// (go test -run TestHelpGolden ./cmd/kenn-purego/ -update-golden rewrites
// them), and so is kenn-purego --help; with no command, the binary lists
// the commands and exits 2.
func TestHelpGolden(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kenn-purego")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build ./cmd/kenn-purego: %v\n%s", err, out)
	}
	run := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	cases := map[string][]string{"kenn-purego": {"--help"}}
	for _, name := range onnxgo.Commands {
		cases[name] = []string{name, "-h"}
	}
	clitest.GoldenHelp(t, "kenn-purego", "./cmd/kenn-purego/", cases, run, func(t *testing.T, name, help string) {
		if name == "kenn-purego" {
			if !strings.Contains(help, "Usage: kenn-purego embed|pairwise|knn") {
				t.Errorf("help %q lists no commands", help)
			}
			return
		}
		if !strings.HasPrefix(help, "Usage: kenn-purego "+name+" ") {
			t.Errorf("help starts %q", strings.SplitN(help, "\n", 2)[0])
		}
	})
	_, stderr, err := run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(stderr, "Usage: kenn-purego embed|pairwise|knn") {
		t.Errorf("no command: %v, %q; want exit 2 and the commands", err, stderr)
	}
}
