package onnxgo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	onnx "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Model is a loaded onnx-go profile set. Its methods may be called from
// one goroutine at a time (they lock).
type Model struct {
	Path     string // the profile's main file, NAME.onnxgo.onnx
	Kind     models.Kind
	Target   string
	H, W, F  int
	Segments []int
	Weights  []float32
	ModelID  string // kenn.model_id, shared with the default profile's files
	// Domain is the training images' domain (kenn.domain; nil when the
	// file records none): Screen places a collection against it.
	Domain *models.Domain

	mu                     sync.Mutex
	embed, pairwise, decod *graphFile
	surf                   tiling.Surface // tiles, matrices, kNN: the native kernel's if set (Options.Pairwise), else the graph's
}

// Options configures LoadWith. Zero values take the defaults.
type Options struct {
	// Pairwise says what computes distance tiles: runtime/segdist's
	// kernel (segdist.Auto, the default, and segdist.Native: assembly on
	// amd64 with AVX2 or AVX-512, portable Go elsewhere, either far faster
	// than gorgonnx), or the profile's NAME.onnxgo.pairwise.onnx in
	// onnx-go (segdist.Graph).
	Pairwise segdist.Choice
	// Threads is the kernel's goroutines; 0: GOMAXPROCS.
	Threads int
}

// PairwiseKernel says what computes the model's distance tiles: "native
// avx512 8×32" (runtime/segdist's kernel) or "graph"
// (NAME.onnxgo.pairwise.onnx in onnx-go).
func (m *Model) PairwiseKernel() string { return m.surf.Kernel.Describe() }

// graphFile is one file's bytes and its built graphs, one per input
// shape (gorgonnx fixes every shape when it builds a graph).
type graphFile struct {
	path  string
	raw   []byte
	built map[string]*built
}

type built struct {
	backend *gorgonnx.Graph
	model   *onnx.Model
}

// maxShapes bounds the graphs kept per file: batches and tiles come in
// at most two shapes per call (full and the remainder), and a graph of
// a large tile holds its intermediate tensors.
const maxShapes = 4

// DefaultTile is the tile side (rows) of this backend's Pairwise, AllPairs
// and KNN when TileOptions.Tile is 0, and of its commands' --tile: smaller
// than onnxruntime's (tiling.DefaultTile), since gorgonnx builds a graph,
// with its intermediate tensors, per tile shape.
const DefaultTile = 512

// ProfilePath is the onnx-go profile file for any path of a set: NAME.onnx
// or any of its siblings give NAME.onnxgo.onnx; a path already in the
// profile is returned as is.
func ProfilePath(path string) string {
	main := export.MainOf(path)
	if strings.HasSuffix(main, ".onnxgo.onnx") {
		return main
	}
	return export.OnnxGoPath(main)
}

// Load reads and verifies (export.ReadSet) the onnx-go profile set of
// path (see ProfilePath): NAME.onnxgo.onnx, NAME.onnxgo.pairwise.onnx and,
// if present, NAME.onnxgo.decoder.onnx. A file of the default profile is
// refused, as is a missing profile, with the command that writes it.
// Distance tiles are computed by runtime/segdist (LoadWith chooses).
func Load(path string) (*Model, error) { return LoadWith(path, Options{}) }

// LoadWith is Load with options.
func LoadWith(path string, opt Options) (*Model, error) {
	choice, err := segdist.ParseChoice(string(opt.Pairwise))
	if err != nil {
		return nil, fmt.Errorf("onnxgo: %w", err)
	}
	main := ProfilePath(path)
	if _, err := os.Stat(main); err != nil {
		return nil, fmt.Errorf("onnxgo: %s: %w; the onnx-go backend runs the onnx-go export profile: kenn export --profile onnx-go M.ckpt -o NAME.onnx writes it", main, err)
	}
	set, err := export.ReadSet(main)
	if err != nil {
		return nil, fmt.Errorf("onnxgo: %w", err)
	}
	get := func(k string) string { return set.Main.Meta[k] }
	if p := get(export.ProfileKey); p != export.ProfileOnnxGo {
		return nil, fmt.Errorf("onnxgo: %s: %s is %q, not %q: onnx-go cannot run the default profile's operators; kenn export --profile onnx-go writes the profile", main, export.ProfileKey, p, export.ProfileOnnxGo)
	}
	_, pwPath, _ := export.Paths(main)
	pw := set.File(pwPath)
	if pw == nil {
		return nil, fmt.Errorf("onnxgo: %s: missing (kenn export --profile onnx-go writes it beside %s)", pwPath, main)
	}
	meta, err := set.Main.ImageMeta()
	if err != nil {
		return nil, fmt.Errorf("onnxgo: %w", err)
	}
	m := &Model{Path: main, Kind: meta.Kind, Target: meta.Target, ModelID: set.Main.ModelID(), H: meta.H, W: meta.W, F: meta.F, Segments: meta.Segments, Weights: meta.Weights, Domain: meta.Domain}
	m.surf = tiling.Surface{Prefix: "onnxgo", Path: main, F: m.F, Graph: m.graphTile}
	m.embed = &graphFile{path: main, raw: set.Main.Raw}
	m.pairwise = &graphFile{path: pwPath, raw: pw.Raw}
	if d := set.File(export.DecoderPath(main)); d != nil {
		m.decod = &graphFile{path: d.Path, raw: d.Raw}
	}
	// Build the graphs once on one image, so that a file gorgonnx cannot
	// run is refused here, not in the first batch.
	img := make([]float32, m.H*m.W)
	for i := range img {
		img[i] = 1
	}
	f, err := m.run(m.embed, [][]float32{img}, [][]int{{1, 1, m.H, m.W}})
	if err != nil {
		return nil, err
	}
	if choice != segdist.Graph {
		// Auto is Native here: even the portable Go kernel is faster than
		// the graph in gorgonnx.
		if m.surf.Kernel, err = segdist.New(m.Kind.Form(), m.Segments, m.Weights, segdist.Options{Threads: opt.Threads}); err != nil {
			return nil, fmt.Errorf("onnxgo: %s: %w", main, err)
		}
		return m, nil
	}
	if _, err := m.run(m.pairwise, [][]float32{f, f}, [][]int{{1, m.F}, {1, m.F}}); err != nil {
		return nil, err
	}
	return m, nil
}

