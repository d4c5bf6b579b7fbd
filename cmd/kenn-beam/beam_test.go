package main

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/sidecar"
)

// kenn-beam pairs and kenn-beam pairwise with --runner prism write the
// files of kenn's local commands, byte for byte; bad input fails before
// any worker starts.
func TestRunnerPrismMatchesLocal(t *testing.T) {
	dir := t.TempDir()
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	list := filepath.Join(dir, "list.csv")
	os.WriteFile(list, []byte("i,j\n0,1\n5,400\n7,7\n499,3\n"), 0o644)
	for _, sel := range [][]string{{"--n", "700", "--seed", "2"}, {"--list", list}} {
		local, beam := filepath.Join(dir, "local.txt"), filepath.Join(dir, "beam.txt")
		if _, stderr, err := kenn(append([]string{"pairs", "--images", test, "-o", local}, sel...)...); err != nil {
			t.Fatal(stderr)
		}
		if _, stderr, err := kennBeam(append([]string{"pairs", "--images", test, "-o", beam, "--runner", "prism", "--shard", "300"}, sel...)...); err != nil {
			t.Fatal(stderr)
		}
		if a, b := must(os.ReadFile(local)), must(os.ReadFile(beam)); !bytes.Equal(a, b) {
			t.Fatalf("%v: --runner prism wrote another file than the local run", sel)
		}
	}
	// --matrix of an all-pairs job: the runner's file gives the local matrix
	sub := filepath.Join(dir, "sub-images-idx3-ubyte")
	all, err := dataset.Load(test)
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.WriteIDXImages(sub, all.Subset([]int{0, 1, 2, 3, 4, 5})); err != nil {
		t.Fatal(err)
	}
	lm, bm := filepath.Join(dir, "local-m.npy"), filepath.Join(dir, "beam-m.npy")
	if _, stderr, err := kenn("pairs", "--all", "--images", sub, "-o", filepath.Join(dir, "lm.txt"), "--matrix", lm); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kennBeam("pairs", "--all", "--images", sub, "-o", filepath.Join(dir, "bm.txt"), "--matrix", bm, "--runner", "prism"); err != nil {
		t.Fatal(stderr)
	}
	if a, b := must(os.ReadFile(lm)), must(os.ReadFile(bm)); len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("kenn-beam pairs --all --matrix --runner prism wrote another matrix than kenn pairs, or none")
	}
	if sc, found, err := sidecar.Read(bm); err != nil || !found || !sc.Exact {
		t.Fatalf("the runner's matrix sidecar: %+v, %v, %v", sc, found, err)
	}
	ck, onnx := filepath.Join(dir, "m.ckpt"), filepath.Join(dir, "m.onnx")
	kenn("init", "--model", "naive", "-o", ck)
	if _, stderr, err := kenn("export", ck, "-o", onnx); err != nil {
		t.Fatal(stderr)
	}
	local, beam := filepath.Join(dir, "local.npy"), filepath.Join(dir, "beam.npy")
	if _, stderr, err := kenn("pairwise", "--model", onnx, "--images", test, "-o", local, "--tile", "256"); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kennBeam("pairwise", "--model", onnx, "--images", test, "-o", beam, "--tile", "256", "--runner", "prism"); err != nil {
		t.Fatal(stderr)
	}
	if a, b := must(os.ReadFile(local)), must(os.ReadFile(beam)); len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("kenn-beam pairwise --runner prism differs from kenn pairwise")
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("i,j\n0,1\n2,x\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"pairs", "--images", test, "--list", bad, "-o", filepath.Join(dir, "o.txt"), "--runner", "prism"}, "bad.csv:3"},
		{[]string{"pairs", "--images", filepath.Join(dir, "missing"), "--n", "5", "-o", filepath.Join(dir, "o.txt"), "--runner", "prism"}, "no such file"},
		{[]string{"pairs", "--images", test, "--n", "5", "-o", filepath.Join(dir, "o.txt"), "--runner", "flink", "--endpoint", "127.0.0.1:1"}, "unreachable"},
		{[]string{"pairs", "--images", test, "--n", "5", "-o", filepath.Join(dir, "o.txt"), "--runner", "spark"}, "--endpoint host:port"},
		{[]string{"pairwise", "--model", onnx, "--images", test, "-o", filepath.Join(dir, "o.npy"), "--runner", "nosuch"}, `unknown runner "nosuch"`},
		// flags the pipelines would not apply
		{[]string{"pairs", "--images", test, "--n", "5", "--workers", "2", "-o", filepath.Join(dir, "o.txt"), "--runner", "prism"}, "--workers is not applied by the prism runner"},
		{[]string{"pairwise", "--model", onnx, "--images", test, "-o", filepath.Join(dir, "o.npy"), "--check", "5", "--runner", "prism"}, "--check is not applied by the prism runner"},
		{[]string{"pairwise", "--model", onnx, "--images", test, "-o", filepath.Join(dir, "o.npy"), "--device", "cpu", "--runner", "prism"}, "--device is not applied"},
		{[]string{"knn", "--model", onnx, "--images", test, "--queries", test, "-o", filepath.Join(dir, "o.csv"), "--rerank", "20", "--runner", "prism"}, "--rerank is not applied by the prism runner"},
	} {
		_, stderr, err := kennBeam(c.args...)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: %v %q, want an error with %q", c.args, err, stderr, c.want)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "o.*")); len(m) > 0 {
			t.Errorf("%v: left %v", c.args, m)
		}
	}
}

