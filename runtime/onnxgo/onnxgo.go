package onnxgo

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"sync"

	onnx "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
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

	mu                     sync.Mutex
	embed, pairwise, decod *graphFile
}

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

// DefaultBatch is the number of images per call of Embed (batch 0) and
// Decode: runtime.DefaultBatch, which this package cannot import (a test
// checks that they are equal).
const DefaultBatch = 256

// ProfilePath is the onnx-go profile file for any path of a set: NAME.onnx
// or any of its siblings give NAME.onnxgo.onnx; a path already in the
// profile is returned as is.
func ProfilePath(path string) string {
	for _, suf := range []string{".onnxgo.pairwise.onnx", ".onnxgo.decoder.onnx"} {
		if strings.HasSuffix(path, suf) {
			return strings.TrimSuffix(path, suf) + ".onnxgo.onnx"
		}
	}
	if strings.HasSuffix(path, ".onnxgo.onnx") {
		return path
	}
	for _, suf := range []string{".pairwise.onnx", ".pair.onnx", ".decoder.onnx"} {
		if strings.HasSuffix(path, suf) {
			return export.OnnxGoPath(strings.TrimSuffix(path, suf) + ".onnx")
		}
	}
	return export.OnnxGoPath(path)
}

// Load reads and verifies (export.ReadSet) the onnx-go profile set of
// path (see ProfilePath): NAME.onnxgo.onnx, NAME.onnxgo.pairwise.onnx and,
// if present, NAME.onnxgo.decoder.onnx. A file of the default profile is
// refused, as is a missing profile, with the command that writes it.
func Load(path string) (*Model, error) {
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
	m := &Model{Path: main, Kind: meta.Kind, Target: meta.Target, ModelID: set.Main.ModelID(), H: meta.H, W: meta.W, F: meta.F, Segments: meta.Segments, Weights: meta.Weights}
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
// images with no mass.
func (m *Model) CheckImages(imgs *dataset.Images) error {
	if imgs.H != m.H || imgs.W != m.W {
		return fmt.Errorf("onnxgo: %s takes %dx%d images, %s has %dx%d", m.Path, m.H, m.W, imgs.Source, imgs.H, imgs.W)
	}
	return imgs.Check()
}

// Embed returns the features [N, F] (row-major) of every image, computed
// in batches of batch images (0: DefaultBatch).
func (m *Model) Embed(ctx context.Context, imgs *dataset.Images, batch int) ([]float32, error) {
	if err := m.CheckImages(imgs); err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	hw := m.H * m.W
	out := make([]float32, 0, imgs.N*m.F)
	for s := 0; s < imgs.N; s += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(batch, imgs.N-s)
		f, err := m.run(m.embed, [][]float32{imgs.Pix[s*hw : (s+n)*hw]}, [][]int{{n, 1, m.H, m.W}})
		if err != nil {
			return nil, fmt.Errorf("onnxgo: embedding images %d–%d: %w", s, s+n-1, err)
		}
		if len(f) != n*m.F {
			return nil, fmt.Errorf("onnxgo: embedding images %d–%d: %d values, want %d×%d", s, s+n-1, len(f), n, m.F)
		}
		out = append(out, f...)
	}
	return out, nil
}

// PairwiseTile writes into out (na×nb, row-major) the model distances
// (kenn.target) between the na rows of a and the nb rows of b.
func (m *Model) PairwiseTile(a []float32, na int, b []float32, nb int, out []float32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.run(m.pairwise, [][]float32{a[:na*m.F], b[:nb*m.F]}, [][]int{{na, m.F}, {nb, m.F}})
	if err != nil {
		return err
	}
	if len(d) != na*nb {
		return fmt.Errorf("onnxgo: %s: %d distances, want %d×%d", m.pairwise.path, len(d), na, nb)
	}
	copy(out[:na*nb], d)
	return nil
}

