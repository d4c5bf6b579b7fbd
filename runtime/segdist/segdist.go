package segdist

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

// Options configures New. Zero values take the defaults.
type Options struct {
	// Threads is the number of goroutines a Tile call shares its panels
	// among; 0: runtime.GOMAXPROCS(0).
	Threads int
	// Generic runs the portable Go kernel even where an assembly kernel
	// runs (for tests and comparisons).
	Generic bool
}

// Kernel computes one model's distances (see the package doc). Its
// methods may be called from several goroutines at once.
type Kernel struct {
	form    models.Form
	segs    []int
	w       []float32 // per segment, FormWeightedNorms only
	floor   []float32 // √k_l (FormWeightedNorms) or k_l (FormSquared)
	ns      []int32   // n_l, for the block kernels
	f, ktot int
	threads int
	geo     geometry
	pool    sync.Pool // *scratch
}

// geometry is a block kernel: r rows of a against c rows of b. block
// reads, per segment of ns[l] features, ns[l]+1 groups of r values of a
// (the rows' squared norms, then their features times −2) and of c values
// of b (norms, then features), and writes the r×c distances to out, row i
// at out[i·ldo:], floored by ta (r values) and tb (c values).
type geometry struct {
	name  string
	r, c  int
	asm   bool
	block func(a, b []float32, ns []int32, out []float32, ldo int, ta, tb []float32, sqrt bool)
}

// scratch is one Tile call's centre and packed rows, reused through
// Kernel.pool.
type scratch struct {
	pa, pb packed
	centre []float32
}

// packed is one side's rows packed for the block kernel: groups of width
// rows (blocks of a, panels of b), ktot·width floats each, and the rows'
// floor terms (width per group; lanes past n are zero in both).
type packed struct {
	n         int
	data, tau []float32
}

// New returns the kernel of a model whose embedding has the given
// segments (their lengths, in order; F is their sum) and, for
// FormWeightedNorms, one positive finite weight per segment (kenn's
// kenn.segment_weights). For FormSquared the weights are ignored.
func New(form models.Form, segments []int, weights []float32, opt Options) (*Kernel, error) {
	if form != models.FormSquared && form != models.FormWeightedNorms {
		return nil, fmt.Errorf("segdist: distance form %d is neither squared nor weighted norms", form)
	}
	if len(segments) == 0 {
		return nil, fmt.Errorf("segdist: no segments")
	}
	k := &Kernel{form: form, segs: append([]int(nil), segments...), threads: opt.Threads}
	if k.threads <= 0 {
		k.threads = runtime.GOMAXPROCS(0)
	}
	if form == models.FormWeightedNorms {
		if len(weights) != len(segments) {
			return nil, fmt.Errorf("segdist: %d weights for %d segments", len(weights), len(segments))
		}
		for l, w := range weights {
			if !(w > 0) || math.IsInf(float64(w), 0) {
				return nil, fmt.Errorf("segdist: segment %d: weight %v is not positive and finite", l, w)
			}
		}
		k.w = append([]float32(nil), weights...)
	}
	for l, n := range segments {
		if n <= 0 {
			return nil, fmt.Errorf("segdist: segment %d has %d features", l, n)
		}
		k.f += n
		k.ktot += n + 1
		k.ns = append(k.ns, int32(n))
		g := models.GramFloor(n)
		if form == models.FormWeightedNorms {
			g = float32(math.Sqrt(float64(g)))
		}
		k.floor = append(k.floor, g)
	}
	k.geo = genericGeometry
	if !opt.Generic {
		if gs := asmGeometries(); len(gs) > 0 {
			k.geo = gs[0]
		}
	}
	k.pool.New = func() any { return new(scratch) }
	return k, nil
}

// F is the number of features a row must have.
func (k *Kernel) F() int { return k.f }

// Name says which block kernel runs, e.g. "avx512 8×32".
func (k *Kernel) Name() string { return k.geo.name }

// Describe says what computes a backend's distance tiles when k is its
// kernel: "native " and the kernel's Name, or "graph" for a nil k (the
// backend runs the model's pairwise file).
func (k *Kernel) Describe() string {
	if k == nil {
		return "graph"
	}
	return "native " + k.Name()
}

// Accelerated reports whether an assembly kernel runs (on amd64 with
// AVX-512, or AVX2 and FMA), not the portable Go one.
func (k *Kernel) Accelerated() bool { return k.geo.asm }