// run feeds inputs of the given shapes to f's graph for those shapes
// (built on first use) and returns a copy of its single output.
func (m *Model) run(f *graphFile, in [][]float32, shapes [][]int) ([]float32, error) {
	key := fmt.Sprint(shapes)
	b := f.built[key]
	if b == nil {
		if f.built == nil || len(f.built) >= maxShapes {
			f.built = map[string]*built{}
		}
		b = &built{backend: gorgonnx.NewGraph()}
		b.model = onnx.NewModel(b.backend)
		if err := b.model.UnmarshalBinary(f.raw); err != nil {
			return nil, fmt.Errorf("onnxgo: %s: %w", f.path, err)
		}
		f.built[key] = b
	}
	for i := range in {
		t := tensor.New(tensor.WithShape(shapes[i]...), tensor.WithBacking(in[i]))
		if err := b.model.SetInput(i, t); err != nil {
			delete(f.built, key)
			return nil, fmt.Errorf("onnxgo: %s: input %d %v: %w", f.path, i, shapes[i], err)
		}
	}
	if err := runGraph(b.backend); err != nil {
		delete(f.built, key)
		return nil, fmt.Errorf("onnxgo: %s on inputs %v: %w", f.path, shapes, err)
	}
	outs, err := b.model.GetOutputTensors()
	if err != nil || len(outs) != 1 || outs[0] == nil {
		delete(f.built, key)
		return nil, fmt.Errorf("onnxgo: %s: no single output (%v)", f.path, err)
	}
	data, ok := outs[0].Data().([]float32)
	if !ok {
		return nil, fmt.Errorf("onnxgo: %s: output is %T, want float32", f.path, outs[0].Data())
	}
	return append([]float32(nil), data...), nil
}

// runGraph runs g, turning a panic inside Gorgonia (shape errors in
// operators it half supports) into an error.
func runGraph(g *gorgonnx.Graph) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gorgonnx panicked: %v", r)
		}
	}()
	return g.Run()
}

// CheckImages refuses images of another size than the model's, and
// images with no mass or a mass float32 cannot normalize.
func (m *Model) CheckImages(imgs *dataset.Images) error {
	if imgs.H != m.H || imgs.W != m.W {
		return fmt.Errorf("onnxgo: %s takes %dx%d images, %s has %dx%d", m.Path, m.H, m.W, imgs.Source, imgs.H, imgs.W)
	}
	if err := imgs.Check(); err != nil {
		return err
	}
	return imgs.CheckModelMass()
}

// Embed returns the features [imgs.N, m.F] of every image, computed in
// batches of opt.Batch images (0: tiling.DefaultBatch).
func (m *Model) Embed(ctx context.Context, imgs *dataset.Images, opt tiling.EmbedOptions) (dataset.Features, error) {
	if err := m.CheckImages(imgs); err != nil {
		return dataset.Features{}, err
	}
	batch := opt.BatchSize()
	m.mu.Lock()
	defer m.mu.Unlock()
	hw := m.H * m.W
	out := make([]float32, 0, imgs.N*m.F)
	for s := 0; s < imgs.N; s += batch {
		if err := ctx.Err(); err != nil {
			return dataset.Features{}, err
		}
		n := min(batch, imgs.N-s)
		f, err := m.run(m.embed, [][]float32{imgs.Pix[s*hw : (s+n)*hw]}, [][]int{{n, 1, m.H, m.W}})
		if err != nil {
			return dataset.Features{}, fmt.Errorf("onnxgo: embedding images %d–%d: %w", s, s+n-1, err)
		}
		if len(f) != n*m.F {
			return dataset.Features{}, fmt.Errorf("onnxgo: embedding images %d–%d: %d values, want %d×%d", s, s+n-1, len(f), n, m.F)
		}
		out = append(out, f...)
	}
	return dataset.Features{Data: out, N: imgs.N, F: m.F}, nil
}

