package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	onnx "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/build"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/browsertest"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/onnxgo"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

var (
	writeTable = flag.Bool("write-table", false, "write the conformance table into README.md and docs/runtimes.md")
	cudaDevice = flag.String("cuda", "cuda:0", "the device of the onnxruntime CUDA backend")
	minSeconds = flag.Float64("min-seconds", 0.02, "time each file's repeated runs for at least this long (throughput)")
)

const root = "../.."

// Tolerances, relative to the largest magnitude of the reference, for
// float32 graphs against the float64 formula. Features: conv and dense
// sums in float32. The pair file's distances: differences of its own
// float32 embeddings. The pairwise file computes each segment's d² =
// ‖a‖² + ‖b‖² − 2a·b through a Gram matrix (on centred rows) and takes
// its square root: d² carries an error of a few float32 roundings of
// the squared norms, and the root turns it into an absolute error of
// about sqrt(4·2⁻²⁴)·‖a‖ ≈ 5e-4 of the norms for near-identical images
// (measured: 1.9e-4 of the largest distance, odekenn). The decoder
// compares float32 with float32.
const (
	featureTol  = 1e-5
	pairTol     = 1e-4
	pairwiseTol = 1e-3
	decoderTol  = 1e-5
)

// Sizes of the inputs: n digits embedded and decoded, the n×n matrix of
// their distances, n/2 pairs.
const n = 16

type tensorIn struct {
	Name string    `json:"name"`
	Dims []int64   `json:"dims"`
	Data []float32 `json:"data"`
}

// fileCase is one exported file with its inputs and reference output.
type fileCase struct {
	Kind, Profile, File, Role string
	Path                      string
	Inputs                    []tensorIn
	Output                    string
	Want                      []float64
	WantDims                  []int64
	Tol                       float64
	Zeros                     []int // output entries that must be exactly 0 (an image to itself)
	Images, Distances         int   // per run, for throughput
	RefIsORT                  bool  // the reference is onnxruntime (Go) on this very file
}

func (c *fileCase) label() string { return c.Kind + "/" + c.File }

// outcome is one backend's run of one file: its output and seconds per
// run, or the error that stopped it.
type outcome struct {
	Out     runtime.Tensor
	Seconds float64
	Err     error
	NA      bool // a file this backend does not run by design (no row)
}

// backend runs every case; an error means the backend could not start
// (every case is then skipped with it). Optional backends may skip a
// file they fail on or get wrong; the others fail.
type backend struct {
	Name     string
	Optional func(c *fileCase) bool
	Run      func(t *testing.T, cases []*fileCase) ([]outcome, error)
}

type row struct {
	Backend, Kind, File, Result string
	Diff                        float64 // -1: not measured
	ImagesPerS, DistPerS        float64
}

