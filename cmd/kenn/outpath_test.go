package main

import (
	"bufio"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func sha(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cliInputs are real, valid inputs of every command, made once: without
// the output check each command below would run and overwrite its input.
type cliInputs struct {
	dir                                   string
	images, images2, pairsCSV, table      string
	trainPairs, valPairs                  string
	model, ckpt, ckpt2, npy, pairwiseCkpt string
}

var (
	inputsOnce sync.Once
	inputs     cliInputs
	inputsErr  string
)

func makeInputs(t *testing.T) cliInputs {
	t.Helper()
	inputsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kenn-outpath")
		if err != nil {
			inputsErr = err.Error()
			return
		}
		in := cliInputs{dir: dir}
		j := func(n string) string { return filepath.Join(dir, n) }
		in.images, in.images2 = j("images-idx3-ubyte"), j("query-idx3-ubyte")
		b, _ := os.ReadFile("../../testdata/mnist-train-images-idx3-ubyte")
		os.WriteFile(in.images, b, 0o644)
		b, _ = os.ReadFile("../../testdata/fashion-test-images-idx3-ubyte")
		os.WriteFile(in.images2, b, 0o644)
		in.pairsCSV = j("pairs.csv")
		os.WriteFile(in.pairsCSV, []byte("i,j\n0,1\n2,3\n4,5\n"), 0o644)
		in.table = j("table.csv")
		var tb strings.Builder
		tb.WriteString("a,b\n")
		for i := 0; i < 40; i++ {
			tb.WriteString(strconv.Itoa(i) + "," + strconv.Itoa(2*i+1) + "\n")
		}
		os.WriteFile(in.table, []byte(tb.String()), 0o644)
		in.trainPairs, in.valPairs = j("train.pairs"), j("val.pairs")
		for _, a := range [][]string{
			{"pairs", "--images", in.images, "--n", "20", "--first", "50", "-o", in.trainPairs},
			{"pairs", "--images", in.images, "--n", "20", "--skip", "500", "--first", "50", "-o", in.valPairs},
		} {
			if _, stderr, err := kenn(a...); err != nil {
				inputsErr = strings.Join(a, " ") + ": " + stderr
				return
			}
		}
		in.ckpt, in.ckpt2 = j("a.ckpt"), j("b.ckpt")
		b, _ = os.ReadFile("../../pretrained/deepkenn.ckpt")
		os.WriteFile(in.ckpt, b, 0o644)
		os.WriteFile(in.ckpt2, b, 0o644)
		in.model = j("m.onnx")
		if _, stderr, err := kenn("export", in.ckpt, "-o", in.model); err != nil {
			inputsErr = "export: " + stderr
			return
		}
		// the card and the checkpoint beside the set, as kenn fit leaves them
		os.WriteFile(j("m.card.md"), []byte("# model card\n"), 0o644)
		os.WriteFile(j("m.ckpt"), b, 0o644)
		// a checkpoint named like a sibling of the export's output set
		in.pairwiseCkpt = j("e.pairwise.onnx")
		os.WriteFile(in.pairwiseCkpt, b, 0o644)
		in.npy = j("d.npy")
		if _, stderr, err := kenn("pairwise", "--model", in.model, "--images", in.images2, "-o", in.npy); err != nil {
			inputsErr = "pairwise: " + stderr
			return
		}
		inputs = in
	})
	if inputsErr != "" {
		t.Fatalf("making the inputs: %s", inputsErr)
	}
	return inputs
}