// Pairwise returns the na×nb matrix between the rows of a and of b, in
// tiles of tile×tile (default 512). With b nil it is the all-pairs matrix
// of a: tiles on and above the diagonal are computed and mirrored, so the
// result is exactly symmetric with a zero diagonal (as runtime.Model's).
func (m *Model) Pairwise(ctx context.Context, a []float32, na int, b []float32, nb int, tile int) ([]float32, error) {
	if tile <= 0 {
		tile = 512
	}
	sym := b == nil
	if sym {
		b, nb = a, na
	}
	out := make([]float32, na*nb)
	buf := make([]float32, tile*tile)
	for i := 0; i < na; i += tile {
		ni := min(tile, na-i)
		j0 := 0
		if sym {
			j0 = i
		}
		for j := j0; j < nb; j += tile {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			nj := min(tile, nb-j)
			if err := m.PairwiseTile(a[i*m.F:], ni, b[j*m.F:], nj, buf[:ni*nj]); err != nil {
				return nil, fmt.Errorf("onnxgo: pairwise tile (%d, %d): %w", i, j, err)
			}
			for r := 0; r < ni; r++ {
				for c := 0; c < nj; c++ {
					v := buf[r*nj+c]
					out[(i+r)*nb+j+c] = v
					if sym {
						out[(j+c)*nb+i+r] = v
					}
				}
			}
		}
	}
	if sym {
		for i := 0; i < na; i++ {
			out[i*nb+i] = 0
		}
	}
	return out, nil
}

// Neighbor is one nearest neighbour: an index row and its distance.
type Neighbor struct {
	Index    int
	Distance float32
}

// KNN returns, for each of the nq query rows, its k nearest index rows,
// nearest first (ties by lower index), from tiles of tile×tile (default
// 512) without the full matrix.
func (m *Model) KNN(ctx context.Context, index []float32, ni int, query []float32, nq int, k, tile int) ([][]Neighbor, error) {
	if tile <= 0 {
		tile = 512
	}
	k = min(k, ni)
	heaps := make([]maxHeap, nq)
	buf := make([]float32, tile*tile)
	for q := 0; q < nq; q += tile {
		nqt := min(tile, nq-q)
		for i := 0; i < ni; i += tile {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			nit := min(tile, ni-i)
			if err := m.PairwiseTile(query[q*m.F:], nqt, index[i*m.F:], nit, buf[:nqt*nit]); err != nil {
				return nil, fmt.Errorf("onnxgo: knn tile (%d, %d): %w", q, i, err)
			}
			for r := 0; r < nqt; r++ {
				h := &heaps[q+r]
				for c := 0; c < nit; c++ {
					nb := Neighbor{Index: i + c, Distance: buf[r*nit+c]}
					if h.Len() < k {
						heap.Push(h, nb)
					} else if less(nb, (*h)[0]) {
						(*h)[0] = nb
						heap.Fix(h, 0)
					}
				}
			}
		}
	}
	out := make([][]Neighbor, nq)
	for i, h := range heaps {
		list := []Neighbor(h)
		sort.Slice(list, func(a, b int) bool { return less(list[a], list[b]) })
		out[i] = list
	}
	return out, nil
}

func less(a, b Neighbor) bool {
	if a.Distance != b.Distance {
		return a.Distance < b.Distance
	}
	return a.Index < b.Index
}

type maxHeap []Neighbor

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return less(h[j], h[i]) }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(Neighbor)) }
func (h *maxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// HasDecoder reports whether the set has a decoder (dwe).
func (m *Model) HasDecoder() bool { return m.decod != nil }

// Decode maps n feature rows through the decoder to n images [n, H·W].
func (m *Model) Decode(features []float32, n int) ([]float32, error) {
	if m.decod == nil {
		return nil, fmt.Errorf("onnxgo: %s has no decoder (only dwe models have one)", m.Path)
	}
	if len(features) != n*m.F {
		return nil, fmt.Errorf("onnxgo: decode: %d values for %d rows of %d features", len(features), n, m.F)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	hw := m.H * m.W
	out := make([]float32, 0, n*hw)
	const batch = DefaultBatch
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
// (float64 norms, no Gram form): W2² for dwe, W2 otherwise.
func (m *Model) Distance(fx, fy []float32) float64 {
	var total float64
	off := 0
	for l, n := range m.Segments {
		var s float64
		for i := off; i < off+n; i++ {
			d := float64(fx[i]) - float64(fy[i])
			s += d * d
		}
		if m.Kind.Form() == models.FormSquared {
			total += s
		} else {
			total += float64(m.Weights[l]) * math.Sqrt(s)
		}
		off += n
	}
	return total
}
