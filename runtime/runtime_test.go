package runtime

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

func exportTiny(t testing.TB, kind models.Kind, h, w int) string {
	t.Helper()
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	m, ok := map[models.Kind]*models.Model{
		models.KindDWE:      models.DWE(h, w),
		models.KindDeepKENN: models.DeepKENN(h, w, bb),
		models.KindODEKENN:  models.ODEKENN(h, w, bb, 6, 3),
		models.KindNaive:    models.Naive(h, w, bb),
		models.KindEnsemble: models.Ensemble(models.ODEKENN(h, w, bb, 6, 3), models.Naive(h, w, bb)),
	}[kind]
	if !ok {
		t.Fatalf("exportTiny has no model of kind %s", kind)
	}
	c, err := models.NewCheckpoint(m, 2)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), string(kind)+".onnx")
	if _, err := export.WriteFiles(c, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func readNPY(t *testing.T, path string) (int, int, []float32) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hl := int(binary.LittleEndian.Uint16(raw[8:]))
	hdr := string(raw[10 : 10+hl])
	var r, c int
	i := strings.Index(hdr, "(")
	if _, err := fmtSscanf(hdr[i:], &r, &c); err != nil {
		t.Fatalf("header %q: %v", hdr, err)
	}
	data := raw[10+hl:]
	if len(data) != 4*r*c || (10+hl)%64 != 0 {
		t.Fatalf("npy: %d bytes for %dx%d, header end %d", len(data), r, c, 10+hl)
	}
	v := make([]float32, r*c)
	for k := range v {
		v[k] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*k:]))
	}
	return r, c, v
}

func testImages(t testing.TB, n int) *dataset.Images {
	s, err := dataset.Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i * 13 % s.N
	}
	return s.Subset(idx)
}

// The tiled, triangle-only all-pairs matrix equals the full rectangular
// one, is exactly symmetric with a zero diagonal; kNN equals a brute-force
// sort of the matrix.
func TestPairwiseTilesAndKNN(t *testing.T) {
	rt, err := Open(Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	imgs := testImages(t, 37)
	for _, kind := range models.Kinds() {
		m, err := rt.Load(exportTiny(t, kind, 28, 28))
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Embed(context.Background(), imgs, tiling.EmbedOptions{Batch: 10})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		tri, full := filepath.Join(dir, "tri.npy"), filepath.Join(dir, "full.npy")
		if err := m.AllPairsNPY(context.Background(), f, tri, PairwiseOptions{Tile: 8}); err != nil {
			t.Fatal(err)
		}
		if err := m.PairwiseNPY(context.Background(), f, f, full, PairwiseOptions{Tile: 16}); err != nil {
			t.Fatal(err)
		}
		one := filepath.Join(dir, "one.npy") // a tile side whose square overflows int: one tile, the matrix
		if err := m.PairwiseNPY(context.Background(), f, f, one, PairwiseOptions{Tile: 1 << 40}); err != nil {
			t.Fatal(err)
		}
		n, _, T := readNPY(t, tri)
		_, _, F := readNPY(t, full)
		_, _, O := readNPY(t, one)
		for k := range F {
			if math.Abs(float64(O[k]-F[k])) > 1e-5*math.Abs(float64(F[k])) {
				t.Fatalf("%s: entry %d in one tile of side 2⁴⁰ %v, in tiles of 16 %v", kind, k, O[k], F[k])
			}
		}
		for i := 0; i < n; i++ {
			if T[i*n+i] != 0 {
				t.Fatalf("%s: diagonal %v", kind, T[i*n+i])
			}
			for j := 0; j < n; j++ {
				if T[i*n+j] != T[j*n+i] {
					t.Fatalf("%s: asymmetric at (%d,%d)", kind, i, j)
				}
				if i != j && math.Abs(float64(T[i*n+j]-F[i*n+j])) > 1e-5*math.Abs(float64(F[i*n+j])) {
					t.Fatalf("%s: (%d,%d) tiled %v, full %v", kind, i, j, T[i*n+j], F[i*n+j])
				}
			}
		}
		nbs, err := m.KNN(context.Background(), f, f.Rows(0, 5), 4, tiling.TileOptions{Tile: 7})
		if err != nil {
			t.Fatal(err)
		}
		for q := 0; q < 5; q++ {
			idx := make([]int, n)
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(a, b int) bool { return F[q*n+idx[a]] < F[q*n+idx[b]] })
			for r := 0; r < 4; r++ {
				if nbs[q][r].Index != idx[r] && F[q*n+nbs[q][r].Index] != F[q*n+idx[r]] {
					t.Fatalf("%s: query %d rank %d: knn %d, brute force %d", kind, q, r, nbs[q][r].Index, idx[r])
				}
			}
		}
	}
}