// Tile writes into out (a.N×b.N, row-major) the distances between the
// rows of a and of b: W2 for FormWeightedNorms, W2² for FormSquared (in
// the model's units, pixels or pixels²).
func (k *Kernel) Tile(a, b dataset.Features, out []float32) error {
	if err := k.checkRows(a, b); err != nil {
		return err
	}
	if len(out) < a.N*b.N {
		return fmt.Errorf("segdist: a %d×%d tile into %d values", a.N, b.N, len(out))
	}
	if a.N == 0 || b.N == 0 {
		return nil
	}
	s := k.pool.Get().(*scratch)
	defer k.pool.Put(s)
	workers := k.workers(b.N)
	s.centre = k.centreOf(a, workers, s.centre)
	k.packSide(a, s.centre, true, workers, &s.pa)
	k.packSide(b, s.centre, false, workers, &s.pb)
	k.tile(&s.pa, &s.pb, workers, out)
	return nil
}

// checkRows refuses sets that are not rows of the kernel's F features.
func (k *Kernel) checkRows(xs ...dataset.Features) error {
	for _, x := range xs {
		if err := x.Check(); err != nil {
			return fmt.Errorf("segdist: %w", err)
		}
		if x.F != k.f {
			return fmt.Errorf("segdist: rows of %d features, the model's have %d", x.F, k.f)
		}
	}
	return nil
}

// workers is the goroutines a tile of nb columns is shared among: one
// panel each at least.
func (k *Kernel) workers(nb int) int {
	return max(1, min(k.threads, (nb+k.geo.c-1)/k.geo.c))
}

// centreRows is the rows of one partial sum of Centre: a fixed number,
// so that the centre's bits depend on the rows alone, not on the threads.
const centreRows = 512

// Centre is the mean of the rows of x (of the kernel's F features) whose
// values are all finite, weighted as the kernel folds the weights in (0
// if there is none): what Tile centres a tile on (the mean row of its a),
// and what a Matrix centres on. A row with a NaN or an infinity gives NaN
// distances (its own) but does not move the centre of the others. It is
// summed in float64, in partial sums of 512 rows taken in order, and
// rounded to float32, so the same rows give the same centre, bit for bit,
// whatever the threads.
//
// Rows that checkRows refuses (another width than F, or not N·F values)
// are a programmer error: Centre panics.
func (k *Kernel) Centre(x dataset.Features) []float32 {
	if err := k.checkRows(x); err != nil {
		panic(err)
	}
	return k.centreOf(x, k.threads, nil)
}

// centreOf is Centre with workers goroutines, into dst's storage.
func (k *Kernel) centreOf(a dataset.Features, workers int, dst []float32) []float32 {
	chunks := (a.N + centreRows - 1) / centreRows
	workers = max(1, min(workers, chunks))
	parts := make([][]float64, chunks)
	counts := make([]int, chunks)
	parallel(workers, func(w int) {
		for c := w; c < chunks; c += workers {
			parts[c], counts[c] = k.sumRows(a, c*centreRows, min(a.N, (c+1)*centreRows))
		}
	})
	rows := 0
	for _, n := range counts {
		rows += n
	}
	dst = grow(dst, k.f)
	for j := range dst {
		var sum float64
		for _, p := range parts {
			sum += p[j]
		}
		dst[j] = 0
		if rows > 0 {
			dst[j] = float32(sum / float64(rows))
		}
	}
	return dst
}

// packSide packs the rows of x, centred on centre, into p: as blocks of a
// (isA: R rows, features times −2) or as panels of b (C rows), the groups
// shared among workers goroutines.
func (k *Kernel) packSide(x dataset.Features, centre []float32, isA bool, workers int, p *packed) {
	width := k.geo.c
	if isA {
		width = k.geo.r
	}
	groups := (x.N + width - 1) / width
	p.n = x.N
	p.data = grow(p.data, groups*width*k.ktot)
	p.tau = grow(p.tau, groups*width)
	parallel(workers, func(w int) {
		for g := w; g < groups; g += workers {
			k.pack(x, g, centre, isA, width, p.data, p.tau)
		}
	})
}

// tile writes the distances between packed rows pa (of a) and pb (of b)
// into out (pa.n×pb.n, row-major), the panels shared among workers
// goroutines, each writing its own columns.
func (k *Kernel) tile(pa, pb *packed, workers int, out []float32) {
	parallel(workers, func(w int) { k.panels(pa, pb, w, workers, out) })
}

// parallel runs f(0), …, f(n−1) in goroutines and waits for them.
func parallel(n int, f func(w int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w)
		}()
	}
	wg.Wait()
}

// chunkBytes is the most packed rows of a that one pass over the panels
// keeps: with a panel of b (ktot·c floats: 117 kB for the shipped
// ensemble's 27 segments against 32 columns) they stay in a core's L2
// cache (1 MB), so each panel is read once per chunk, and each block of a
// once per panel, from L2 rather than from memory.
const chunkBytes = 512 << 10