func TestConformance(t *testing.T) {
	t0 := time.Now()
	// One onnxruntime environment at a time per process: the CPU one
	// (references and the CPU backend), then the CUDA backend's own.
	// kenn's models run their pairwise files here (segdist.Graph), so that
	// their rows are those files'; the native kernel has rows of its own.
	rt, err := runtime.Open(runtime.Options{Threads: 1, Pairwise: segdist.Graph})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeRT := func() {
		if !closed {
			closed = true
			if err := rt.Close(); err != nil {
				t.Error(err)
			}
		}
	}
	defer closeRT()
	cases := prepare(t, rt)
	t.Logf("%d files of %d kinds prepared in %v", len(cases), len(models.Kinds()), time.Since(t0).Round(time.Millisecond))
	never := func(*fileCase) bool { return false }
	backends := []backend{
		{"onnxruntime (Go, CPU)", never, goORT(rt)},
		{"kenn runtime.Model (onnxruntime)", never, kennModels(rt, "default")},
		{"kenn onnxgo.Model (onnx-go)", never, kennModels(nil, export.ProfileOnnxGo)},
		{"kenn runtime/segdist (" + nativeName(false) + ")", never, nativeKernel(false)},
		{"kenn runtime/segdist (" + nativeName(true) + ")", never, nativeKernel(true)},
		{"onnxruntime (Go, " + *cudaDevice + ")", func(*fileCase) bool { return true }, func(t *testing.T, cases []*fileCase) ([]outcome, error) {
			closeRT()
			return goCUDA(t, cases)
		}},
		{"onnx-go (pure Go)", func(c *fileCase) bool { return c.Profile != export.ProfileOnnxGo }, onnxGo},
		{"onnxruntime-node", never, nodeORT},
		{"onnxruntime-web (Chromium)", never, webORT},
	}
	var rows []row
	for _, b := range backends {
		t.Run(b.Name, func(t *testing.T) {
			tb := time.Now()
			outs, err := b.Run(t, cases)
			if err != nil {
				rows = append(rows, row{b.Name, "all", "all files", "skipped: " + reason(err), -1, 0, 0})
				t.Skipf("SKIP (not passed): %s cannot start: %v", b.Name, err)
			}
			for i, c := range cases {
				if !outs[i].NA {
					rows = append(rows, check(t, b, c, outs[i]))
				}
			}
			t.Logf("%s: %d files in %v", b.Name, len(cases), time.Since(tb).Round(time.Millisecond))
		})
	}
	if *writeTable {
		if err := writeTables(rows); err != nil {
			t.Fatal(err)
		}
	}
}

// check compares one outcome with the reference in its own subtest.
func check(t *testing.T, b backend, c *fileCase, o outcome) row {
	r := row{Backend: b.Name, Kind: c.Kind, File: c.File, Diff: -1}
	t.Run(c.label(), func(t *testing.T) {
		if o.Err != nil {
			if b.Optional(c) {
				r.Result = "skipped: " + reason(o.Err)
				t.Skipf("SKIP (not passed): %v", o.Err)
			}
			r.Result = "FAIL: " + reason(o.Err)
			t.Fatalf("%s: %v", c.Path, o.Err)
		}
		if o.Seconds > 0 {
			r.ImagesPerS, r.DistPerS = float64(c.Images)/o.Seconds, float64(c.Distances)/o.Seconds
		}
		bad, note := "", ""
		if fmt.Sprint(o.Out.Dims) != fmt.Sprint(c.WantDims) {
			bad = fmt.Sprintf("output %s has dims %v, want %v", c.Output, o.Out.Dims, c.WantDims)
		} else {
			r.Diff = maxRel(o.Out.Data, c.Want)
			var nz, negZero []int
			for _, i := range c.Zeros {
				switch v := o.Out.Data[i]; {
				case v != 0:
					nz = append(nz, i)
				case math.Signbit(float64(v)):
					negZero = append(negZero, i)
				}
			}
			switch {
			case !(r.Diff <= c.Tol):
				bad = fmt.Sprintf("largest difference %.3g of the largest |reference|, tolerance %g", r.Diff, c.Tol)
			case len(nz) > 0:
				bad = fmt.Sprintf("%d distances of an image to itself are not 0 (e.g. entry %d = %g)", len(nz), nz[0], o.Out.Data[nz[0]])
			}
			if len(negZero) > 0 {
				note = fmt.Sprintf(" (%d of %d self-distances are −0)", len(negZero), len(c.Zeros))
				t.Logf("%s: %d of %d distances of an image to itself are −0, not +0", c.Path, len(negZero), len(c.Zeros))
			}
		}
		switch {
		case bad == "" && c.RefIsORT && b.Name == "onnxruntime (Go, CPU)":
			r.Result = "reference" + note
		case bad == "":
			r.Result = "pass" + note
		case b.Optional(c):
			r.Result = "skipped: runs, but wrong: " + bad
			t.Skipf("SKIP (not passed): %s: runs, but wrong: %s", c.Path, bad)
		default:
			r.Result = "FAIL: " + bad
			t.Errorf("%s: %s", c.Path, bad)
		}
	})
	return r
}

