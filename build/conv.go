package build

import (
	"fmt"
	"hash"
	"hash/fnv"
	"runtime"
	"sync"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A stride-1, "same"-padded 2-D convolution with bias for Gorgonia, in
// place of G.Conv2d. Gorgonia lowers a convolution to Im2Col over the whole
// batch (a [B, H, W, C·k·k] tensor: 100 MB for DWE's second layer at batch
// 64), a matrix product, a transposing copy back to NCHW, and the reverse
// for the gradient; those copies cost more than the products themselves.
//
// Here every image is done on its own, in worker goroutines, with one
// column buffer per worker that stays in cache, and the column matrix is
// always built over the side with fewer channels: for k×k kernels over C
// input and O output channels, shifting the input (im2col, C·k² rows) when
// C ≤ O, and otherwise multiplying first and shift-adding the O·k² partial
// products (kn2row). The gradients take the same choice over dY: DWE's
// 20 → 5 channel layer builds 125-row matrices instead of 500-row ones.
// The input gradient is not computed when the input is a leaf of the graph
// (the images). The matrix products go through Gorgonia's BLAS
// (G.WhichBLAS), so the openblas build tag speeds them up too.
//
// Shapes: x [B, C, H, W], W [O, C, k, k] (k odd), b [O] → y [B, O, H, W].

// convGeom is the geometry of one convolution layer.
type convGeom struct {
	C, O, H, W, K int // channels in and out, image size, kernel size
}

func (g convGeom) hw() int   { return g.H * g.W }
func (g convGeom) taps() int { return g.K * g.K }
func (g convGeom) String() string {
	return fmt.Sprintf("%d→%d,%dx%d,k%d", g.C, g.O, g.H, g.W, g.K)
}

// conv2d applies the convolution of x by w plus bias b.
func conv2d(x, w, b *G.Node) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 4 || ws.Dims() != 4 || ws[2] != ws[3] || ws[2]%2 != 1 || ws[1] != xs[1] {
		return nil, fmt.Errorf("conv2d: input %v and filter %v: want [B,C,H,W] and [O,C,k,k], k odd", xs, ws)
	}
	if b.Shape().TotalSize() != ws[0] {
		return nil, fmt.Errorf("conv2d: bias %v for %d output channels", b.Shape(), ws[0])
	}
	g := convGeom{C: xs[1], O: ws[0], H: xs[2], W: xs[3], K: ws[2]}
	return G.ApplyOp(convOp{g: g, inputGrad: x.Op() != nil}, x, w, b)
}

// tensorT is the hm type of a tensor of d dims over a.
func tensorT(d int) G.TensorType { return G.TensorType{Dims: d, Of: hm.TypeVariable('a')} }

// convOp is the forward convolution: (x, W, b) → y.
type convOp struct {
	g         convGeom
	inputGrad bool // whether x needs a gradient (false for the graph's images)
}

func (op convOp) Arity() int { return 3 }
func (op convOp) Type() hm.Type {
	return hm.NewFnType(tensorT(4), tensorT(4), tensorT(1), tensorT(4))
}
func (op convOp) InferShape(s ...G.DimSizer) (tensor.Shape, error) {
	xs, ok := s[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("conv2d: input shape %v", s[0])
	}
	return tensor.Shape{xs[0], op.g.O, op.g.H, op.g.W}, nil
}
func (op convOp) Do(v ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, v...) }
func (op convOp) UsePreallocDo(p G.Value, v ...G.Value) (G.Value, error) {
	x, w, b := v[0].(tensor.Tensor), v[1].(tensor.Tensor), v[2].(tensor.Tensor)
	out := output(p, x.Dtype(), x.Shape()[0], op.g.O, op.g.H, op.g.W)
	switch x.Dtype() {
	case tensor.Float32:
		convForward(gemm32, op.g, f32(x), f32(w), f32(b), f32(out))
	case tensor.Float64:
		convForward(gemm64, op.g, f64(x), f64(w), f64(b), f64(out))
	default:
		return nil, fmt.Errorf("conv2d: dtype %v", x.Dtype())
	}
	return out, nil
}
func (op convOp) ReturnsPtr() bool      { return false }
func (op convOp) CallsExtern() bool     { return false }
func (op convOp) OverwritesInput() int  { return -1 }
func (op convOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "kconv2d:%v:%t", op.g, op.inputGrad) }
func (op convOp) Hashcode() uint32      { return hashOf(op) }
func (op convOp) String() string        { return "Conv2d" + op.g.String() }
func (op convOp) DiffWRT(int) []bool    { return []bool{op.inputGrad, true, true} }
func (op convOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gs := make(G.Nodes, 3)
	var err error
	if op.inputGrad {
		if gs[0], err = G.ApplyOp(convGradOp{g: op.g, wrt: 0}, in[1], grad); err != nil {
			return nil, err
		}
	}
	if gs[1], err = G.ApplyOp(convGradOp{g: op.g, wrt: 1}, in[0], grad); err != nil {
		return nil, err
	}
	if gs[2], err = G.ApplyOp(convGradOp{g: op.g, wrt: 2}, grad); err != nil {
		return nil, err
	}
	return gs, nil
}

