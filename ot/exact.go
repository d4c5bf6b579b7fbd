package ot

import (
	"context"
	"errors"
	"fmt"
)

// Solver computes exact W2² between images. It keeps its work buffers
// between calls, so reusing one Solver for many pairs allocates nothing in
// the steady state. A Solver must not be used by two goroutines at once;
// parallelize across pairs with one Solver per goroutine.
//
// The LP solved is the discrete optimal transport problem between the two
// normalized histograms restricted to their supports, with cost
// (r-r')² + (c-c')². It is solved on the separable-cost graph of Auricchio,
// Bassetti, Gualandi and Veneroni (NeurIPS 2018): a source pixel (r, c)
// first moves along its column to an intermediate node (r', c), paying
// (r-r')², then along the row to (r', c'), paying (c-c')². Every bipartite
// plan maps to a flow of the same cost and back, so the optimum is the same
// LP optimum, found with |S|·|rows(T)| + |T|·|cols(S)| arcs instead of
// |S|·|T|. The orientation (rows or columns first) with fewer arcs is used.
type Solver struct {
	// MaxMemory is the most memory, in bytes, that one solve may take
	// (its graphs at every multiscale level, spanning trees and work
	// buffers). Each solve estimates it from the supports before
	// allocating anything and refuses a larger problem with an error
	// wrapping ErrTooLarge. Zero means DefaultMaxMemory. The limit is per
	// Solver: k Solvers in parallel may take k times as much.
	MaxMemory int64

	net      network
	ma, mb   []int64
	src, dst []point
	rowOf    []int32 // index of a grid line among the used lines, or -1
	colOf    []int32
	rows     []int32
	cols     []int32
	seen     []bool
	// node layout (see layout)
	slots, perm, canon []int32

	same      bool // the last solveInts had identical masses
	rowsFirst bool // orientation of the last graph
	// multiscale warm start (see multiscale.go)
	multiscale bool
	coarse     *Solver
	pixSrc     []int32 // fine pixel -> source index, or -1
	pixDst     []int32
	uf         []int32
	ra, rb     []int64
	rf         []int64 // refined flow per arc
	used       []int32
	sorted     []int32 // byFlow's radix buffer
	ord        []int32 // byFlow's order of the refined arcs
	kept       []bool  // Kruskal's choice, per refined arc
	// plan extraction buffers
	midStart []int32
	parts    []flowPart
	entries  []planEntry
	// the refined shipments and uncross's marks (see uncross.go)
	ships                               []refShip
	shipHead, shipNb, shipBox, shipWork []int32
	shipQueued                          []bool
	// byMove's buffers
	moves     []planEntry
	moveStart []int32
	// stats of the last solve
	last Stats
	// noShield prices every arc (plain block search) instead of the
	// shield's tier: the reference the shield is tested against.
	noShield bool
	// shieldMisses counts, over the levels of the last solve, the arcs of
	// negative reduced cost that the final full scans found after the
	// shield had proven a basis optimal (0 unless the proof is wrong).
	shieldMisses int
}

// Stats describes the last solve of a Solver.
type Stats struct {
	SourceSupport, TargetSupport int
	Nodes, Arcs                  int
	// Pivots counts the simplex pivots of all multiscale levels,
	// FinePivots those of the finest level, DegeneratePivots those of all
	// levels that moved no flow.
	Pivots, FinePivots, DegeneratePivots int
	// Exact is true when the integer rescaling of the masses was exact
	// (integer-valued pixels); otherwise the masses were rounded to
	// multiples of 2^-k of the total (see scaledMasses).
	Exact bool
}

type point struct {
	x, y int32 // x is the coordinate moved first
	m    int64
}

// DefaultMaxMemory is the memory limit of a Solver whose MaxMemory is 0:
// 4 GiB, about a dense 315×315 pair (a dense 128×128 pair is estimated at
// 0.27 GiB, its priced tier counted as large as its arcs).
const DefaultMaxMemory int64 = 4 << 30

// ErrTooLarge is wrapped by the error of a solve whose estimated memory
// exceeds the Solver's MaxMemory.
var ErrTooLarge = errors.New("ot: transport problem too large")

// NewSolver returns a Solver with empty buffers.
func NewSolver() *Solver { return &Solver{multiscale: true} }

// LastStats returns statistics of the most recent solve: of the work done
// before the error, for one that failed or was stopped.
func (s *Solver) LastStats() Stats { return s.last }

// W2Sq returns the exact squared 2-Wasserstein distance between a and b,
// normalized to unit mass, with squared Euclidean ground cost in pixel
// units. It returns an error if either image is invalid (see
// Image.Validate) or if the sizes differ.
func (s *Solver) W2Sq(a, b Image) (float64, error) {
	return s.W2SqContext(context.Background(), a, b)
}

