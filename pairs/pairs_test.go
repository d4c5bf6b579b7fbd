package pairs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

func testImages(t *testing.T, n int) *dataset.Images {
	t.Helper()
	s, err := dataset.Load("../testdata/mnist-train-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i * 7
	}
	sub := s.Subset(idx)
	sub.Source, sub.SHA256 = "subset", "feed"
	return sub
}

func TestComputeMatchesSolver(t *testing.T) {
	imgs := testImages(t, 30)
	ps, _ := Selection{N: 50, Seed: 9}.Pairs(imgs.N)
	got, err := Compute(context.Background(), imgs, ps, Options{Method: ot.NewSolver(), Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	sol := ot.NewSolver()
	for k, p := range ps {
		want, _ := sol.W2Sq(imgs.Image(p.I, nil), imgs.Image(p.J, nil))
		if got[k] != want {
			t.Fatalf("pair %d: %v vs %v", k, got[k], want)
		}
	}
}

func TestSelection(t *testing.T) {
	ps, err := Selection{All: true}.Pairs(5)
	if err != nil || len(ps) != 10 || ps[0] != (Pair{0, 1}) || ps[9] != (Pair{3, 4}) {
		t.Fatalf("all: %v %v", ps, err)
	}
	a, _ := Selection{N: 40, Seed: 3}.Pairs(20)
	b, _ := Selection{N: 40, Seed: 3}.Pairs(20)
	seen := map[Pair]bool{}
	for k := range a {
		if a[k] != b[k] || a[k].I >= a[k].J || seen[a[k]] {
			t.Fatalf("random pairs not repeatable, ordered and distinct: %v", a)
		}
		seen[a[k]] = true
	}
	if _, err := (Selection{N: 11}).Pairs(5); err == nil {
		t.Fatal("asked for more distinct pairs than exist")
	}
}

func TestGenerateResumesExactlyOnce(t *testing.T) {
	imgs := testImages(t, 40)
	dir := t.TempDir()
	sel := Selection{N: 300, Seed: 5}
	m := ot.NewSolver()
	ref := filepath.Join(dir, "ref.txt")
	if _, err := Generate(context.Background(), imgs, sel, ref, Options{Method: m}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.txt")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Generate(ctx, imgs, sel, out, Options{Method: m, Workers: 2, Progress: func(done, total int) {
		if done == 120 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want a cancelled run, got %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("interrupted job left %s", out)
	}
	// a torn last line, as after a kill in the middle of a write
	f, _ := os.OpenFile(out+PartialSuffix, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("3,1")
	f.Close()
	sum, err := Generate(context.Background(), imgs, sel, out, Options{Method: m})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed < 120 || sum.Resumed+sum.Computed != 300 {
		t.Fatalf("resumed %d + computed %d, want ≥120 + rest = 300", sum.Resumed, sum.Computed)
	}
	a, _ := os.ReadFile(ref)
	b, _ := os.ReadFile(out)
	if string(a) != string(b) {
		t.Fatal("resumed result differs from an uninterrupted run")
	}
	if _, err := os.Stat(out + PartialSuffix); !os.IsNotExist(err) {
		t.Fatal("partial file left behind")
	}
	sum, err = Generate(context.Background(), imgs, sel, out, Options{Method: m})
	if err != nil || !sum.UpToDate {
		t.Fatalf("second run should be up to date: %+v %v", sum, err)
	}
	pf, err := ReadFile(out)
	if err != nil || len(pf.Pairs) != 300 || pf.Header.CheckImages(imgs) != nil {
		t.Fatalf("read back: %v", err)
	}
}

func TestPartialFromOtherJobRefused(t *testing.T) {
	imgs := testImages(t, 20)
	out := filepath.Join(t.TempDir(), "o.txt")
	hdr := NewHeader(imgs, ot.NewSolver(), Selection{N: 10, Seed: 1}.String(), 10)
	f, _ := os.Create(out + PartialSuffix)
	hdr.Write(f)
	f.Close()
	_, err := Generate(context.Background(), imgs, Selection{N: 10, Seed: 2}, out, Options{Method: ot.NewSolver()})
	if err == nil || !strings.Contains(err.Error(), "selection") {
		t.Fatalf("got %v", err)
	}
}

func TestReadErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.csv")
	os.WriteFile(p, []byte("i,j\n0,1\n2,x\n"), 0o644)
	if _, err := ReadPairList(p, 10); err == nil || !strings.Contains(err.Error(), "p.csv:3") {
		t.Fatalf("got %v", err)
	}
	os.WriteFile(p, []byte("0,1\n2,10\n"), 0o644)
	if _, err := ReadPairList(p, 10); err == nil || !strings.Contains(err.Error(), "p.csv:2") || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("got %v", err)
	}
	imgs := testImages(t, 10)
	out := filepath.Join(dir, "o.txt")
	if _, err := Generate(context.Background(), imgs, Selection{N: 5, Seed: 1}, out, Options{Method: ot.NewSolver()}); err != nil {
		t.Fatal(err)
	}
	pf, err := ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	other := *imgs
	other.SHA256 = "other"
	if err := pf.Header.CheckImages(&other); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("hash mismatch not detected: %v", err)
	}
	raw, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	os.WriteFile(out, []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o644)
	if _, err := ReadFile(out); err == nil || !strings.Contains(err.Error(), "promises 5 pairs") {
		t.Fatalf("short file: %v", err)
	}
}