// Every command with an output refuses an -o (or --plot) that is one of
// its inputs, before any work: non-zero exit, an error naming the output
// flag and the input, the input unchanged, nothing left beside it.
func TestOutputIsInputRefused(t *testing.T) {
	in := makeInputs(t)
	cases := []struct {
		name   string
		args   []string
		victim string // the input given as the output
		flag   string // the input's flag, named in the error
	}{
		{"w2 -o images", []string{"w2", "--images", in.images, "--pairs", in.pairsCSV, "-o", in.images}, in.images, "--images"},
		{"w2 -o pairs", []string{"w2", "--images", in.images, "--pairs", in.pairsCSV, "-o", in.pairsCSV}, in.pairsCSV, "--pairs"},
		{"pairs -o images", []string{"pairs", "--images", in.images, "--n", "5", "-o", in.images}, in.images, "--images"},
		{"pairs -o list", []string{"pairs", "--images", in.images, "--list", in.pairsCSV, "-o", in.pairsCSV}, in.pairsCSV, "--list"},
		{"train -o pairs", []string{"train", "--model", "deepkenn", "--pairs", in.trainPairs, "--val", in.valPairs, "--epochs", "1", "-o", in.trainPairs}, in.trainPairs, "--pairs"},
		{"train -o val", []string{"train", "--model", "deepkenn", "--pairs", in.trainPairs, "--val", in.valPairs, "--epochs", "1", "-o", in.valPairs}, in.valPairs, "--val"},
		{"train -o images", []string{"train", "--model", "deepkenn", "--pairs", in.trainPairs, "--val", in.valPairs, "--images", in.images, "--epochs", "1", "-o", in.images}, in.images, "--images"},
		{"snn train -o table", []string{"snn", "train", "--table", in.table, "--x", "a", "--y", "b", "--epochs", "1", "-o", in.table}, in.table, "--table"},
		{"ensemble -o member", []string{"ensemble", "-o", in.ckpt, in.ckpt, in.ckpt2}, in.ckpt, "member"},
		{"ensemble -o val", []string{"ensemble", "-o", in.valPairs, "--val", in.valPairs, in.ckpt, in.ckpt2}, in.valPairs, "--val"},
		{"domain -o checkpoint", []string{"domain", in.ckpt, "--images", in.images, "-o", in.ckpt}, in.ckpt, "checkpoint"},
		{"domain -o images", []string{"domain", in.ckpt, "--images", in.images, "-o", in.images}, in.images, "--images"},
		{"export -o sibling of the checkpoint", []string{"export", in.pairwiseCkpt, "-o", filepath.Join(in.dir, "e.onnx")}, in.pairwiseCkpt, "checkpoint"},
		{"embed -o model", []string{"embed", "--model", in.model, "--images", in.images, "-o", in.model}, in.model, "--model"},
		{"embed -o model sibling", []string{"embed", "--model", in.model, "--images", in.images, "-o", filepath.Join(in.dir, "m.pairwise.onnx")}, filepath.Join(in.dir, "m.pairwise.onnx"), "--model"},
		{"embed -o images", []string{"embed", "--model", in.model, "--images", in.images, "-o", in.images}, in.images, "--images"},
		{"embed -o model card", []string{"embed", "--model", in.model, "--images", in.images, "-o", filepath.Join(in.dir, "m.card.md")}, filepath.Join(in.dir, "m.card.md"), "--model (its card)"},
		{"knn -o model checkpoint", []string{"knn", "--model", filepath.Join(in.dir, "m.pair.onnx"), "--index", in.images, "--query", in.images2, "-o", filepath.Join(in.dir, "m.ckpt")}, filepath.Join(in.dir, "m.ckpt"), "--model (its checkpoint)"},
		{"pairwise -o model", []string{"pairwise", "--model", in.model, "--images", in.images, "-o", in.model}, in.model, "--model"},
		{"pairwise -o pairwise model", []string{"pairwise", "--model", in.model, "--images", in.images, "-o", filepath.Join(in.dir, "m.pairwise.onnx")}, filepath.Join(in.dir, "m.pairwise.onnx"), "--model"},
		{"pairwise --model sibling -o main file", []string{"pairwise", "--model", filepath.Join(in.dir, "m.pairwise.onnx"), "--images", in.images, "-o", in.model}, in.model, "--model"},
		{"pairwise -o against", []string{"pairwise", "--model", in.model, "--images", in.images, "--against", in.images2, "-o", in.images2}, in.images2, "--against"},
		{"knn -o query", []string{"knn", "--model", in.model, "--index", in.images, "--query", in.images2, "-o", in.images2}, in.images2, "--queries"},
		{"knn -o index", []string{"knn", "--model", in.model, "--index", in.images, "--query", in.images2, "-o", in.images}, in.images, "--images"},
		{"wassmap -o distances", []string{"wassmap", "--distances", in.npy, "-o", in.npy}, in.npy, "--distances"},
		{"wassmap --plot images", []string{"wassmap", "--model", in.model, "--images", in.images, "-o", filepath.Join(in.dir, "c.csv"), "--plot", in.images}, in.images, "--images"},
		{"wassmap -o pairs", []string{"wassmap", "--pairs", in.trainPairs, "--images", in.images, "-o", in.trainPairs}, in.trainPairs, "--pairs"},
		{"barycenter -o images", []string{"barycenter", "--model", in.model, "--images", in.images, "-o", in.images}, in.images, "--images"},
		{"interpolate -o model", []string{"interpolate", "--model", in.model, "--images", in.images, "-o", in.model}, in.model, "--model"},
		{"pga -o images", []string{"pga", "--model", in.model, "--images", in.images, "-o", in.images}, in.images, "--images"},
		{"snn sample -o x", []string{"snn", "sample", "--model", in.ckpt, "--x", in.table, "-o", in.table}, in.table, "--x"},
		{"plot weights -o model", []string{"plot", "weights", "--model", in.ckpt, "-o", in.ckpt}, in.ckpt, "--model"},
		{"plot pred -o pairs", []string{"plot", "pred", "--model", in.ckpt, "--images", in.images, "--pairs", in.trainPairs, "-o", in.trainPairs}, in.trainPairs, "--pairs"},
		{"init -o itself twice is fine, -o a folder is not", []string{"init", "--model", "deepkenn", "-o", in.dir}, "", "is a folder"},
	}
	before := map[string][32]byte{}
	ents, _ := os.ReadDir(in.dir)
	for _, e := range ents {
		before[e.Name()] = sha(t, filepath.Join(in.dir, e.Name()))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, stderr, err := kenn(tc.args...)
			if err == nil {
				t.Fatalf("accepted; stderr: %s", stderr)
			}
			if tc.victim != "" {
				if !strings.Contains(stderr, "-o") && !strings.Contains(stderr, "--plot") || !strings.Contains(stderr, tc.flag) || !strings.Contains(stderr, tc.victim) {
					t.Fatalf("error does not name the output and the input %s %s: %s", tc.flag, tc.victim, stderr)
				}
			} else if !strings.Contains(stderr, tc.flag) {
				t.Fatalf("error does not say %q: %s", tc.flag, stderr)
			}
			if el := time.Since(start); el > 10*time.Second {
				t.Errorf("refused only after %v: the check must come before the work", el)
			}
			for name, h := range before {
				if sha(t, filepath.Join(in.dir, name)) != h {
					t.Fatalf("%s changed", name)
				}
			}
			ents, _ := os.ReadDir(in.dir)
			if len(ents) != len(before) {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Fatalf("the folder now holds %v", names)
			}
		})
	}
}

// A second process on the same -o is refused with an error naming the
// first one's pid, and the first one finishes unharmed.
func TestSecondWriterRefused(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "all.pairs")
	args := []string{"pairs", "--images", mnist, "--all", "--first", "120", "--workers", "1", "-o", out}
	first := exec.Command(kennBin, args...)
	stderr, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { first.Process.Kill(); first.Wait() }()
	go bufio.NewReader(stderr).WriteTo(devNull{})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(out + ".partial"); err == nil && st.Size() > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, msg, err := kenn(args...)
	if err == nil {
		t.Fatal("a second process on the same -o ran")
	}
	if !strings.Contains(msg, "pid "+strconv.Itoa(first.Process.Pid)) {
		t.Fatalf("the refusal does not name pid %d: %s", first.Process.Pid, msg)
	}
}

type devNull struct{}

func (devNull) Write(b []byte) (int, error) { return len(b), nil }