// convGradOp is one gradient of the convolution given dy:
// wrt 0: (W, dy) → dx; wrt 1: (x, dy) → dW; wrt 2: (dy) → db.
type convGradOp struct {
	g   convGeom
	wrt int
}

func (op convGradOp) Arity() int {
	if op.wrt == 2 {
		return 1
	}
	return 2
}
func (op convGradOp) Type() hm.Type {
	if op.wrt == 2 {
		return hm.NewFnType(tensorT(4), tensorT(1))
	}
	return hm.NewFnType(tensorT(4), tensorT(4), tensorT(4))
}
func (op convGradOp) InferShape(s ...G.DimSizer) (tensor.Shape, error) {
	g := op.g
	switch op.wrt {
	case 0:
		dys, ok := s[1].(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("conv2d grad: shape %v", s[1])
		}
		return tensor.Shape{dys[0], g.C, g.H, g.W}, nil
	case 1:
		return tensor.Shape{g.O, g.C, g.K, g.K}, nil
	}
	return tensor.Shape{g.O}, nil
}
func (op convGradOp) Do(v ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, v...) }
func (op convGradOp) UsePreallocDo(p G.Value, v ...G.Value) (G.Value, error) {
	g := op.g
	dy := v[len(v)-1].(tensor.Tensor)
	dt, b := dy.Dtype(), dy.Shape()[0]
	var out tensor.Tensor
	switch op.wrt {
	case 0:
		out = output(p, dt, b, g.C, g.H, g.W)
	case 1:
		out = output(p, dt, g.O, g.C, g.K, g.K)
	default:
		out = output(p, dt, g.O)
	}
	switch dt {
	case tensor.Float32:
		convGrad(gemm32, g, op.wrt, v[0].(tensor.Tensor), f32(dy), out, f32)
	case tensor.Float64:
		convGrad(gemm64, g, op.wrt, v[0].(tensor.Tensor), f64(dy), out, f64)
	default:
		return nil, fmt.Errorf("conv2d grad: dtype %v", dt)
	}
	return out, nil
}
func (op convGradOp) ReturnsPtr() bool     { return false }
func (op convGradOp) CallsExtern() bool    { return false }
func (op convGradOp) OverwritesInput() int { return -1 }
func (op convGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "kconv2dgrad:%v:%d", op.g, op.wrt)
}
func (op convGradOp) Hashcode() uint32 { return hashOf(op) }
func (op convGradOp) String() string {
	return fmt.Sprintf("Conv2dGrad%d%v", op.wrt, op.g)
}

// the gradient ops are not differentiated again
func (op convGradOp) DiffWRT(n int) []bool { return make([]bool, n) }
func (op convGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("conv2d: second derivatives are not implemented")
}

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// output reuses the preallocated value p when it has the wanted dtype and
// shape, and allocates otherwise (the tape machine hands over whatever its
// register last held).
func output(p G.Value, dt tensor.Dtype, shape ...int) tensor.Tensor {
	if d, ok := p.(*tensor.Dense); ok && d.Dtype() == dt && d.Shape().Eq(tensor.Shape(shape)) && d.IsNativelyAccessible() && !d.IsView() {
		return d
	}
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
}

func f32(t G.Value) []float32 { return t.Data().([]float32) }
func f64(t G.Value) []float64 { return t.Data().([]float64) }