// PairwiseTile writes into out (a.N×b.N, row-major) the model distances
// (kenn.target) between the rows of a and the rows of b, centred on a's
// mean row (a tiling.TileFunc; the matrices and kNN take their tiles from
// Matrix, centred on the whole set).
func (m *Model) PairwiseTile(a, b dataset.Features, out []float32) error {
	return m.surf.Tile(a, b, out)
}

// graphTile is PairwiseTile with NAME.onnxgo.pairwise.onnx (the Surface's
// Graph).
func (m *Model) graphTile(a, b dataset.Features, out []float32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	na, nb := a.N, b.N
	d, err := m.run(m.pairwise, [][]float32{a.Data, b.Data}, [][]int{{na, m.F}, {nb, m.F}})
	if err != nil {
		return err
	}
	if len(d) != na*nb {
		return fmt.Errorf("onnxgo: %s: %d distances, want %d×%d", m.pairwise.path, len(d), na, nb)
	}
	copy(out[:na*nb], d)
	return nil
}

// Pairwise returns the a.N×b.N matrix between the rows of a and of b, in
// tiles of opt.Tile×opt.Tile (0: DefaultTile).
func (m *Model) Pairwise(ctx context.Context, a, b dataset.Features, opt tiling.TileOptions) ([]float32, error) {
	return m.surf.Pairwise(ctx, a, b, opt)
}

// AllPairs returns the a.N×a.N all-pairs matrix of a: tiles on and above
// the diagonal are computed and mirrored, so the result is exactly
// symmetric with a zero diagonal (as runtime.Model's).
func (m *Model) AllPairs(ctx context.Context, a dataset.Features, opt tiling.TileOptions) ([]float32, error) {
	return m.surf.AllPairs(ctx, a, opt)
}

// Neighbor is one nearest neighbour: an index row and its distance
// (tiling.Neighbor, the type of runtime.Neighbor too).
type Neighbor = tiling.Neighbor

// KNN returns, for each row of query, its k nearest rows of index,
// nearest first (ties by lower index), from tiles of opt.Tile×opt.Tile
// (0: DefaultTile) without the full matrix (tiling.Surface.KNN). k must be
// in [1, index.N], as on onnxruntime (runtime.Model.KNN).
func (m *Model) KNN(ctx context.Context, index, query dataset.Features, k int, opt tiling.TileOptions) ([][]Neighbor, error) {
	return m.surf.KNN(ctx, index, query, k, opt)
}

// Matrix is the tiling.MatrixFunc of the distances between the rows of a
// and of b, as Pairwise, AllPairs and PairwiseNPY compute them
// (tiling.Surface.Matrix, as runtime.Model's).
func (m *Model) Matrix(a, b dataset.Features) (tiling.MatrixFunc, error) { return m.surf.Matrix(a, b) }

// Centre is the centre the native kernel takes a's matrices about
// (tiling.Surface.Centre); nil with the graph.
func (m *Model) Centre(a dataset.Features) []float32 { return m.surf.Centre(a) }

// MatrixAbout is Matrix about the given centre (Centre of some set; nil:
// Centre(a)), as runtime.Model's (tiling.Surface.MatrixAbout).
func (m *Model) MatrixAbout(a, b dataset.Features, centre []float32) (tiling.MatrixFunc, error) {
	return m.surf.MatrixAbout(a, b, centre)
}

// HasDecoder reports whether the set has a decoder (dwe).
func (m *Model) HasDecoder() bool { return m.decod != nil }

// Decode maps feature rows ([f.N, m.F]) through the decoder to f.N images
// [f.N, H·W], row-major, in batches of tiling.DefaultBatch rows.
func (m *Model) Decode(f dataset.Features) ([]float32, error) {
	if m.decod == nil {
		return nil, fmt.Errorf("onnxgo: %s has no decoder (only dwe models have one)", m.Path)
	}
	if err := tiling.CheckFeatures(f, m.F); err != nil {
		return nil, fmt.Errorf("onnxgo: decode: %w", err)
	}
	features, n := f.Data, f.N
	m.mu.Lock()
	defer m.mu.Unlock()
	hw := m.H * m.W
	out := make([]float32, 0, n*hw)
	const batch = tiling.DefaultBatch
	for s := 0; s < n; s += batch {
		k := min(batch, n-s)
		d, err := m.run(m.decod, [][]float32{features[s*m.F : (s+k)*m.F]}, [][]int{{k, m.F}})
		if err != nil {
			return nil, fmt.Errorf("onnxgo: decoding rows %d–%d: %w", s, s+k-1, err)
		}
		out = append(out, d...)
	}
	return out, nil
}

// Distance is the model's distance between two feature rows, exactly
// (float64 norms, no Gram form: segdist.Exact): W2² for dwe, W2 otherwise.
func (m *Model) Distance(fx, fy []float32) float64 {
	return segdist.Exact(m.Kind.Form(), m.Segments, m.Weights, fx, fy)
}

// Screen places imgs against the model's training domain (Domain): ok is
// false when the model records none.
func (m *Model) Screen(imgs *dataset.Images) (r models.Screening, ok bool) {
	return tiling.Screen(m.Domain, imgs)
}