// kill -9 of a kenn-beam pairs --runner prism job in the middle of writing a
// shard, then the same command again: the rerun resumes the finished
// shards, writes the file of the uninterrupted run byte for byte, and
// leaves no temporary file, lock or shard folder behind.
func TestRunnerPrismKilledThenRerun(t *testing.T) {
	dir := t.TempDir()
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	sel := []string{"--n", "1500", "--seed", "6"}
	local, out := filepath.Join(dir, "local.txt"), filepath.Join(dir, "beam.txt")
	if _, stderr, err := kenn(append([]string{"pairs", "--images", test, "-o", local}, sel...)...); err != nil {
		t.Fatal(stderr)
	}
	args := append([]string{"pairs", "--images", test, "-o", out, "--runner", "prism", "--shard", "25"}, sel...)
	cmd := exec.Command(kennBeamBin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// kill once a shard is being written (its temporary file exists) after
	// at least one other is finished
	shards := out + ".shards"
	sawTemp := false
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline) && !sawTemp; {
		select {
		case err := <-exited:
			t.Fatalf("the job ended (%v) before it could be killed: make it longer", err)
		default:
		}
		ents, _ := os.ReadDir(shards)
		done, temp := 0, 0
		for _, e := range ents {
			switch {
			case strings.Contains(e.Name(), ".kenn-tmp-"):
				temp++
			case strings.HasPrefix(e.Name(), "shard-"):
				done++
			}
		}
		sawTemp = temp > 0 && done > 0
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	if !sawTemp {
		t.Fatal("no shard was seen being written before the kill")
	}
	stderr := ""
	if _, e, err := kennBeam(args...); err != nil {
		t.Fatalf("rerun after kill -9: %v\n%s", err, e)
	} else {
		stderr = e
	}
	if a, b := must(os.ReadFile(local)), must(os.ReadFile(out)); !bytes.Equal(a, b) {
		t.Fatalf("rerun after kill -9 wrote another file than the uninterrupted run (%d vs %d bytes)", len(b), len(a))
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); n != "local.txt" && n != "beam.txt" {
			t.Errorf("left in the output folder: %s", n)
		}
	}
	// the rerun resumed the shards finished before the kill
	m := regexp.MustCompile(`\((\d+) resumed, (\d+) computed\)`).FindStringSubmatch(stderr)
	if m == nil || m[1] == "0" || m[2] == "0" {
		t.Errorf("rerun summary %q: want some shards resumed and some computed", stderr)
	}
}