// panels computes the panels w, w+workers, … of the tile, chunk by chunk
// of the blocks of a. Whole blocks are written into out in place; a block
// the tile's edge cuts goes through buf.
func (k *Kernel) panels(pa, pb *packed, w, workers int, out []float32) {
	r, c, kt := k.geo.r, k.geo.c, k.ktot
	na, nb := pa.n, pb.n
	sqrt := k.form == models.FormWeightedNorms
	buf := make([]float32, r*c)
	nrb, npan := (na+r-1)/r, (nb+c-1)/c
	chunk := max(1, chunkBytes/(4*r*kt))
	for rb0 := 0; rb0 < nrb; rb0 += chunk {
		for p := w; p < npan; p += workers {
			panel := pb.data[p*c*kt : (p+1)*c*kt]
			j0 := p * c
			cols := min(c, nb-j0)
			tb := pb.tau[j0 : j0+c]
			for rb := rb0; rb < min(rb0+chunk, nrb); rb++ {
				blk, i0 := pa.data[rb*r*kt:(rb+1)*r*kt], rb*r
				ta := pa.tau[i0 : i0+r]
				if rows := min(r, na-i0); rows == r && cols == c {
					k.geo.block(blk, panel, k.ns, out[i0*nb+j0:], nb, ta, tb, sqrt)
				} else {
					k.geo.block(blk, panel, k.ns, buf, c, ta, tb, sqrt)
					for i := 0; i < rows; i++ {
						copy(out[(i0+i)*nb+j0:(i0+i)*nb+j0+cols], buf[i*c:i*c+cols])
					}
				}
			}
		}
	}
}

// sumRows is the sum, in float64, of the rows among [i0, i1) of a whose
// values are all finite, weighted as the kernel folds weights, and how
// many rows it holds.
func (k *Kernel) sumRows(a dataset.Features, i0, i1 int) ([]float64, int) {
	sum := make([]float64, k.f)
	row64 := make([]float64, k.f)
	rows := 0
rows:
	for i := i0; i < i1; i++ {
		row := a.Data[i*k.f : (i+1)*k.f]
		off := 0
		for l, n := range k.segs {
			w := float32(1)
			if k.w != nil {
				w = k.w[l]
			}
			for j, x := range row[off : off+n] {
				v := float64(w * x)
				if math.IsNaN(v) || math.IsInf(v, 0) {
					continue rows
				}
				row64[off+j] = v
			}
			off += n
		}
		for j, v := range row64 {
			sum[j] += v
		}
		rows++
	}
	return sum, rows
}

// pack writes group g of the rows of x (width rows: a block of a, or a
// panel of b), weighted and centred, into dst: for each segment one
// width-vector of squared norms, then one per feature (times −2 for a);
// and the rows' floor terms into tau. Lanes past x.N are zero, in dst and
// in tau. The features are written straight to their lanes (a stride of
// width floats, within one segment's few kB); the norms are summed in
// float64 from the centred float32 values the kernel reads.
func (k *Kernel) pack(x dataset.Features, g int, centre []float32, isA bool, width int, dst, tau []float32) {
	kt, f := k.ktot, k.f
	rows := min(width, x.N-g*width)
	scale := float32(1)
	if isA {
		scale = -2
	}
	d := dst[g*kt*width : (g+1)*kt*width]
	if rows < width {
		clear(d)
	}
	squared := k.form == models.FormSquared
	for i := 0; i < rows; i++ {
		row := x.Data[(g*width+i)*f : (g*width+i+1)*f]
		var t float64
		off, kk := 0, 0
		for l, n := range k.segs {
			w := float32(1)
			if k.w != nil {
				w = k.w[l]
			}
			seg, c := row[off:off+n], centre[off:off+n]
			lanes := d[kk*width+i : (kk+1+n)*width]
			var s0, s1 float64 // two chains: the adds overlap
			j := 0
			for ; j+2 <= n; j += 2 {
				v0, v1 := w*seg[j]-c[j], w*seg[j+1]-c[j+1]
				lanes[(j+1)*width] = scale * v0
				lanes[(j+2)*width] = scale * v1
				s0 += float64(v0) * float64(v0)
				s1 += float64(v1) * float64(v1)
			}
			if j < n {
				v := w*seg[j] - c[j]
				lanes[(j+1)*width] = scale * v
				s0 += float64(v) * float64(v)
			}
			s32 := float32(s0 + s1)
			lanes[0] = s32
			if squared {
				t += float64(k.floor[l]) * float64(s32)
			} else {
				t += float64(k.floor[l]) * math.Sqrt(float64(s32))
			}
			off += n
			kk += n + 1
		}
		tau[g*width+i] = float32(t)
	}
	for i := rows; i < width; i++ {
		tau[g*width+i] = 0
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
