package main

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/dataset"
)

var kennBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kenn-cli")
	if err != nil {
		panic(err)
	}
	kennBin = filepath.Join(dir, "kenn")
	if out, err := exec.Command("go", "build", "-o", kennBin, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func kenn(args ...string) (string, string, error) {

	cmd := exec.Command(kennBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

const mnist = "../../testdata/mnist-train-images-idx3-ubyte"

func TestW2CSV(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.csv")
	os.WriteFile(p, []byte("i,j\n0,1\n7,7\n999,0\n"), 0o644)
	out, stderr, err := kenn("w2", "--images", mnist, "--pairs", p)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || lines[0] != "i,j,w2sq" || lines[2] != "7,7,0" || !strings.HasPrefix(lines[3], "999,0,") {
		t.Fatalf("output:\n%s", out)
	}
	// at least 12 significant digits
	if v := strings.Split(lines[1], ",")[2]; len(strings.TrimLeft(strings.Replace(v, ".", "", 1), "0")) < 12 {
		t.Fatalf("value %q has fewer than 12 significant digits", v)
	}
}

// kenn w2 A B gives the W2² of the two images, the value --images and
// --pairs give for the same images, and its square root; what it cannot
// mean is refused with exit 2 (usage) or 1 (input).
func TestW2TwoImages(t *testing.T) {
	dir := t.TempDir()
	imgs, err := dataset.Load(mnist)
	if err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	for k, p := range map[int]string{3: a, 8: b} {
		if err := imgs.WritePNG(p, k); err != nil {
			t.Fatal(err)
		}
	}
	pp := filepath.Join(dir, "p.csv")
	os.WriteFile(pp, []byte("3,8\n"), 0o644)
	csv, stderr, err := kenn("w2", "--images", mnist, "--pairs", pp)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	want := strings.Split(strings.Fields(csv)[1], ",")[2]
	out, stderr, err := kenn("w2", a, b)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || lines[1] != "method  exact" || lines[2] != "W2²     "+want+" pixels²" || !strings.HasSuffix(lines[3], " pixels") {
		t.Fatalf("output:\n%s\nwant W2² %s pixels²", out, want)
	}
	w2sq, _ := strconv.ParseFloat(want, 64)
	if w2, err := strconv.ParseFloat(strings.Fields(lines[3])[1], 64); err != nil || math.Abs(w2*w2-w2sq) > 1e-12*w2sq {
		t.Errorf("W2 %q is not the square root of W2² %s", lines[3], want)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"one image", []string{a}, 2, "want two images A B"},
		{"flags after the images", []string{a, b, "--method", "sliced"}, 2, "flags before them"},
		{"-o", []string{"-o", filepath.Join(dir, "o.csv"), a, b}, 2, "-o applies to --images and --pairs"},
		{"a collection", []string{mnist, b}, 1, "holds 1000 images, not one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := kenn(append([]string{"w2"}, c.args...)...)
			if code := exitCode(t, err); code != c.code || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, %q; want exit %d and %q", code, stderr, c.code, c.want)
			}
		})
	}
}

func TestW2BadInput(t *testing.T) {
	dir := t.TempDir()
	outPath := filepath.Join(dir, "out.csv")
	cases := []struct{ name, pairs, want string }{
		{"range", "0,1\n2,1000\n", "p.csv:2"},
		{"malformed", "0,1\n2;3\n", "p.csv:2"},
		{"fields", "0,1,2\n", "p.csv:1"},
	}
	for _, tc := range cases {
		p := filepath.Join(dir, "p.csv")
		os.WriteFile(p, []byte(tc.pairs), 0o644)
		_, stderr, err := kenn("w2", "--images", mnist, "--pairs", p, "-o", outPath)
		if err == nil || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: err %v, stderr %q; want it to name %q", tc.name, err, stderr, tc.want)
		}
		if _, err := os.Stat(outPath); err == nil {
			t.Errorf("%s: partial output left", tc.name)
		}
	}
	// an all-zero image, named by index
	blank := filepath.Join(dir, "blank.npy")
	writeNPY(t, blank, 2, 4, 4, []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	p := filepath.Join(dir, "q.csv")
	os.WriteFile(p, []byte("0,1\n"), 0o644)
	if _, stderr, err := kenn("w2", "--images", blank, "--pairs", p); err == nil || !strings.Contains(stderr, "image 1 is all zero") {
		t.Errorf("all-zero image: %v %q", err, stderr)
	}
}