func TestBadInputs(t *testing.T) {
	rt, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	path := exportTiny(t, models.KindNaive, 12, 10)
	// truncated and corrupt files
	raw, _ := os.ReadFile(path)
	cut := filepath.Join(t.TempDir(), "cut.onnx")
	os.WriteFile(cut, raw[:len(raw)/2], 0o644)
	if _, err := rt.Load(cut); err == nil || !strings.Contains(err.Error(), "cut.onnx") {
		t.Errorf("truncated model: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.onnx")
	os.WriteFile(junk, []byte("this is not a model"), 0o644)
	if _, err := rt.Load(junk); err == nil || !strings.Contains(err.Error(), "junk.onnx") {
		t.Errorf("corrupt model: %v", err)
	}
	// a model for another input size
	m, err := rt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Embed(context.Background(), testImages(t, 3), tiling.EmbedOptions{}); err == nil || !strings.Contains(err.Error(), "12x10") {
		t.Errorf("wrong image size: %v", err)
	}
}

// Features that are not rows of the model's F, or that do not match
// their data, and pairs outside the embedded images, are errors naming
// the shapes, not panics, in every call that takes features.
func TestBadFeatures(t *testing.T) {
	rt, err := Open(Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	m, err := rt.Load(exportTiny(t, models.KindDWE, 28, 28))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	good, err := m.Embed(ctx, testImages(t, 4), tiling.EmbedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if good.N != 4 || good.F != m.F || len(good.Data) != 4*m.F {
		t.Fatalf("Embed gave %d rows of %d (%d values), want 4 of %d", good.N, good.F, len(good.Data), m.F)
	}
	wide := dataset.Features{Data: make([]float32, 4*(m.F+1)), N: 4, F: m.F + 1}
	short := dataset.Features{Data: good.Data[:len(good.Data)-1], N: 4, F: m.F}
	dir := t.TempDir()
	for _, x := range []struct {
		name string
		f    dataset.Features
		want string
	}{{"other-F", wide, fmt.Sprintf("the model's have %d", m.F)}, {"short", short, "as 4 rows of"}} {
		for name, call := range map[string]func() error{
			"Pairwise":     func() error { _, err := m.Pairwise(ctx, good, x.f, tiling.TileOptions{}); return err },
			"AllPairs":     func() error { _, err := m.AllPairs(ctx, x.f, tiling.TileOptions{}); return err },
			"PairwiseNPY":  func() error { return m.PairwiseNPY(ctx, x.f, good, filepath.Join(dir, "d.npy"), PairwiseOptions{}) },
			"AllPairsNPY":  func() error { return m.AllPairsNPY(ctx, x.f, filepath.Join(dir, "d.npy"), PairwiseOptions{}) },
			"KNN":          func() error { _, err := m.KNN(ctx, good, x.f, 2, tiling.TileOptions{}); return err },
			"PairwiseTile": func() error { return m.PairwiseTile(x.f, good, make([]float32, 16)) },
			"Matrix":       func() error { _, err := m.Matrix(x.f, good); return err },
			"Decode":       func() error { _, err := m.Decode(x.f); return err },
			"PairsW2Sq":    func() error { _, err := m.PairsW2Sq(x.f, []int{0}, []int{1}); return err },
		} {
			t.Run(x.name+"/"+name, func(t *testing.T) {
				if err := call(); err == nil || !strings.Contains(err.Error(), x.want) {
					t.Fatalf("error %v, want one saying %q", err, x.want)
				}
			})
		}
	}
	if _, err := m.PairsW2Sq(good, []int{0, 3}, []int{1, 4}); err == nil || !strings.Contains(err.Error(), "outside the 4") {
		t.Fatalf("pair (3, 4) of 4 images: %v", err)
	}
	if err := m.PairwiseTile(good, good, make([]float32, 15)); err == nil {
		t.Fatal("a 4×4 tile into 15 values was accepted")
	}
	if _, err := m.KNN(ctx, good, good, 5, tiling.TileOptions{}); err == nil {
		t.Fatal("k = 5 of 4 index rows was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "d.npy")); !os.IsNotExist(err) {
		t.Fatalf("a refused matrix left a file: %v", err)
	}
}

func TestMissingLibrary(t *testing.T) {
	t.Setenv(LibraryEnv, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // no library installed by kenn setup
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(t.TempDir())
	// Named explicitly: no other library will do, even where one exists.
	_, err := Open(Options{Library: "/nonexistent/libonnxruntime.so.1"})
	if err == nil || !strings.Contains(err.Error(), "make ort") || !strings.Contains(err.Error(), LibraryEnv) || !strings.Contains(err.Error(), "/nonexistent/") {
		t.Fatalf("want a clear error naming the file and the fix, got %v", err)
	}
	// Not named, and nowhere to be found.
	_, err = Open(Options{})
	if err == nil || !strings.Contains(err.Error(), "looked in") || !strings.Contains(err.Error(), "kenn setup") {
		t.Fatalf("want the places looked in and the fix, got %v", err)
	}
}

// CUDA: runs only where a GPU build of onnxruntime and a GPU are present.
func TestCUDAProvider(t *testing.T) {
	rt, err := Open(Options{Device: "cuda:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	_, err = rt.Load(exportTiny(t, models.KindNaive, 28, 28))
	if err != nil {
		if strings.Contains(err.Error(), "CUDA") {
			t.Skipf("CUDA execution provider unavailable here (skipped, not passed): %v", err)
		}
		t.Fatal(err)
	}
}

func fmtSscanf(s string, r, c *int) (int, error) { return fmt.Sscanf(s, "(%d, %d)", r, c) }