// kenn-beam pairwise --runner prism writes beside its .npy the sidecar
// kenn pairwise writes for the same model and images (values, units,
// shape, model, images), byte for byte.
func TestRunnerPrismPairwiseSidecar(t *testing.T) {
	dir := t.TempDir()
	test, fashion := "../../testdata/mnist-test-images-idx3-ubyte", "../../testdata/fashion-test-images-idx3-ubyte"
	ck, onnx := filepath.Join(dir, "m.ckpt"), filepath.Join(dir, "m.onnx")
	if _, stderr, err := kenn("init", "--model", "naive", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kenn("export", ck, "-o", onnx); err != nil {
		t.Fatal(stderr)
	}
	cases := []struct {
		name       string
		extra      []string
		values     string
		rows, cols int
	}{
		{"one collection", nil, sidecar.W2, 500, 500},
		{"against, squared", []string{"--against", fashion, "--squared"}, sidecar.W2Sq, 500, 200},
	}
	for k, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			local, beam := filepath.Join(dir, fmt.Sprintf("local%d.npy", k)), filepath.Join(dir, fmt.Sprintf("beam%d.npy", k))
			args := append([]string{"pairwise", "--model", onnx, "--images", test, "--tile", "256"}, c.extra...)
			if _, stderr, err := kenn(append(args, "-o", local)...); err != nil {
				t.Fatal(stderr)
			}
			if _, stderr, err := kennBeam(append(args, "-o", beam, "--runner", "prism")...); err != nil {
				t.Fatal(stderr)
			}
			if a, b := must(os.ReadFile(local)), must(os.ReadFile(beam)); len(a) == 0 || !bytes.Equal(a, b) {
				t.Fatal("kenn-beam pairwise --runner prism wrote another matrix than kenn pairwise")
			}
			want, err := os.ReadFile(sidecar.Path(local))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(sidecar.Path(beam))
			if err != nil {
				t.Fatalf("--runner prism wrote no sidecar: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("sidecar of --runner prism:\n%s\nkenn pairwise's:\n%s", got, want)
			}
			s, found, err := sidecar.Read(beam)
			if err != nil || !found || s.Values != c.values || s.Units != sidecar.UnitsOf(c.values) || s.Rows != c.rows || s.Cols != c.cols || s.Exact || s.Model != onnx || s.ModelID == "" {
				t.Errorf("sidecar %+v (found %v, %v); want %s in %s, %d×%d, model %s", s, found, err, c.values, sidecar.UnitsOf(c.values), c.rows, c.cols, onnx)
			}
		})
	}
}

// kenn-beam knn --runner prism --plot draws its grid from the merged CSV:
// a row per query up to --plot-rows, under every neighbour the distance
// the CSV gives it (W2, px).
func TestRunnerPrismKNNPlot(t *testing.T) {
	dir := t.TempDir()
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	ck, onnx := filepath.Join(dir, "m.ckpt"), filepath.Join(dir, "m.onnx")
	if _, stderr, err := kenn("init", "--model", "naive", "-o", ck); err != nil {
		t.Fatal(stderr)
	}
	if _, stderr, err := kenn("export", ck, "-o", onnx); err != nil {
		t.Fatal(stderr)
	}
	csv, fig := filepath.Join(dir, "knn.csv"), filepath.Join(dir, "knn.svg")
	if _, stderr, err := kennBeam("knn", "--model", onnx, "--images", test, "--queries", test, "-k", "2", "-o", csv, "--plot", fig, "--plot-rows", "3", "--runner", "prism"); err != nil {
		t.Fatal(stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(must(os.ReadFile(csv)))), "\n")
	if lines[0] != "query,rank,index,w2" || len(lines) != 1+500*2 {
		t.Fatalf("%s: header %q, %d lines", csv, lines[0], len(lines))
	}
	want := map[string]bool{}
	for _, l := range lines[1:] {
		var q, r, i int
		var d float32
		if _, err := fmt.Sscanf(strings.ReplaceAll(l, ",", " "), "%d %d %d %g", &q, &r, &i, &d); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if q < 3 {
			want[fmt.Sprintf("W2 = %.4g px", float64(d))] = true
		}
	}
	var texts []string
	for _, m := range regexp.MustCompile(`<text[^>]*>([^<]*)</text>`).FindAllStringSubmatch(string(must(os.ReadFile(fig))), -1) {
		texts = append(texts, html.UnescapeString(m[1]))
	}
	got := map[string]bool{}
	for _, s := range texts {
		got[s] = true
		if strings.HasPrefix(s, "W2 = ") && !want[s] {
			t.Errorf("%s: caption %q is no distance of the CSV's first 3 queries", fig, s)
		}
	}
	for _, w := range []string{"query", "neighbour 1", "neighbour 2", "query 0", "query 2"} {
		if !got[w] {
			t.Errorf("%s lacks the label %q", fig, w)
		}
	}
	if got["query 3"] || got["neighbour 3"] {
		t.Errorf("%s draws more than 3 queries or 2 neighbours: %q", fig, texts)
	}
	for w := range want {
		if !got[w] {
			t.Errorf("%s lacks the caption %q", fig, w)
		}
	}
}