// W2SqContext is W2Sq stopped by ctx: a solve looks at ctx between its
// phases, every buildCheckEvery supports while it builds a graph, every
// passCheckEvery items in most passes of a level's start (every
// attachCheckEvery nodes it attaches), every ctxEvery pivots, and returns
// ctx's error (wrapped) soon after it is done; the longest stretch
// without a look is one pass over the arcs (measured on a dense 160×160
// pair under the race detector, which slows these passes ten-fold: 0.25
// s, the last proof of optimality). A Solver stopped this way solves its
// next pair as a fresh one would.
func (s *Solver) W2SqContext(ctx context.Context, a, b Image) (float64, error) {
	w, _, err := s.solve(ctx, a, b, false)
	return w, err
}

// Plan returns the exact W2² and an optimal transport plan.
func (s *Solver) Plan(a, b Image) (*Plan, error) {
	return s.PlanContext(context.Background(), a, b)
}

// PlanContext is Plan stopped by ctx, as W2SqContext.
func (s *Solver) PlanContext(ctx context.Context, a, b Image) (*Plan, error) {
	_, p, err := s.solve(ctx, a, b, true)
	return p, err
}

// W2Sq is a convenience wrapper that allocates a fresh Solver.
func W2Sq(a, b Image) (float64, error) { return NewSolver().W2Sq(a, b) }

func (s *Solver) solve(ctx context.Context, a, b Image, wantPlan bool) (float64, *Plan, error) {
	if err := checkPair(a, b); err != nil {
		return 0, nil, err
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, fmt.Errorf("ot: solve not started: %w", err)
	}
	n := len(a.Pix)
	s.ma, s.mb = grow64(s.ma, n), grow64(s.mb, n)
	if err := s.checkSize(a, b); err != nil {
		return 0, nil, err
	}
	total, exact := scaledMasses(a, b, s.ma, s.mb)
	s.last = Stats{Exact: exact}
	s.shieldMisses = 0
	c, err := s.solveInts(ctx, a.H, a.W)
	if err != nil {
		return 0, nil, err
	}
	w := float64(c) / float64(total)
	if !wantPlan {
		return w, nil, nil
	}
	p := &Plan{H: a.H, W: a.W, W2Sq: w}
	for _, e := range s.planEntries(a.W, true) {
		p.Entries = append(p.Entries, PlanEntry{From: int(e.from), To: int(e.to), Mass: float64(e.m) / float64(total)})
	}
	return w, p, nil
}

// solveInts solves the transport problem between the integer masses s.ma
// and s.mb (equal totals) on an h×w grid and returns the optimal cost in
// units of mass·pixel². The optimal flow stays in s.net.
func (s *Solver) solveInts(ctx context.Context, h, w int) (int64, error) {
	s.same = true
	for i := range s.ma {
		if s.ma[i] != s.mb[i] {
			s.same = false
			break
		}
	}
	if s.same {
		return 0, nil
	}
	// Choose the orientation with fewer arcs.
	rf, cf := s.arcCounts(h, w)
	s.rowsFirst = rf.arcs <= cf.arcs
	s.collect(w, s.rowsFirst)
	side, err := s.build(ctx)
	if err != nil {
		return 0, err
	}
	// The coarsest level of a multiscale solve, started cold, prices every
	// arc: from the artificial tree the shield's ranges are most of the
	// arcs anyway, and plain block search took fewer pivots there
	// (MNIST's 14×14 level: 667 pivots per pair in all instead of 727).
	warm := s.coarsens(h, w, len(s.src), len(s.dst))
	// A solve stopped before its pivots may have left its shield and its
	// warm start set: this level prices by the shield, and starts warm,
	// only if it sets them now.
	s.net.endPricing()
	s.net.useWarm = false
	if !s.noShield && (warm || !s.multiscale) {
		s.setShield()
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("ot: solve stopped after building %d nodes, %d arcs: %w", s.last.Nodes, s.last.Arcs, err)
	}
	if warm {
		if err := s.warmFromCoarse(ctx, h, w, side); err != nil {
			return 0, err
		}
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("ot: solve stopped after refining the coarse plan onto %d nodes, %d arcs: %w", s.last.Nodes, s.last.Arcs, err)
		}
	}
	c, err := s.net.solve(ctx)
	if err != nil {
		return 0, err
	}
	s.shieldMisses += s.net.verifyMisses
	s.last.Pivots += s.net.pivots
	s.last.FinePivots = s.net.pivots
	s.last.DegeneratePivots += s.net.degenerate
	return c, nil
}

