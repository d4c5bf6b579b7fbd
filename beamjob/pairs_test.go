package beamjob

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

const testImages = "../testdata/mnist-test-images-idx3-ubyte"

func localPairs(t *testing.T, sel pairs.Selection, m ot.Method) []byte {
	t.Helper()
	imgs, err := dataset.Load(testImages)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "local.txt")
	if _, err := pairs.Generate(context.Background(), imgs, sel, out, pairs.Options{Method: m}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Through prism, the pipeline writes the same file as kenn pairs, byte for
// byte: the same W2² values exactly, the same header and order.
func TestPairsPipelineEqualsLocal(t *testing.T) { checkPairsPipeline(t, false) }

// A worker failure injected into one bundle is retried (a second pipeline
// for the missing shard) and nothing is lost or duplicated: the file is
// kenn pairs' still. (A test of its own, as make test's race run leaves
// out the tests whose jobs fail: see the Makefile.)
func TestPairsPipelineRetriesFailedShard(t *testing.T) { checkPairsPipeline(t, true) }

func checkPairsPipeline(t *testing.T, fail bool) {
	sel := pairs.Selection{N: 450, Seed: 3}
	exact := ot.NewSolver()
	want := localPairs(t, sel, exact)
	dir := t.TempDir()
	job := PairsJob{Images: testImages, Sel: sel, Method: exact, Out: filepath.Join(dir, "beam.txt"), ShardSize: 100}
	if fail {
		failPairs(&job, 2, filepath.Join(dir, "failed-once"))
	}
	sum, err := RunPairs(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(job.Out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("fail=%v: the pipeline's file differs from kenn pairs' (%d vs %d bytes)", fail, len(got), len(want))
	}
	if sum.Shards != 5 || sum.Computed != 5 {
		t.Fatalf("fail=%v: summary %+v", fail, sum)
	}
	if fail {
		if _, err := os.Stat(filepath.Join(dir, "failed-once")); err != nil {
			t.Fatal("the injected failure did not happen")
		}
		if sum.Pipelines != 2 {
			t.Fatalf("pipelines %d, want 2 (the failed shard resubmitted)", sum.Pipelines)
		}
	}
	if _, err := os.Stat(job.Out + ".shards"); err == nil {
		t.Fatal("shard folder left behind")
	}
}

// Every method reaches the workers with its options: the pipeline writes
// kenn pairs' bytes (values and header) for each.
func TestPairsPipelineMethods(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  ot.MethodOptions
		n    int
	}{
		{"sliced", ot.MethodOptions{Directions: 8}, 40},
		{"sinkhorn", ot.MethodOptions{Epsilon: 4}, 6},
	} {
		m, err := ot.NewMethod(tc.name, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(m.String(), func(t *testing.T) {
			sel := pairs.Selection{N: tc.n, Seed: 2}
			want := localPairs(t, sel, m)
			job := PairsJob{Images: testImages, Sel: sel, Method: m, Out: filepath.Join(t.TempDir(), "p.txt"), ShardSize: tc.n / 2}
			if _, err := RunPairs(context.Background(), job); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(job.Out); !bytes.Equal(got, want) || !bytes.Contains(got, []byte("# method: "+m.String()+"\n")) {
				t.Fatalf("the pipeline's file differs from kenn pairs' (%d vs %d bytes)", len(got), len(want))
			}
		})
	}
}

// A rerun after an interruption computes only the missing shards.
func TestPairsPipelineResumes(t *testing.T) {
	sel := pairs.Selection{N: 300, Seed: 5}
	want := localPairs(t, sel, ot.NewSolver())
	dir := t.TempDir()
	job := PairsJob{Images: testImages, Sel: sel, Method: ot.NewSolver(), Out: filepath.Join(dir, "p.txt"), ShardSize: 100,
		Runner: Runner{Attempts: 1}}
	failPairs(&job, 1, filepath.Join(dir, "m"))
	// the job fails at the injected failure; shards not yet run are missing too
	if _, err := RunPairs(context.Background(), job); err == nil || !strings.Contains(err.Error(), "still missing after 1 pipeline") || !strings.Contains(err.Error(), "injected worker failure in shard 1") {
		t.Fatalf("one attempt with a failing shard: %v", err)
	}
	done, _ := filepath.Glob(filepath.Join(dir, "p.txt.shards", "shard-*.txt"))
	if len(done) == 3 {
		t.Fatal("all shards written despite the failure")
	}
	job.Runner.Attempts = 0
	sum, err := RunPairs(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed != len(done) || sum.Computed != 3-len(done) {
		t.Fatalf("rerun: %+v, want the %d finished shards resumed and the rest computed", sum, len(done))
	}
	if got, _ := os.ReadFile(job.Out); !bytes.Equal(got, want) {
		t.Fatal("resumed output differs from kenn pairs'")
	}
}

func TestBadInputBeforeWorkers(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		job  PairsJob
		want string
	}{
		{PairsJob{Images: filepath.Join(dir, "none"), Sel: pairs.Selection{N: 3}, Method: ot.NewSolver(), Out: filepath.Join(dir, "o")}, "no such file"},
		{PairsJob{Images: testImages, Sel: pairs.Selection{N: 3}, Method: ot.NewSolver(), Out: filepath.Join(dir, "o"),
			Runner: Runner{Name: "flink", Endpoint: "127.0.0.1:1"}}, "job server 127.0.0.1:1 is unreachable"},
		{PairsJob{Images: testImages, Sel: pairs.Selection{N: 3}, Method: ot.NewSolver(), Out: filepath.Join(dir, "o"),
			Runner: Runner{Name: "dataflow"}}, "options project, region, temp_location are required"},
		{PairsJob{Images: testImages, Sel: pairs.Selection{List: []pairs.Pair{{I: 0, J: 1}, {I: 2, J: 500}}}, Method: ot.NewSolver(), Out: filepath.Join(dir, "o")}, "500"},
		{PairsJob{Images: testImages, Sel: pairs.Selection{N: 3}, Method: &ot.SlicedMethod{Directions: -1}, Out: filepath.Join(dir, "o")}, "cannot rebuild the method sliced directions=-1"},
	} {
		if _, err := RunPairs(context.Background(), c.job); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error with %q", err, c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "o.shards")); err == nil {
			t.Errorf("%q: a shard folder was created before the error", c.want)
		}
	}
}
