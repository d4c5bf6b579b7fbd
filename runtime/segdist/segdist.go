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
	maxSeg  int // the longest segment
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

// scratch is one Tile call's packed rows, reused through Kernel.pool.
type scratch struct {
	pa, pb, ta, tb []float32
	centre         []float32
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
		k.maxSeg = max(k.maxSeg, n)
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
	for _, x := range []dataset.Features{a, b} {
		if err := x.Check(); err != nil {
			return fmt.Errorf("segdist: %w", err)
		}
		if x.F != k.f {
			return fmt.Errorf("segdist: rows of %d features, the model's have %d", x.F, k.f)
		}
	}
	if len(out) < a.N*b.N {
		return fmt.Errorf("segdist: a %d×%d tile into %d values", a.N, b.N, len(out))
	}
	if a.N == 0 || b.N == 0 {
		return nil
	}
	s := k.pool.Get().(*scratch)
	defer k.pool.Put(s)
	r, c := k.geo.r, k.geo.c
	nrb, npan := (a.N+r-1)/r, (b.N+c-1)/c
	s.pa = grow(s.pa, nrb*r*k.ktot)
	s.pb = grow(s.pb, npan*c*k.ktot)
	s.ta, s.tb = grow(s.ta, nrb*r), grow(s.tb, npan*c)
	workers := max(1, min(k.threads, npan))
	// Three phases, each shared out among the workers: the centre (sums
	// over disjoint rows of a), the packing (disjoint groups of a and of
	// b), the panels (disjoint columns of out).
	parts := make([][]float64, workers)
	parallel(workers, func(w int) {
		parts[w] = k.sumRows(a, w*a.N/workers, (w+1)*a.N/workers)
	})
	s.centre = grow(s.centre, k.f)
	for j := range s.centre {
		var sum float64
		for _, p := range parts {
			sum += p[j]
		}
		s.centre[j] = float32(sum / float64(a.N))
	}
	parallel(workers, func(w int) {
		buf := k.newPackBuf()
		for g := w; g < nrb+npan; g += workers {
			if g < nrb {
				k.pack(a, g, s.centre, true, r, s.pa, s.ta, buf)
			} else {
				k.pack(b, g-nrb, s.centre, false, c, s.pb, s.tb, buf)
			}
		}
	})
	parallel(workers, func(w int) { k.panels(a.N, b.N, w, workers, s, out) })
	return nil
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
func (k *Kernel) panels(na, nb, w, workers int, s *scratch, out []float32) {
	r, c, kt := k.geo.r, k.geo.c, k.ktot
	sqrt := k.form == models.FormWeightedNorms
	buf := make([]float32, r*c)
	nrb, npan := (na+r-1)/r, (nb+c-1)/c
	chunk := max(1, chunkBytes/(4*r*kt))
	for rb0 := 0; rb0 < nrb; rb0 += chunk {
		for p := w; p < npan; p += workers {
			pb := s.pb[p*c*kt : (p+1)*c*kt]
			j0 := p * c
			cols := min(c, nb-j0)
			tb := s.tb[j0 : j0+c]
			for rb := rb0; rb < min(rb0+chunk, nrb); rb++ {
				pa, i0 := s.pa[rb*r*kt:(rb+1)*r*kt], rb*r
				ta := s.ta[i0 : i0+r]
				if rows := min(r, na-i0); rows == r && cols == c {
					k.geo.block(pa, pb, k.ns, out[i0*nb+j0:], nb, ta, tb, sqrt)
				} else {
					k.geo.block(pa, pb, k.ns, buf, c, ta, tb, sqrt)
					for i := 0; i < rows; i++ {
						copy(out[(i0+i)*nb+j0:(i0+i)*nb+j0+cols], buf[i*c:i*c+cols])
					}
				}
			}
		}
	}
}

// sumRows is the sum of rows [i0, i1) of a, weighted as the kernel
// folds weights, in float64.
func (k *Kernel) sumRows(a dataset.Features, i0, i1 int) []float64 {
	sum := make([]float64, k.f)
	for i := i0; i < i1; i++ {
		row := a.Data[i*k.f : (i+1)*k.f]
		off := 0
		for l, n := range k.segs {
			w := float32(1)
			if k.w != nil {
				w = k.w[l]
			}
			seg, acc := row[off:off+n], sum[off:off+n]
			for j, x := range seg {
				acc[j] += float64(w * x)
			}
			off += n
		}
	}
	return sum
}

// pack writes group g of the rows of x (width rows: a block of a, or a
// panel of b), weighted and centred, into dst: for each segment one
// width-vector of squared norms, then one per feature (times −2 for a);
// and the rows' floor terms into tau. Lanes past x.N are zero, in dst and
// in tau. buf is the caller's working space (one per goroutine).
func (k *Kernel) pack(x dataset.Features, g int, centre []float32, isA bool, width int, dst, tau []float32, buf *packBuf) {
	kt, f := k.ktot, k.f
	rows := min(width, x.N-g*width)
	scale := float32(1)
	if isA {
		scale = -2
	}
	d := dst[g*kt*width : (g+1)*kt*width]
	t := buf.tau[:width]
	clear(t)
	tmp := buf.seg[:width*k.maxSeg]
	off, kk := 0, 0
	for l, n := range k.segs {
		w := float32(1)
		if k.w != nil {
			w = k.w[l]
		}
		c := centre[off : off+n]
		norms := d[kk*width : (kk+1)*width]
		clear(tmp[rows*n : width*n])
		for i := 0; i < rows; i++ {
			row := x.Data[(g*width+i)*f+off : (g*width+i)*f+off+n]
			e := tmp[i*n : (i+1)*n]
			var s0, s1, s2, s3 float64 // four chains: the adds overlap
			j := 0
			for ; j+4 <= n; j += 4 {
				v0, v1, v2, v3 := w*row[j]-c[j], w*row[j+1]-c[j+1], w*row[j+2]-c[j+2], w*row[j+3]-c[j+3]
				e[j], e[j+1], e[j+2], e[j+3] = v0, v1, v2, v3
				s0 += float64(v0) * float64(v0)
				s1 += float64(v1) * float64(v1)
				s2 += float64(v2) * float64(v2)
				s3 += float64(v3) * float64(v3)
			}
			for ; j < n; j++ {
				v := w*row[j] - c[j]
				e[j] = v
				s0 += float64(v) * float64(v)
			}
			s32 := float32((s0 + s1) + (s2 + s3))
			norms[i] = s32
			if k.form == models.FormWeightedNorms {
				t[i] += float64(k.floor[l]) * math.Sqrt(float64(s32))
			} else {
				t[i] += float64(k.floor[l]) * float64(s32)
			}
		}
		clear(norms[rows:])
		for j := 0; j < n; j++ {
			dj := d[(kk+1+j)*width : (kk+2+j)*width]
			for i := range dj {
				dj[i] = scale * tmp[i*n+j]
			}
		}
		off += n
		kk += n + 1
	}
	for i := range t {
		tau[g*width+i] = float32(t[i])
	}
}

// packBuf is pack's working space: a group's floor terms, and one
// segment of the group's rows, row-major.
type packBuf struct {
	tau []float64
	seg []float32
}

// newPackBuf holds a group of the widest geometry's rows.
func (k *Kernel) newPackBuf() *packBuf {
	w := max(k.geo.r, k.geo.c)
	return &packBuf{tau: make([]float64, w), seg: make([]float32, w*k.maxSeg)}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
