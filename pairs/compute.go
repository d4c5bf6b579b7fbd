// Package pairs computes ground-truth W2² for pairs of images of one
// collection, in parallel across pairs (never inside one solve), and stores
// them in the kenn pairs file format (see format.go), which a killed job
// resumes without losing or repeating a pair.
package pairs

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

// Pair names two images of a collection by 0-based index.
type Pair struct{ I, J int }

// method returns m, or the exact solver when m is nil.
func method(m ot.Method) ot.Method {
	if m == nil {
		return ot.NewSolver()
	}
	return m
}

// evaluator computes one method for one goroutine, with its own buffers.
type evaluator struct {
	imgs   *dataset.Images
	method ot.Method
	a, b   []float64
}

func (e *evaluator) eval(ctx context.Context, p Pair) (float64, error) {
	x := e.imgs.Image(p.I, e.a)
	y := e.imgs.Image(p.J, e.b)
	e.a, e.b = x.Pix, y.Pix
	v, err := e.method.W2SqContext(ctx, x, y)
	if err != nil {
		return 0, fmt.Errorf("pair (%d, %d): %w", p.I, p.J, err)
	}
	return v, nil
}

// CheckIndices reports the first pair whose index is outside [0, n).
func CheckIndices(ps []Pair, n int) error {
	for k, p := range ps {
		for _, i := range []int{p.I, p.J} {
			if i < 0 || i >= n {
				return fmt.Errorf("pair %d: index %d out of range (the collection has %d images)", k, i, n)
			}
		}
	}
	return nil
}

// Options configures Compute.
type Options struct {
	// Method computes W2² (nil: the exact solver, ot.NewSolver()). Every
	// worker goroutine solves with its own Method.Clone; Method itself is
	// only read.
	Method  ot.Method
	Workers int // goroutines; 0 means runtime.NumCPU()
	// Progress, if set, is called from one goroutine after each finished
	// pair with the number done so far (resumed pairs included) and the
	// total.
	Progress func(done, total int)
}

// Compute returns W2² for each pair, in input order. Work is spread over
// Options.Workers goroutines, each with its own solver. It stops at the
// first error or when ctx is cancelled.
func Compute(ctx context.Context, imgs *dataset.Images, ps []Pair, opt Options) ([]float64, error) {
	out := make([]float64, len(ps))
	todo := make([]int, len(ps))
	for k := range todo {
		todo[k] = k
	}
	n := 0
	err := run(ctx, imgs, ps, todo, opt, func(k int, v float64) {
		out[k] = v
		if n++; opt.Progress != nil {
			opt.Progress(n, len(ps))
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Matrix returns the n×n matrix of W2² between all images of imgs
// (row-major, symmetric, zero diagonal), computing each pair i<j once
// with Compute.
func Matrix(ctx context.Context, imgs *dataset.Images, opt Options) ([]float64, error) {
	n := imgs.N
	ps, err := Selection{All: true}.Pairs(n)
	if err != nil {
		return nil, err
	}
	v, err := Compute(ctx, imgs, ps, opt)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n*n)
	for k, p := range ps {
		out[p.I*n+p.J], out[p.J*n+p.I] = v[k], v[k]
	}
	return out, nil
}

// MatrixOf returns the n×n W2² matrix held by f, a file of all pairs of
// n images (any order): an error names the first pair it lacks.
func MatrixOf(f *File, n int) ([]float64, error) {
	out := make([]float64, n*n)
	have := make([]bool, n*n)
	for k, p := range f.Pairs {
		if p.I < 0 || p.J < 0 || p.I >= n || p.J >= n {
			return nil, fmt.Errorf("pair %d (%d, %d) is outside %d images", k, p.I, p.J, n)
		}
		out[p.I*n+p.J], out[p.J*n+p.I] = f.W2Sq[k], f.W2Sq[k]
		have[p.I*n+p.J], have[p.J*n+p.I] = true, true
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if !have[i*n+j] {
				return nil, fmt.Errorf("the pairs lack (%d, %d): a matrix needs all pairs (kenn pairs --all)", i, j)
			}
		}
	}
	return out, nil
}

// run evaluates ps[k] for every k in todo and hands each result to done,
// which runs on the calling goroutine.
func run(ctx context.Context, imgs *dataset.Images, ps []Pair, todo []int, opt Options, done func(k int, v float64)) error {
	if err := CheckIndices(ps, imgs.N); err != nil {
		return err
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		k   int
		v   float64
		err error
	}
	jobs := make(chan []int)
	results := make(chan result, 256)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := &evaluator{imgs: imgs, method: method(opt.Method).Clone()}
			for chunk := range jobs {
				for _, k := range chunk {
					v, err := ev.eval(ctx, ps[k])
					select {
					case results <- result{k, v, err}:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		const chunk = 16
		for s := 0; s < len(todo); s += chunk {
			select {
			case jobs <- todo[s:min(s+chunk, len(todo))]:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var firstErr error
	for r := range results {
		if firstErr != nil {
			continue
		}
		if r.err != nil {
			firstErr = r.err
			cancel()
			continue
		}
		done(r.k, r.v)
	}
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