func maxRel(got []float32, want []float64) float64 {
	var d, s float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-want[i]))
		if math.IsNaN(float64(got[i])) {
			d = math.NaN()
		}
		s = math.Max(s, math.Abs(want[i]))
	}
	return d / math.Max(s, 1e-30)
}

// reason is an error's first line, short enough for a table cell.
func reason(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// checkpoint is a small model of kind k with fixed seeded weights.
func checkpoint(t *testing.T, k models.Kind) *models.Checkpoint {
	t.Helper()
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	single := func(m *models.Model, seed uint64) *models.Checkpoint {
		c, err := models.NewCheckpoint(m, seed)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	switch k {
	case models.KindDWE:
		return single(models.DWE(28, 28), 11)
	case models.KindDeepKENN:
		return single(models.DeepKENN(28, 28, bb), 12)
	case models.KindODEKENN:
		return single(models.ODEKENN(28, 28, bb, 6, 3), 13)
	case models.KindNaive:
		return single(models.Naive(28, 28, bb), 14)
	case models.KindEnsemble:
		c, err := models.NewEnsemble(single(models.ODEKENN(28, 28, bb, 6, 3), 15), single(models.DeepKENN(28, 28, models.Backbone{C1: 2, C2: 2, Hidden: 6, Out: 4}), 16))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	t.Fatalf("kind %s: the conformance suite has no small model of it: add one to checkpoint()", k)
	return nil
}

// prepare exports every kind in both profiles and computes each file's
// inputs and reference output.
func prepare(t *testing.T, rt *runtime.Runtime) []*fileCase {
	imgs, err := dataset.Load(filepath.Join(root, "testdata/mnist-test-images-idx3-ubyte"))
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i * 97 % imgs.N
	}
	sub := imgs.Subset(idx)
	hw := sub.H * sub.W
	images := func(from, count int) []float32 { return sub.Pix[from*hw : (from+count)*hw] }
	imgDims := func(count int) []int64 { return []int64{int64(count), 1, int64(sub.H), int64(sub.W)} }
	var cases []*fileCase
	for _, k := range models.Kinds() {
		c := checkpoint(t, k)
		path := filepath.Join(t.TempDir(), string(k)+".onnx")
		def, err := export.WriteFiles(c, path)
		if err != nil {
			t.Fatal(err)
		}
		og, err := export.WriteOnnxGoFiles(c, path)
		if err != nil {
			t.Fatal(err)
		}
		// the model's formula in float64: Gorgonia on a float64 graph
		net, err := build.NewNet(c.Model, n, tensor.Float64, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := net.SetWeights(c); err != nil {
			t.Fatal(err)
		}
		var rows [][]float32
		for i := 0; i < n; i++ {
			rows = append(rows, sub.Row(i))
		}
		f64, err := build.Embeddings(net, rows)
		net.Close()
		if err != nil {
			t.Fatal(err)
		}
		F := len(f64[0])
		f32 := make([]float32, n*F)
		var flat []float64
		for i, r := range f64 {
			for j, v := range r {
				f32[i*F+j] = float32(v)
			}
			flat = append(flat, r...)
		}
		w := c.DistanceWeights()
		row := func(i int) []float64 {
			r := make([]float64, F)
			for j := range r {
				r[j] = float64(f32[i*F+j])
			}
			return r
		}
		var dist []float64
		var diag []int
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				dist = append(dist, models.Distance(c.Model, w, row(i), row(j)))
			}
			diag = append(diag, i*n+i)
		}
		half := n / 2
		var pair []float64
		for i := 0; i < half; i++ {
			pair = append(pair, models.Distance(c.Model, w, f64[i], f64[half+i]))
		}
		featIn := tensorIn{"features", []int64{n, int64(F)}, f32}
		for _, p := range append(append([]string(nil), def...), og...) {
			fc := &fileCase{Kind: string(k), Profile: "default", Path: p, File: strings.Replace(filepath.Base(p), string(k), "NAME", 1)}
			if strings.Contains(p, ".onnxgo.") {
				fc.Profile = export.ProfileOnnxGo
			}
			switch {
			case strings.HasSuffix(p, ".pairwise.onnx"):
				fc.Role, fc.Output, fc.Tol = "pairwise", "distances", pairwiseTol
				fc.Inputs = []tensorIn{{"a", []int64{n, int64(F)}, f32}, {"b", []int64{n, int64(F)}, f32}}
				fc.Want, fc.WantDims, fc.Zeros, fc.Distances = dist, []int64{n, n}, diag, n*n
			case strings.HasSuffix(p, ".pair.onnx"):
				fc.Role, fc.Output, fc.Tol = "pair", "distance", pairTol
				fc.Inputs = []tensorIn{{"x", imgDims(half), images(0, half)}, {"y", imgDims(half), images(half, half)}}
				fc.Want, fc.WantDims, fc.Images, fc.Distances = pair, []int64{int64(half)}, 2*half, half
			case strings.HasSuffix(p, ".decoder.onnx"):
				fc.Role, fc.Output, fc.Tol = "decoder", "images", decoderTol
				fc.Inputs, fc.WantDims, fc.Images = []tensorIn{featIn}, imgDims(n), n
			case strings.HasSuffix(p, ".onnx"):
				fc.Role, fc.Output, fc.Tol = "embed", "features", featureTol
				fc.Inputs = []tensorIn{{"images", imgDims(n), images(0, n)}}
				fc.Want, fc.WantDims, fc.Images = flat, []int64{n, int64(F)}, n
			default:
				t.Fatalf("%s: a file of the export the suite does not know", p)
			}
			cases = append(cases, fc)
		}
		// the decoder's reference: onnxruntime (Go) on the default file
		var decoders []*fileCase
		var ref *fileCase
		for _, fc := range cases {
			if fc.Kind == string(k) && fc.Role == "decoder" {
				decoders = append(decoders, fc)
				if fc.Profile == "default" {
					ref = fc
				}
			}
		}
		if ref != nil {
			o := runGo(rt, ref)
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			ref.RefIsORT = true
			for _, fc := range decoders {
				for _, v := range o.Out.Data {
					fc.Want = append(fc.Want, float64(v))
				}
			}
		}
	}
	return cases
}

// timed runs run once (the result, and the warm-up), then again until
// minSeconds have passed (at most 20 times), and returns the time per run.
func timed(run func() (runtime.Tensor, error)) outcome {
	out, err := run()
	if err != nil {
		return outcome{Err: err}
	}
	runs, t0 := 0, time.Now()
	for runs < 20 && (runs == 0 || time.Since(t0).Seconds() < *minSeconds) {
		if _, err := run(); err != nil {
			return outcome{Err: err}
		}
		runs++
	}
	return outcome{Out: out, Seconds: time.Since(t0).Seconds() / float64(runs)}
}

func runGo(rt *runtime.Runtime, c *fileCase) outcome {
	var names []string
	var in []runtime.Tensor
	for _, x := range c.Inputs {
		names = append(names, x.Name)
		in = append(in, runtime.Tensor{Dims: x.Dims, Data: x.Data})
	}
	s, err := rt.OpenFile(c.Path, names, c.Output)
	if err != nil {
		return outcome{Err: err}
	}
	defer s.Close()
	return timed(func() (runtime.Tensor, error) { return s.Run(in...) })
}

func goORT(rt *runtime.Runtime) func(*testing.T, []*fileCase) ([]outcome, error) {
	return func(t *testing.T, cases []*fileCase) ([]outcome, error) {
		var outs []outcome
		for _, c := range cases {
			outs = append(outs, runGo(rt, c))
		}
		return outs, nil
	}
}

// goCUDA runs on the CUDA execution provider: it cannot start where the
// loaded onnxruntime has none (the CPU build make ort installs) or no GPU
// answers; it is then skipped, whole, with onnxruntime's reason.
func goCUDA(t *testing.T, cases []*fileCase) ([]outcome, error) {
	rt, err := runtime.Open(runtime.Options{Device: *cudaDevice, Threads: 1})
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	var outs []outcome
	for i, c := range cases {
		o := runGo(rt, c)
		if i == 0 && o.Err != nil && strings.Contains(o.Err.Error(), "CUDA") {
			return nil, o.Err
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// decoder is what both kenn models decode with (not in runtime.Backend).
type decoder interface {
	runtime.Backend
	HasDecoder() bool
	Decode(f dataset.Features) ([]float32, error)
}

// kennModels runs the files through kenn's own models, as its commands
// do: runtime.Model on onnxruntime (rt, the default profile) or
// onnxgo.Model (the onnx-go profile), each loading a kind's set once.
// Embed runs in batches of 5 and the all-pairs matrix in tiles of 6 (so
// that both leave a remainder); the pair file is not theirs (they compute
// a pair from two embeddings), nor the other profile's files.
func kennModels(rt *runtime.Runtime, profile string) func(*testing.T, []*fileCase) ([]outcome, error) {
	return func(t *testing.T, cases []*fileCase) ([]outcome, error) {
		ctx := context.Background()
		loaded := map[string]decoder{}
		load := func(c *fileCase) (decoder, error) {
			if m, ok := loaded[c.Kind]; ok {
				return m, nil
			}
			main := filepath.Join(filepath.Dir(c.Path), c.Kind+".onnx")
			var m decoder
			var err error
			if rt != nil {
				m, err = rt.Load(main)
			} else {
				m, err = onnxgo.LoadWith(main, onnxgo.Options{Pairwise: segdist.Graph})
			}
			if err != nil {
				return nil, err
			}
			loaded[c.Kind] = m
			return m, nil
		}
		var outs []outcome
		for _, c := range cases {
			if c.Profile != profile || c.Role == "pair" {
				outs = append(outs, outcome{NA: true})
				continue
			}
			m, err := load(c)
			if err != nil {
				outs = append(outs, outcome{Err: err})
				continue
			}
			in := c.Inputs[0]
			var run func() (runtime.Tensor, error)
			switch c.Role {
			case "embed":
				imgs := &dataset.Images{N: int(in.Dims[0]), H: int(in.Dims[2]), W: int(in.Dims[3]), Pix: in.Data}
				run = func() (runtime.Tensor, error) {
					f, err := m.Embed(ctx, imgs, tiling.EmbedOptions{Batch: 5})
					return runtime.Tensor{Dims: []int64{int64(f.N), int64(f.F)}, Data: f.Data}, err
				}
			case "pairwise":
				run = func() (runtime.Tensor, error) {
					a := dataset.Features{Data: in.Data, N: int(in.Dims[0]), F: int(in.Dims[1])}
					d, err := m.AllPairs(ctx, a, tiling.TileOptions{Tile: 6})
					return runtime.Tensor{Dims: []int64{in.Dims[0], in.Dims[0]}, Data: d}, err
				}
			case "decoder":
				run = func() (runtime.Tensor, error) {
					if !m.HasDecoder() {
						return runtime.Tensor{}, fmt.Errorf("%s: the model loaded no decoder", c.Path)
					}
					d, err := m.Decode(dataset.Features{Data: in.Data, N: int(in.Dims[0]), F: int(in.Dims[1])})
					return runtime.Tensor{Dims: c.WantDims, Data: d}, err
				}
			}
			outs = append(outs, timed(run))
		}
		return outs, nil
	}
}

// nativeName names the kernel nativeKernel(generic) runs.
func nativeName(generic bool) string {
	k, err := segdist.New(models.FormSquared, []int{1}, nil, segdist.Options{Generic: generic})
	if err != nil {
		panic(err)
	}
	return k.Name()
}

// nativeKernel computes the all-pairs matrix of each default-profile
// pairwise file's input with runtime/segdist (the assembly kernel this CPU
// runs, or the portable Go one), in tiles of 6 as kennModels does, from
// the segments and weights in the file's set: what kenn's models compute
// on CPU instead of running the file (runtime.Options.Pairwise).
func nativeKernel(generic bool) func(*testing.T, []*fileCase) ([]outcome, error) {
	return func(t *testing.T, cases []*fileCase) ([]outcome, error) {
		var outs []outcome
		for _, c := range cases {
			if c.Profile != "default" || c.Role != "pairwise" {
				outs = append(outs, outcome{NA: true})
				continue
			}
			set, err := export.ReadSet(filepath.Join(filepath.Dir(c.Path), c.Kind+".onnx"))
			if err != nil {
				outs = append(outs, outcome{Err: err})
				continue
			}
			meta, err := set.Main.ImageMeta()
			if err != nil {
				outs = append(outs, outcome{Err: err})
				continue
			}
			k, err := segdist.New(meta.Kind.Form(), meta.Segments, meta.Weights, segdist.Options{Generic: generic, Threads: 1})
			if err != nil {
				outs = append(outs, outcome{Err: err})
				continue
			}
			in := c.Inputs[0]
			a := dataset.Features{Data: in.Data, N: int(in.Dims[0]), F: int(in.Dims[1])}
			outs = append(outs, timed(func() (runtime.Tensor, error) {
				d, err := tiling.Pairwise(context.Background(), a, a, true, 6, k.Tile)
				return runtime.Tensor{Dims: []int64{in.Dims[0], in.Dims[0]}, Data: d}, err
			}))
		}
		return outs, nil
	}
}

// onnxGo runs each file as it is in onnx-go's Gorgonia backend (the
// runtime of runtime/onnxgo), a panic inside it counting as an error.
func onnxGo(t *testing.T, cases []*fileCase) ([]outcome, error) {
	var outs []outcome
	for _, c := range cases {
		outs = append(outs, runOnnxGo(c))
	}
	return outs, nil
}

func runOnnxGo(c *fileCase) (o outcome) {
	defer func() {
		if r := recover(); r != nil {
			o = outcome{Err: fmt.Errorf("onnx-go panicked: %v", r)}
		}
	}()
	raw, err := os.ReadFile(c.Path)
	if err != nil {
		return outcome{Err: err}
	}
	g := gorgonnx.NewGraph()
	m := onnx.NewModel(g)
	if err := m.UnmarshalBinary(raw); err != nil {
		return outcome{Err: fmt.Errorf("onnx-go cannot load it: %w", err)}
	}
	for i, x := range c.Inputs {
		dims := make([]int, len(x.Dims))
		for j, d := range x.Dims {
			dims[j] = int(d)
		}
		data := append([]float32(nil), x.Data...)
		if err := m.SetInput(i, tensor.New(tensor.WithShape(dims...), tensor.WithBacking(data))); err != nil {
			return outcome{Err: fmt.Errorf("onnx-go: input %s: %w", x.Name, err)}
		}
	}
	return timed(func() (out runtime.Tensor, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("onnx-go panicked: %v", r)
			}
		}()
		if err := g.Run(); err != nil {
			return out, fmt.Errorf("onnx-go: %w", err)
		}
		ts, err := m.GetOutputTensors()
		if err != nil || len(ts) != 1 || ts[0] == nil {
			return out, fmt.Errorf("onnx-go: no single output (%v)", err)
		}
		data, ok := ts[0].Data().([]float32)
		if !ok {
			return out, fmt.Errorf("onnx-go: output is %T, want []float32", ts[0].Data())
		}
		for _, d := range ts[0].Shape() {
			out.Dims = append(out.Dims, int64(d))
		}
		out.Data = append([]float32(nil), data...)
		return out, nil
	})
}

// jsCase is a case as the JavaScript runner (testdata/cases.mjs) reads it.
type jsCase struct {
	File   string     `json:"file"`
	Inputs []tensorIn `json:"inputs"`
	Output string     `json:"output"`
}

type jsResult struct {
	Dims    []int64   `json:"dims"`
	Data    []float32 `json:"data"`
	Seconds float64   `json:"seconds"`
	Error   string    `json:"error"`
}

func jsCases(cases []*fileCase, file func(*fileCase) string) []byte {
	var js []jsCase
	for _, c := range cases {
		js = append(js, jsCase{file(c), c.Inputs, c.Output})
	}
	b, _ := json.Marshal(map[string]any{"cases": js, "minSeconds": *minSeconds})
	return b
}

func jsOutcomes(raw []byte, want int) ([]outcome, error) {
	var res []jsResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("the runner's results: %w (%.200s)", err, raw)
	}
	if len(res) != want {
		return nil, fmt.Errorf("the runner gave %d results for %d files", len(res), want)
	}
	outs := make([]outcome, len(res))
	for i, r := range res {
		if r.Error != "" {
			outs[i] = outcome{Err: errors.New(r.Error)}
			continue
		}
		outs[i] = outcome{Out: runtime.Tensor{Dims: r.Dims, Data: r.Data}, Seconds: r.Seconds}
	}
	return outs, nil
}

func nodeORT(t *testing.T, cases []*fileCase) ([]outcome, error) {
	ortNode := filepath.Join(root, ".cache/node/node_modules/onnxruntime-node")
	if _, err := os.Stat(filepath.Join(ortNode, "package.json")); err != nil {
		t.Fatalf("onnxruntime-node is not installed: run `make node-ort` (make test does): %v", err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "cases.json"), filepath.Join(dir, "results.json")
	if err := os.WriteFile(in, jsCases(cases, func(c *fileCase) string { return c.Path }), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if b, err := exec.CommandContext(ctx, "node", "testdata/node.cjs", ortNode, in, out).CombinedOutput(); err != nil {
		t.Fatalf("node testdata/node.cjs: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := jsOutcomes(raw, len(cases))
	if err != nil {
		t.Fatal(err)
	}
	return outs, nil
}

// webORT serves the cases on 127.0.0.1 and runs them in headless
// Chromium with onnxruntime-web's wasm build (the three files kenn web
// ships), one thread, no cross-origin isolation.
func webORT(t *testing.T, cases []*fileCase) ([]outcome, error) {
	dist := filepath.Join(root, ".cache/web/node_modules/onnxruntime-web/dist")
	for _, p := range []string{filepath.Join(dist, "ort.wasm.min.mjs"), filepath.Join(root, ".cache/web/node_modules/puppeteer-core/package.json")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("onnxruntime-web or puppeteer-core is not installed: run `make web-deps` (make test does): %v", err)
		}
	}
	files := map[string]string{}
	for _, c := range cases {
		files[filepath.Base(c.Path)] = c.Path
	}
	casesJSON := jsCases(cases, func(c *fileCase) string { return filepath.Base(c.Path) })
	mux := http.NewServeMux()
	serveFile := func(w http.ResponseWriter, path, ctype string) {
		b, err := os.ReadFile(path)
		if err != nil {
			http.NotFound(w, nil)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Write(b)
	}
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, "testdata/index.html", "text/html; charset=utf-8")
	})
	mux.HandleFunc("/cases.mjs", func(w http.ResponseWriter, r *http.Request) { serveFile(w, "testdata/cases.mjs", "text/javascript") })
	mux.HandleFunc("/cases.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(casesJSON)
	})
	mux.HandleFunc("/ort/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		switch name {
		case "ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs":
			serveFile(w, filepath.Join(dist, name), "text/javascript")
		case "ort-wasm-simd-threaded.wasm":
			serveFile(w, filepath.Join(dist, name), "application/wasm")
		default:
			t.Errorf("the page asked for /ort/%s, not one of the three onnxruntime-web files", name)
			http.NotFound(w, r)
		}
	})
	mux.HandleFunc("/files/{name}", func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, files[r.PathValue("name")], "application/octet-stream")
	})
	stdout, stderr := browsertest.Run(t, 5*time.Minute, browsertest.Serve(t, mux),
		"--wait", "window.kennDone", "--result", "window.kennResult", "--timeout", "240000")
	t.Logf("scripts/ci/browser.js:\n%s", stderr)
	outs, err := jsOutcomes(stdout, len(cases))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	return outs, nil
}