// gemmFunc is C = alpha·op(A)·op(B) + beta·C on row-major matrices.
type gemmFunc[T float32 | float64] func(tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func gemm32(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	G.WhichBLAS().Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func gemm64(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	G.WhichBLAS().Dgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// parallel runs f(worker, image) over n images on up to GOMAXPROCS workers,
// each worker taking a contiguous run of images.
func parallel(n int, f func(worker, lo, hi int)) int {
	w := min(runtime.GOMAXPROCS(0), n)
	if w <= 1 {
		f(0, 0, n)
		return 1
	}
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		lo, hi := k*n/w, (k+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(k, lo, hi)
		}()
	}
	wg.Wait()
	return w
}

// gather writes the shifted copies of the ch channels of src (each H×W) as
// rows (c, tap) of dst (ch·k² × H·W): dst[(c,t)][y,x] = src[c][y+s·dy_t,
// x+s·dx_t], zero outside the image, where (dy_t, dx_t) runs over the
// kernel's offsets −k/2…k/2 and s is ±1.
func gather[T float32 | float64](g convGeom, ch int, src, dst []T, s int) {
	H, W, K, p := g.H, g.W, g.K, g.K/2
	hw := H * W
	for c := 0; c < ch; c++ {
		plane := src[c*hw : (c+1)*hw]
		for ky := 0; ky < K; ky++ {
			for kx := 0; kx < K; kx++ {
				row := dst[(c*K*K+ky*K+kx)*hw:][:hw]
				dy, dx := s*(ky-p), s*(kx-p)
				x0, x1 := max(0, -dx), min(W, W-dx) // x range with x+dx inside
				for y := 0; y < H; y++ {
					r := row[y*W : (y+1)*W]
					sy := y + dy
					if sy < 0 || sy >= H || x0 >= x1 {
						clear(r)
						continue
					}
					clear(r[:x0])
					copy(r[x0:x1], plane[sy*W+x0+dx:sy*W+x1+dx])
					clear(r[x1:])
				}
			}
		}
	}
}

// scatter adds the rows (c, tap) of src (ch·k² × H·W) into the ch channels
// of dst, shifted: dst[c][y+s·dy_t, x+s·dx_t] += src[(c,t)][y,x] where
// that lies inside the image. It is the adjoint of gather with the same s.
func scatter[T float32 | float64](g convGeom, ch int, src, dst []T, s int) {
	H, W, K, p := g.H, g.W, g.K, g.K/2
	hw := H * W
	for c := 0; c < ch; c++ {
		plane := dst[c*hw : (c+1)*hw]
		for ky := 0; ky < K; ky++ {
			for kx := 0; kx < K; kx++ {
				row := src[(c*K*K+ky*K+kx)*hw:][:hw]
				dy, dx := s*(ky-p), s*(kx-p)
				x0, x1 := max(0, -dx), min(W, W-dx)
				for y := max(0, -dy); y < min(H, H-dy); y++ {
					d := plane[(y+dy)*W+x0+dx : (y+dy)*W+x1+dx]
					r := row[y*W+x0 : y*W+x1]
					for i := range d {
						d[i] += r[i]
					}
				}
			}
		}
	}
}

// convForward: y[b] = W ⋆ x[b] + bias.
func convForward[T float32 | float64](gemm gemmFunc[T], g convGeom, x, w, bias, y []T) {
	n := len(x) / (g.C * g.hw())
	hw, kk := g.hw(), g.taps()
	if g.C <= g.O { // im2col over x: col (C·k² × HW), y = W (O × C·k²) · col
		parallel(n, func(_, lo, hi int) {
			col := make([]T, g.C*kk*hw)
			for i := lo; i < hi; i++ {
				gather(g, g.C, x[i*g.C*hw:(i+1)*g.C*hw], col, 1)
				yi := y[i*g.O*hw : (i+1)*g.O*hw]
				fillBias(yi, bias, hw)
				gemm(false, false, g.O, hw, g.C*kk, 1, w, g.C*kk, col, hw, 1, yi, hw)
			}
		})
		return
	}
	// kn2row: z[(o,t)] = Σ_c W[o,c,t]·x[c] (z = A·x with A = W rearranged to
	// (O·k²) × C), then y[o][q] += z[(o,t)][q + d_t]
	a := byTap(g, w)
	parallel(n, func(_, lo, hi int) {
		z := make([]T, g.O*kk*hw)
		for i := lo; i < hi; i++ {
			gemm(false, false, g.O*kk, hw, g.C, 1, a, g.C, x[i*g.C*hw:(i+1)*g.C*hw], hw, 0, z, hw)
			yi := y[i*g.O*hw : (i+1)*g.O*hw]
			fillBias(yi, bias, hw)
			scatter(g, g.O, z, yi, -1)
		}
	})
}

// byTap rearranges W [O, C, k, k] into A ((O·k²) × C), A[(o,t)][c] =
// W[o,c,t]: the matrix of kn2row's products.
func byTap[T float32 | float64](g convGeom, w []T) []T {
	kk := g.taps()
	a := make([]T, g.O*kk*g.C)
	for o := 0; o < g.O; o++ {
		for c := 0; c < g.C; c++ {
			for t := 0; t < kk; t++ {
				a[(o*kk+t)*g.C+c] = w[(o*g.C+c)*kk+t]
			}
		}
	}
	return a
}

func fillBias[T float32 | float64](y, bias []T, hw int) {
	for o, b := range bias {
		r := y[o*hw : (o+1)*hw]
		for i := range r {
			r[i] = b
		}
	}
}

// convGrad writes the gradient wrt input wrt (0: x, 1: W, 2: b) into out,
// given dy and the other operand in (W for 0, x for 1, dy for 2).
func convGrad[T float32 | float64](gemm gemmFunc[T], g convGeom, wrt int, in tensor.Tensor, dy []T, out tensor.Tensor, data func(G.Value) []T) {
	hw, kk := g.hw(), g.taps()
	n := len(dy) / (g.O * hw)
	res := data(out)
	switch wrt {
	case 2: // db[o] = Σ_b,q dy[b][o][q]
		clear(res)
		for i := 0; i < n; i++ {
			for o := range res {
				var s T
				for _, v := range dy[(i*g.O+o)*hw : (i*g.O+o+1)*hw] {
					s += v
				}
				res[o] += s
			}
		}
	case 0: // dx[c][r] = Σ_{o,t} W[o,c,t]·dy[o][r − d_t]
		w := data(in)
		if g.O <= g.C { // dx = Aᵀ · gather(dy, −1), A = W as (O·k²) × C
			a := byTap(g, w)
			parallel(n, func(_, lo, hi int) {
				gy := make([]T, g.O*kk*hw)
				for i := lo; i < hi; i++ {
					gather(g, g.O, dy[i*g.O*hw:(i+1)*g.O*hw], gy, -1)
					gemm(true, false, g.C, hw, g.O*kk, 1, a, g.C, gy, hw, 0, res[i*g.C*hw:(i+1)*g.C*hw], hw)
				}
			})
			return
		}
		// z = Wᵀ (C·k² × O) · dy, then dx[c][q + d_t] += z[(c,t)][q]
		parallel(n, func(_, lo, hi int) {
			z := make([]T, g.C*kk*hw)
			for i := lo; i < hi; i++ {
				gemm(true, false, g.C*kk, hw, g.O, 1, w, g.C*kk, dy[i*g.O*hw:(i+1)*g.O*hw], hw, 0, z, hw)
				dx := res[i*g.C*hw : (i+1)*g.C*hw]
				clear(dx)
				scatter(g, g.C, z, dx, 1)
			}
		})
	case 1: // dW[o,c,t] = Σ_q dy[o][q]·x[c][q + d_t]
		x := data(in)
		size := g.O * g.C * kk
		parts := make([][]T, runtime.GOMAXPROCS(0))
		if g.C <= g.O { // dW (O × C·k²) = dy · gather(x, +1)ᵀ
			used := parallel(n, func(k, lo, hi int) {
				col, part := make([]T, g.C*kk*hw), make([]T, size)
				for i := lo; i < hi; i++ {
					gather(g, g.C, x[i*g.C*hw:(i+1)*g.C*hw], col, 1)
					gemm(false, true, g.O, g.C*kk, hw, 1, dy[i*g.O*hw:(i+1)*g.O*hw], hw, col, hw, 1, part, g.C*kk)
				}
				parts[k] = part
			})
			sumParts(res, parts[:used])
			return
		}
		// dWA ((O·k²) × C) = gather(dy, −1) · xᵀ, then rearranged
		used := parallel(n, func(k, lo, hi int) {
			gy, part := make([]T, g.O*kk*hw), make([]T, size)
			for i := lo; i < hi; i++ {
				gather(g, g.O, dy[i*g.O*hw:(i+1)*g.O*hw], gy, -1)
				gemm(false, true, g.O*kk, g.C, hw, 1, gy, hw, x[i*g.C*hw:(i+1)*g.C*hw], hw, 1, part, g.C)
			}
			parts[k] = part
		})
		a := make([]T, size)
		sumParts(a, parts[:used])
		for o := 0; o < g.O; o++ {
			for c := 0; c < g.C; c++ {
				for t := 0; t < kk; t++ {
					res[(o*g.C+c)*kk+t] = a[(o*kk+t)*g.C+c]
				}
			}
		}
	}
}

func sumParts[T float32 | float64](dst []T, parts [][]T) {
	copy(dst, parts[0])
	for _, p := range parts[1:] {
		for i, v := range p {
			dst[i] += v
		}
	}
}