func TestSelectionSkipFirst(t *testing.T) {
	ps, err := Selection{All: true, First: 3, Skip: 5}.Pairs(10)
	if err != nil || len(ps) != 3 || ps[0] != (Pair{5, 6}) || ps[2] != (Pair{6, 7}) {
		t.Fatalf("all first=3 skip=5: %v %v", ps, err)
	}
	if s := (Selection{All: true, First: 3, Skip: 5}).String(); s != "all first=3 skip=5" {
		t.Fatalf("String: %q", s)
	}
	if _, err := (Selection{All: true, First: 6, Skip: 5}).Pairs(10); err == nil {
		t.Fatal("range beyond the collection accepted")
	}
}

func TestSelectionEvery(t *testing.T) {
	ps, err := Selection{All: true, Skip: 1, Every: 4}.Pairs(10) // images 1, 5, 9
	if err != nil || len(ps) != 3 || ps[0] != (Pair{1, 5}) || ps[2] != (Pair{5, 9}) {
		t.Fatalf("every=4 skip=1: %v %v", ps, err)
	}
}

// Groups partition a shuffled collection: every pair lies within one
// group, groups are disjoint, each holds all its pairs, the remainder
// takes no part, and the seed decides the groups.
func TestSelectionGroups(t *testing.T) {
	const n, g = 23, 5
	ps, err := Selection{Groups: g, Seed: 4}.Pairs(n)
	if err != nil {
		t.Fatal(err)
	}
	if want := n / g * g * (g - 1) / 2; len(ps) != want {
		t.Fatalf("%d pairs, want %d", len(ps), want)
	}
	group := map[int]int{}
	for k, p := range ps {
		if p.I >= p.J {
			t.Fatalf("pair %d: %v not i<j", k, p)
		}
		blk := k / (g * (g - 1) / 2)
		for _, x := range []int{p.I, p.J} {
			if b, ok := group[x]; ok && b != blk {
				t.Fatalf("image %d in groups %d and %d", x, b, blk)
			}
			group[x] = blk
		}
	}
	if len(group) != n/g*g {
		t.Fatalf("%d images take part, want %d", len(group), n/g*g)
	}
	other, _ := Selection{Groups: g, Seed: 5}.Pairs(n)
	if slices.Equal(ps, other) {
		t.Fatal("seed does not change the groups")
	}
	if got := (Selection{Groups: g, Seed: 4, Every: 2}).String(); got != "groups size=5 seed=4 every=2" {
		t.Fatalf("String() = %q", got)
	}
	for _, bad := range []int{1, n + 1} {
		if _, err := (Selection{Groups: bad}).Pairs(n); err == nil {
			t.Fatalf("groups of %d from %d images accepted", bad, n)
		}
	}
}

// Every method of ot.Methods computes, across workers, what it computes
// alone, and names itself in the header; a nil method is the exact one.
func TestComputeMethods(t *testing.T) {
	imgs := testImages(t, 12)
	ps, err := Selection{N: 20, Seed: 4}.Pairs(imgs.N)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		opt    ot.MethodOptions
		header string
	}{
		{"exact", ot.MethodOptions{}, "exact"},
		{"sinkhorn", ot.MethodOptions{Epsilon: 2}, "sinkhorn epsilon=2"},
		{"sliced", ot.MethodOptions{}, "sliced directions=64"},
		{"sliced", ot.MethodOptions{Directions: 5}, "sliced directions=5"},
	}
	for _, tc := range cases {
		t.Run(tc.header, func(t *testing.T) {
			m, err := ot.NewMethod(tc.name, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if h := NewHeader(imgs, m, "x", len(ps)); h.Method != tc.header {
				t.Fatalf("header method %q, want %q", h.Method, tc.header)
			}
			got, err := Compute(context.Background(), imgs, ps, Options{Method: m, Workers: 3})
			if err != nil {
				t.Fatal(err)
			}
			alone, _ := ot.NewMethod(tc.name, tc.opt)
			for k, p := range ps {
				want, err := alone.W2SqContext(context.Background(), imgs.Image(p.I, nil), imgs.Image(p.J, nil))
				if err != nil || got[k] != want {
					t.Fatalf("pair %v: %v across workers, %v (%v) alone", p, got[k], want, err)
				}
			}
			if tc.name != "exact" {
				return
			}
			def, err := Compute(context.Background(), imgs, ps, Options{Workers: 2})
			if err != nil || !slices.Equal(def, got) {
				t.Fatalf("nil method: %v (%v), want the exact values %v", def, err, got)
			}
			if h := NewHeader(imgs, nil, "x", 1); h.Method != "exact" {
				t.Fatalf("nil method's header %q", h.Method)
			}
		})
	}
}