// coarsens reports whether a level of supports nS, nT on h×w starts from
// a coarse solve.
func (s *Solver) coarsens(h, w, nS, nT int) bool {
	n := max(nS, nT)
	sparse := n >= coarseMinSparse && 2*n <= h*w
	return s.multiscale && (n >= coarseMinSupport || sparse) && h >= 4 && w >= 4
}

// graphSize is the size of a separable graph.
type graphSize struct {
	arcs, nodes int
	nS, nT      int // supports
}

// arcCounts sizes the separable graph in both orientations, rows first
// and columns first, without building it: |S|·|lines of T| + |T|·|lines
// of S| arcs, |S| + |T| + |lines of T|·|lines of S| nodes. Rows first,
// sources fan out over the target rows and targets gather from the source
// columns. One pass over each image counts its support and its distinct
// rows and columns.
func (s *Solver) arcCounts(h, w int) (rowsFirst, colsFirst graphSize) {
	s.seen = growBool(s.seen, w+h)
	count := func(m []int64) (support, rows, cols int) {
		seen := s.seen
		clear(seen)
		col, row := seen[:w], seen[w:]
		for i, v := range m {
			if v > 0 {
				support++
				r, c := i/w, i%w
				if !col[c] {
					col[c] = true
					cols++
				}
				if !row[r] {
					row[r] = true
					rows++
				}
			}
		}
		return
	}
	nS, rowsA, colsA := count(s.ma)
	nT, rowsB, colsB := count(s.mb)
	rowsFirst = graphSize{arcs: nS*rowsB + nT*colsA, nodes: nS + nT + rowsB*colsA, nS: nS, nT: nT}
	colsFirst = graphSize{arcs: nS*colsB + nT*rowsA, nodes: nS + nT + colsB*rowsA, nS: nS, nT: nT}
	return
}

func growBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	return s[:n]
}

// collect fills s.src and s.dst with the supports, in (x, y) coordinates
// where x is the coordinate moved first.
func (s *Solver) collect(w int, rowsFirst bool) {
	s.src, s.dst = s.src[:0], s.dst[:0]
	for i, m := range s.ma {
		if m > 0 {
			r, c := int32(i/w), int32(i%w)
			if rowsFirst {
				s.src = append(s.src, point{r, c, m})
			} else {
				s.src = append(s.src, point{c, r, m})
			}
		}
	}
	for i, m := range s.mb {
		if m > 0 {
			r, c := int32(i/w), int32(i%w)
			if rowsFirst {
				s.dst = append(s.dst, point{r, c, m})
			} else {
				s.dst = append(s.dst, point{c, r, m})
			}
		}
	}
}

// build lays out the separable graph: sources, then intermediate nodes
// (x', y) for x' among the targets' x and y among the sources' y, then
// targets, in this canonical numbering; the network numbers them by
// position instead (see layout), and s.canon maps its nodes back.
func (s *Solver) build(ctx context.Context) (side int, err error) {
	for _, p := range s.src {
		side = max(side, int(p.x)+1, int(p.y)+1)
	}
	for _, p := range s.dst {
		side = max(side, int(p.x)+1, int(p.y)+1)
	}
	s.rowOf = grow32(s.rowOf, side)
	s.colOf = grow32(s.colOf, side)
	for i := range s.rowOf {
		s.rowOf[i], s.colOf[i] = -1, -1
	}
	s.rows, s.cols = s.rows[:0], s.cols[:0]
	for _, p := range s.dst {
		if s.rowOf[p.x] < 0 {
			s.rowOf[p.x] = 0
			s.rows = append(s.rows, p.x)
		}
	}
	for _, p := range s.src {
		if s.colOf[p.y] < 0 {
			s.colOf[p.y] = 0
			s.cols = append(s.cols, p.y)
		}
	}
	sortInt32(s.rows)
	sortInt32(s.cols)
	for i, x := range s.rows {
		s.rowOf[x] = int32(i)
	}
	for i, y := range s.cols {
		s.colOf[y] = int32(i)
	}
	nS, nT := len(s.src), len(s.dst)
	nR, nC := len(s.rows), len(s.cols)
	nMid := nR * nC
	nodes := nS + nMid + nT
	arcs := nS*nR + nT*nC
	s.last.SourceSupport, s.last.TargetSupport = nS, nT
	s.last.Nodes, s.last.Arcs = nodes, arcs
	g := &s.net
	g.reset(nodes, arcs)
	perm := s.layout(side)
	for i, p := range s.src {
		g.supply[perm[i]] = p.m
	}
	for j, p := range s.dst {
		g.supply[perm[nS+nMid+j]] = -p.m
	}
	e := 0
	var costMax int64
	// ctx is checked every buildCheckEvery supports: the largest graphs
	// the size guard admits take seconds to build under the race detector
	stopped := func() error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("ot: solve stopped building %d nodes, %d arcs: %w", nodes, arcs, err)
		}
		return nil
	}
	// source (x, y) -> mid (x', y), cost (x-x')²
	for i, p := range s.src {
		if i%buildCheckEvery == buildCheckEvery-1 {
			if err := stopped(); err != nil {
				return 0, err
			}
		}
		base := nS + int(s.colOf[p.y])
		u := perm[i]
		for k, x := range s.rows {
			d := int64(p.x - x)
			g.src[e] = u
			g.tgt[e] = perm[base+k*nC]
			g.cost[e] = d * d
			costMax = max(costMax, d*d)
			e++
		}
	}
	// every arc entering an intermediate node, the only nodes of zero
	// supply, is in this first half
	g.zeroIn = e
	// mid (x', y) -> target (x', y'), cost (y-y')²
	for j, p := range s.dst {
		if j%buildCheckEvery == buildCheckEvery-1 {
			if err := stopped(); err != nil {
				return 0, err
			}
		}
		base := perm[nS+int(s.rowOf[p.x])*nC : nS+int(s.rowOf[p.x])*nC+nC]
		t := perm[nS+nMid+j]
		for k, y := range s.cols {
			d := int64(p.y - y)
			g.src[e] = base[k]
			g.tgt[e] = t
			g.cost[e] = d * d
			costMax = max(costMax, d*d)
			e++
		}
	}
	if e != arcs {
		panic(fmt.Sprintf("ot: internal error: built %d arcs, want %d", e, arcs))
	}
	g.costMax = costMax
	return side, nil
}

