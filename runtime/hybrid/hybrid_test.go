package hybrid

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

const model = "../../pretrained/odekenn-ensemble.onnx" // trained on MNIST digits

func open(t *testing.T) (*runtime.Model, func()) {
	t.Helper()
	rt, err := runtime.Open(runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := rt.Load(model)
	if err != nil {
		rt.Close()
		t.Fatal(err)
	}
	return m, func() { rt.Close() }
}

func embed(t *testing.T, m *runtime.Model, path string) (*dataset.Images, dataset.Features) {
	t.Helper()
	imgs, err := dataset.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.Embed(context.Background(), imgs, tiling.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return imgs, f
}

// The MNIST model checked on unseen MNIST digits keeps its promise; on
// Fashion-MNIST images it is far off, and the check says so.
func TestCheckDomain(t *testing.T) {
	m, done := open(t)
	defer done()
	for _, c := range []struct {
		name, images string
		warn         bool
	}{
		{"in domain: MNIST test digits", "../../testdata/mnist-test-images-idx3-ubyte", false},
		{"off domain: Fashion-MNIST", "../../testdata/fashion-test-images-idx3-ubyte", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			imgs, f := embed(t, m, c.images)
			r, err := Check(context.Background(), m, model, imgs, f, nil, dataset.Features{}, CheckOptions{Pairs: 300, Seed: 1, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Log(r.Report())
			if !r.Found || !strings.Contains(r.Promise.Source, "validation relative MSE") {
				t.Errorf("promise %+v, want the model's validation figure", r.Promise)
			}
			if (r.Warning != "") != c.warn {
				t.Errorf("warning %q, want one: %v", r.Warning, c.warn)
			}
			if c.warn && !(r.RelMSE.Value > 0.05) {
				t.Errorf("off-domain relative MSE %v: want a large error (about 0.18 measured before)", r.RelMSE)
			}
			if !c.warn && !(r.RelMSE.Value < 0.006 && r.Pearson.Value > 0.99) {
				t.Errorf("in-domain relative MSE %v, Pearson %v: want the card's quality", r.RelMSE, r.Pearson)
			}
		})
	}
}

func TestCheckTwoCollections(t *testing.T) {
	m, done := open(t)
	defer done()
	a, fa := embed(t, m, "../../testdata/mnist-test-images-idx3-ubyte")
	b, fb := embed(t, m, "../../testdata/fashion-test-images-idx3-ubyte")
	r, err := Check(context.Background(), m, model, a, fa, b, fb, CheckOptions{Pairs: 50, Seed: 2, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Pairs != 50 {
		t.Errorf("%d pairs, want 50", r.Pairs)
	}
	if _, err := Check(context.Background(), m, model, a, fa, nil, dataset.Features{}, CheckOptions{Pairs: 5}); err == nil {
		t.Error("a check of 5 pairs was accepted")
	}
}

// exactKNN is brute-force exact kNN of every image among the others.
func exactKNN(t *testing.T, imgs *dataset.Images, k int) [][]int {
	t.Helper()
	d, err := pairs.Matrix(context.Background(), imgs, pairs.Options{Method: ot.NewSolver(), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]int, imgs.N)
	for q := range out {
		var nb []runtime.Neighbor
		for i := 0; i < imgs.N; i++ {
			if i != q {
				nb = append(nb, runtime.Neighbor{Index: i, Distance: float32(d[q*imgs.N+i])})
			}
		}
		sortNeighbors(nb)
		for _, n := range nb[:k] {
			out[q] = append(out[q], n.Index)
		}
	}
	return out
}

func sortNeighbors(nb []runtime.Neighbor) {
	sort.SliceStable(nb, func(x, y int) bool { return nb[x].Distance < nb[y].Distance })
}

func recall(got [][]runtime.Neighbor, want [][]int, skipSelf bool) float64 {
	var hit, tot int
	for q := range want {
		set := map[int]bool{}
		for _, i := range want[q] {
			set[i] = true
		}
		n := 0
		for _, g := range got[q] {
			if skipSelf && g.Index == q {
				continue
			}
			if n == len(want[q]) {
				break
			}
			n++
			if set[g.Index] {
				hit++
			}
		}
		tot += len(want[q])
	}
	return float64(hit) / float64(tot)
}

// Re-ranking the model's 30 nearest by exact W2 recovers the exact 10
// nearest neighbours far better than the model alone; re-ranking every
// index image is brute-force exact kNN.
func TestRerank(t *testing.T) {
	m, done := open(t)
	defer done()
	all, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 80)
	for i := range idx {
		idx[i] = i
	}
	imgs := all.Subset(idx)
	f, err := m.Embed(context.Background(), imgs, tiling.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const k = 10
	want := exactKNN(t, imgs, k)
	model, err := m.KNN(context.Background(), f, f, 31, tiling.TileOptions{}) // itself and 30 others
	if err != nil {
		t.Fatal(err)
	}
	rr, err := Rerank(context.Background(), imgs, imgs, model, k+1, pairs.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	rm, rx := recall(model, want, true), recall(rr, want, true)
	t.Logf("recall@10 of 80 digits: model %.3f, re-ranked 30 candidates %.3f", rm, rx)
	if rx < 0.97 || rx <= rm {
		t.Errorf("re-ranked recall %.3f (model %.3f): want at least 0.97 and above the model's", rx, rm)
	}
	for q, r := range rr {
		if r[0].Index != q || r[0].Distance != 0 {
			t.Fatalf("query %d: nearest %+v, want itself at exact distance 0", q, r[0])
		}
	}
	// Every index image a candidate: exact kNN itself (20 queries).
	queries := imgs.Subset(idx[:20])
	full := make([][]runtime.Neighbor, queries.N)
	for q := range full {
		for i := 0; i < imgs.N; i++ {
			full[q] = append(full[q], runtime.Neighbor{Index: i})
		}
	}
	ex, err := Rerank(context.Background(), imgs, queries, full, k+1, pairs.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r := recall(ex, want[:20], true); r != 1 {
		t.Errorf("re-ranking the whole index: recall %.4f, want exactly 1", r)
	}
	if _, err := Rerank(context.Background(), imgs, imgs, model, 40, pairs.Options{}); err == nil {
		t.Error("k above the candidates was accepted")
	}
}

// A checkpoint promises what its export does: export copies its metrics.
func TestPromiseOfACheckpoint(t *testing.T) {
	fromONNX, ok1, err1 := ReadPromise("../../pretrained/deepkenn.onnx")
	fromCkpt, ok2, err2 := ReadPromise("../../pretrained/deepkenn.ckpt")
	if err1 != nil || err2 != nil || !ok1 || !ok2 || fromONNX != fromCkpt {
		t.Fatalf("onnx %+v (%v, %v), ckpt %+v (%v, %v)", fromONNX, ok1, err1, fromCkpt, ok2, err2)
	}
}

// A check of a collection against itself (kenn knn --queries = --images)
// solves pairs of two different images only: of 5 images against the
// same 5, exactly 20 pairs qualify, and a 21st is not found.
func TestCheckSkipsAnImageAgainstItself(t *testing.T) {
	m, done := open(t)
	defer done()
	all, err := dataset.Load("../../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	a := all.Subset([]int{0, 1, 2, 3, 4})
	fa, err := m.Embed(context.Background(), a, tiling.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Check(context.Background(), m, model, a, fa, a, fa, CheckOptions{Pairs: 20, Seed: 3, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Pairs != 20 {
		t.Errorf("%d pairs, want the 20 of two different images", r.Pairs)
	}
	if _, err := Check(context.Background(), m, model, a, fa, a, fa, CheckOptions{Pairs: 21, Seed: 3, Workers: 2}); err == nil || !strings.Contains(err.Error(), "found only 20 pairs of two different images") {
		t.Errorf("a check of 21 pairs among 20: %v", err)
	}
}