// writeNPY writes a uint8 array of shape (n, h, w).
func writeNPY(t *testing.T, path string, n, h, w int, data []byte) {
	hdr := "{'descr': '|u1', 'fortran_order': False, 'shape': (" + strconv.Itoa(n) + ", " + strconv.Itoa(h) + ", " + strconv.Itoa(w) + "), }"
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	b.WriteByte(byte(len(hdr)))
	b.WriteByte(byte(len(hdr) >> 8))
	b.WriteString(hdr)
	b.Write(data)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A job killed with SIGKILL and restarted ends with every pair exactly
// once, identical to an uninterrupted run.
func TestPairsKillAndResume(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.txt")
	args := []string{"pairs", "--images", mnist, "--n", "3000", "--seed", "4"}
	if _, stderr, err := kenn(append(args, "-o", ref)...); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	out := filepath.Join(dir, "out.txt")
	cmd := exec.Command(kennBin, append(args, "-o", out)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// kill once some pairs are on disk
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(out + ".partial"); err == nil && st.Size() > 20000 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(out); err == nil {
		t.Skip("the job finished before it could be killed; nothing to resume")
	}
	_, stderr, err := kenn(append(args, "-o", out)...)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if !strings.Contains(stderr, "resumed") || strings.Contains(stderr, "(0 resumed") {
		t.Fatalf("restart did not resume: %s", stderr)
	}
	a, _ := os.ReadFile(ref)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Fatal("resumed output differs from an uninterrupted run")
	}
}

func TestTrainAndEval(t *testing.T) {
	dir := t.TempDir()
	tr, va := filepath.Join(dir, "tr.txt"), filepath.Join(dir, "va.txt")
	if _, stderr, err := kenn("pairs", "--images", mnist, "--n", "256", "-o", tr); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kenn("pairs", "--images", "../../testdata/mnist-test-images-idx3-ubyte", "--n", "64", "-o", va); err != nil {
		t.Fatal(stderr)
	}
	ck := filepath.Join(dir, "m.ckpt")
	out, stderr, err := kenn("train", "--model", "naive", "--pairs", tr, "--val", va, "-o", ck, "--epochs", "2", "--batch", "32")
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if !strings.Contains(out, "pearson") || !strings.Contains(stderr, "epoch 2") {
		t.Fatalf("train output:\n%s\n%s", out, stderr)
	}
	if !strings.Contains(stderr, "validation MSE") || !regexp.MustCompile(`validation MSE \S+ \(on W2, pixels²\)`).MatchString(stderr) {
		t.Errorf("the epoch lines of a W2 model do not name the MSE's scale (W2, pixels²):\n%s", stderr)
	}
	out, stderr, err = kenn("eval", "--model", ck, "--images", "../../testdata/mnist-test-images-idx3-ubyte", "--pairs", va, "--json")
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	for _, k := range []string{"mse_w2sq", "rel_mse_w2sq", "mse_w2", "pearson", "spearman", "pairs_per_s"} {
		if !strings.Contains(out, `"`+k+`"`) {
			t.Errorf("eval JSON lacks %s:\n%s", k, out)
		}
	}
	// a CSV i,j,w2sq from kenn w2 works too
	csv := filepath.Join(dir, "p.csv")
	os.WriteFile(csv, []byte("0,1\n2,3\n4,5\n6,7\n"), 0o644)
	vals := filepath.Join(dir, "v.csv")
	if _, stderr, err := kenn("w2", "--images", mnist, "--pairs", csv, "-o", vals); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kenn("eval", "--model", ck, "--images", mnist, "--pairs", vals); err != nil {
		t.Fatalf("eval on CSV: %s", stderr)
	}
	// kenn score: sliced predictions against exact values, raw and calibrated
	sl := filepath.Join(dir, "sl.csv")
	if _, stderr, err := kenn("w2", "--images", mnist, "--pairs", csv, "--method", "sliced", "-o", sl); err != nil {
		t.Fatal(stderr)
	}
	scored, stderr, err := kenn("score", "--pred", sl, "--exact", vals)
	if err != nil || !strings.Contains(scored, "pearson") {
		t.Fatalf("score: %v %s %s", err, scored, stderr)
	}
	same, _, err := kenn("score", "--pred", vals, "--exact", vals)
	if err != nil || !strings.Contains(same, "mse_w2sq       0\n") {
		t.Fatalf("a prediction equal to the truth must score MSE 0:\n%s", same)
	}
	// a model for another input size is refused
	big := filepath.Join(dir, "big.npy")
	// (as many images as the pairs index, so that the size is what is wrong)
	writeNPY(t, big, 1000, 8, 8, bytes.Repeat([]byte{1}, 1000*64))
	if _, stderr, err := kenn("eval", "--model", ck, "--images", big, "--pairs", vals); err == nil || !strings.Contains(stderr, "28x28") {
		t.Errorf("other size: %v %s", err, stderr)
	}
	// a corrupt checkpoint is refused
	raw, _ := os.ReadFile(ck)
	raw[100] ^= 0xff
	os.WriteFile(ck, raw, 0o644)
	if _, stderr, err := kenn("eval", "--model", ck, "--images", mnist, "--pairs", vals); err == nil || !strings.Contains(stderr, "checksum") {
		t.Errorf("corrupt checkpoint: %v %s", err, stderr)
	}
}

// export → embed → pairwise (one collection and two) → knn, end to end.
func TestDeployCommands(t *testing.T) {
	dir := t.TempDir()
	ck, onnx := filepath.Join(dir, "m.ckpt"), filepath.Join(dir, "m.onnx")
	if _, stderr, err := kenn("init", "--model", "naive", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kenn("export", ck, "-o", onnx); err != nil {
		t.Fatal(stderr)
	}
	for _, f := range []string{"m.onnx", "m.pairwise.onnx", "m.pair.onnx"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("export did not write %s", f)
		}
	}
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	e := filepath.Join(dir, "e.npy")
	if _, stderr, err := kenn("embed", "--model", onnx, "--images", test, "-o", e); err != nil {
		t.Fatal(stderr)
	}
	d := filepath.Join(dir, "d.npy")
	if _, stderr, err := kenn("pairwise", "--model", onnx, "--images", test, "-o", d, "--tile", "128"); err != nil {
		t.Fatal(stderr)
	}
	d2 := filepath.Join(dir, "d2.npy")
	if _, stderr, err := kenn("pairwise", "--model", onnx, "--images", mnist, "--against", test, "-o", d2); err != nil {
		t.Fatal(stderr)
	}
	for path, want := range map[string]string{d: "(500, 500)", d2: "(1000, 500)"} {
		raw, _ := os.ReadFile(path)
		if !strings.Contains(string(raw[:128]), want) || len(raw) < 4*500*500 {
			t.Errorf("%s: header %q, %d bytes", path, raw[:64], len(raw))
		}
	}
	out, stderr, err := kenn("knn", "--model", onnx, "--index", test, "--query", test, "-k", "3")
	if err != nil {
		t.Fatal(stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+500*3 || lines[0] != "query,rank,index,w2" || !strings.HasPrefix(lines[1], "0,1,0,0") {
		t.Fatalf("knn output: %d lines, first %q %q", len(lines), lines[0], lines[1])
	}
	// a pairwise request on images of another size fails before any output
	big := filepath.Join(dir, "big.npy")
	writeNPY(t, big, 2, 8, 8, make([]byte, 128))
	if _, stderr, err := kenn("pairwise", "--model", onnx, "--images", big, "-o", filepath.Join(dir, "x.npy")); err == nil || !strings.Contains(stderr, "28x28") {
		t.Errorf("wrong size: %v %s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.npy")); err == nil {
		t.Error("partial output left")
	}
}