// buildCheckEvery is how many supports build lays out between two looks
// at the context.
const buildCheckEvery = 1024

// passCheckEvery is how many items (sources, nodes, plan entries) a pass
// of a level's start handles between two looks at the context: the
// passes write at random into arc-sized arrays, whose first touch is slow
// (page faults; more so under the race detector).
const passCheckEvery = 4096

// lookEvery is ctx's error at every every-th item i of a pass (i = every−1,
// 2·every−1, …), nil at the others and while ctx is not done.
func lookEvery(ctx context.Context, i, every int) error {
	if i%every != every-1 {
		return nil
	}
	return ctx.Err()
}

// layoutBlock is the side, in grid lines, of the square blocks by which
// layout numbers the nodes.
const layoutBlock = 4

// layout numbers the network's nodes by position: block by block of
// layoutBlock×layoutBlock grid points (row-major over the blocks), within
// a block the sources, then the intermediate nodes, then the targets, each
// row-major. A subtree of the simplex's tree covers a region of the grid,
// so the walks of a pivot (potentials, cycle) stay within few cache lines,
// where the canonical numbering put a column's nodes a row apart. It
// returns perm (canonical node -> network node) and sets s.canon, its
// inverse.
func (s *Solver) layout(side int) []int32 {
	nS, nT := len(s.src), len(s.dst)
	nR, nC := len(s.rows), len(s.cols)
	nMid := nR * nC
	nodes := nS + nMid + nT
	nb := (side + layoutBlock - 1) / layoutBlock
	const bb = layoutBlock * layoutBlock
	slot := func(kind int, x, y int32) int {
		bx, by := int(x)/layoutBlock, int(y)/layoutBlock
		return ((bx*nb+by)*3+kind)*bb + int(x)%layoutBlock*layoutBlock + int(y)%layoutBlock
	}
	s.slots = grow32(s.slots, 3*nb*nb*bb)
	slots := s.slots
	for i := range slots {
		slots[i] = -1
	}
	for i, p := range s.src {
		slots[slot(0, p.x, p.y)] = int32(i)
	}
	for k, x := range s.rows {
		for c, y := range s.cols {
			slots[slot(1, x, y)] = int32(nS + k*nC + c)
		}
	}
	for j, p := range s.dst {
		slots[slot(2, p.x, p.y)] = int32(nS + nMid + j)
	}
	s.perm = grow32(s.perm, nodes)
	s.canon = grow32(s.canon, nodes)
	u := int32(0)
	for _, c := range slots {
		if c >= 0 {
			s.perm[c] = u
			s.canon[u] = c
			u++
		}
	}
	if int(u) != nodes {
		panic(fmt.Sprintf("ot: internal error: laid out %d nodes, want %d", u, nodes))
	}
	return s.perm
}

func sortInt32(v []int32) {
	// insertion sort: at most a few hundred grid lines
	for i := 1; i < len(v); i++ {
		x := v[i]
		j := i - 1
		for j >= 0 && v[j] > x {
			v[j+1] = v[j]
			j--
		}
		v[j+1] = x
	}
}
