package pairs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// Selection chooses which pairs of a collection a job computes.
type Selection struct {
	All    bool   // every pair i<j
	Groups int    // otherwise, if positive: every pair within random groups of this many images
	N      int    // otherwise: N distinct random pairs i<j
	Seed   uint64 // seed of the random pairs or groups
	// List, if not nil, is the selection itself (a pair list file, see
	// ReadPairList), recorded in headers as "list " + ListLabel.
	List      []Pair
	ListLabel string
	First     int // if positive, only First images take part,
	Skip      int // starting at image Skip,
	Every     int // and taking every Every-th image (default 1)
}

// String is the selection as recorded in file headers.
func (s Selection) String() string {
	if s.List != nil {
		return "list " + s.ListLabel
	}
	out := fmt.Sprintf("random n=%d seed=%d", s.N, s.Seed)
	if s.All {
		out = "all"
	} else if s.Groups > 0 {
		out = fmt.Sprintf("groups size=%d seed=%d", s.Groups, s.Seed)
	}
	if s.First > 0 {
		out += fmt.Sprintf(" first=%d", s.First)
	}
	if s.Skip > 0 {
		out += fmt.Sprintf(" skip=%d", s.Skip)
	}
	if s.Every > 1 {
		out += fmt.Sprintf(" every=%d", s.Every)
	}
	return out
}

// Pairs lists the selected pairs of a collection of n images, in the
// selection's order.
func (s Selection) Pairs(n int) ([]Pair, error) {
	if s.List != nil {
		return s.List, CheckIndices(s.List, n)
	}
	if s.Skip < 0 || s.Skip >= n {
		return nil, fmt.Errorf("skip %d: the collection has %d images", s.Skip, n)
	}
	every := max(s.Every, 1)
	n = (n - s.Skip + every - 1) / every // images Skip, Skip+every, …
	if s.First > 0 {
		if s.First > n {
			return nil, fmt.Errorf("%d images requested after skipping %d, the collection has %d more", s.First, s.Skip, n)
		}
		n = s.First
	}
	ps, err := s.local(n)
	for k := range ps {
		ps[k].I = s.Skip + ps[k].I*every
		ps[k].J = s.Skip + ps[k].J*every
	}
	return ps, err
}

// local lists the selected pairs among n images numbered from 0.
func (s Selection) local(n int) ([]Pair, error) {
	max := n * (n - 1) / 2
	if s.All {
		if n < 2 {
			return nil, fmt.Errorf("all pairs of %d image(s): none", n)
		}
		ps := make([]Pair, 0, max)
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				ps = append(ps, Pair{i, j})
			}
		}
		return ps, nil
	}
	if s.Groups > 0 {
		return groups(n, s.Groups, s.Seed)
	}
	if s.N <= 0 {
		return nil, fmt.Errorf("number of random pairs must be positive, got %d", s.N)
	}
	if s.N > max {
		return nil, fmt.Errorf("%d random distinct pairs requested, but %d images have only %d", s.N, n, max)
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x6b656e6e)) // "kenn"
	seen := make(map[Pair]bool, s.N)
	ps := make([]Pair, 0, s.N)
	for len(ps) < s.N {
		i, j := rng.IntN(n), rng.IntN(n)
		if i == j {
			continue
		}
		if i > j {
			i, j = j, i
		}
		p := Pair{i, j}
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// groups partitions n images, in an order shuffled by seed, into ⌊n/g⌋
// groups of g (the n mod g left over take no part) and lists every pair
// within each group, group after group. Block training then supervises all
// pairs of a group for the price of g images, while the pairs budget
// reaches n images instead of about √(2·budget).
func groups(n, g int, seed uint64) ([]Pair, error) {
	if g < 2 || g > n {
		return nil, fmt.Errorf("groups of %d images from a collection of %d: need 2 ≤ size ≤ %d", g, n, n)
	}
	order := rand.New(rand.NewPCG(seed, 0x67726f75)).Perm(n) // "grou"
	ps := make([]Pair, 0, n/g*g*(g-1)/2)
	for k := 0; k+g <= n; k += g {
		for a := k; a < k+g; a++ {
			for b := a + 1; b < k+g; b++ {
				i, j := order[a], order[b]
				ps = append(ps, Pair{min(i, j), max(i, j)})
			}
		}
	}
	return ps, nil
}

// Summary reports what Generate did.
type Summary struct {
	Total, Resumed, Computed int
	Elapsed                  time.Duration
	UpToDate                 bool // out already held the complete result
}

// PartialSuffix is appended to the output path for the work-in-progress
// file of an interrupted job.
const PartialSuffix = ".partial"

// Generate computes the selected pairs of imgs into the pairs file out.
//
// Finished pairs are appended to out+".partial" as they come; if that file
// exists (a job was killed), its pairs are kept and only the rest are
// computed, so a restarted job ends with every pair exactly once. The
// partial file must come from the same images, method and selection. The
// complete file is written to out atomically, in selection order, and the
// partial file is then removed. If out already holds the same complete
// job, nothing is recomputed.
func Generate(ctx context.Context, imgs *dataset.Images, sel Selection, out string, opt Options) (Summary, error) {
	start := time.Now()
	if err := imgs.Check(); err != nil {
		return Summary{}, err
	}
	ps, err := sel.Pairs(imgs.N)
	if err != nil {
		return Summary{}, err
	}
	hdr := NewHeader(imgs, opt.Method, sel.String(), len(ps))
	if old, err := ReadFile(out); err == nil && old.Header.Matches(hdr) == nil {
		return Summary{Total: len(ps), Resumed: len(ps), UpToDate: true, Elapsed: time.Since(start)}, nil
	}

	index := make(map[Pair]int, len(ps))
	for k, p := range ps {
		index[p] = k
	}
	vals := make([]float64, len(ps))
	have := make([]bool, len(ps))
	partial := out + PartialSuffix
	resumed, f, err := openPartial(partial, hdr, index, vals, have)
	if err != nil {
		return Summary{}, err
	}
	todo := make([]int, 0, len(ps)-resumed)
	for k := range ps {
		if !have[k] {
			todo = append(todo, k)
		}
	}

	w := bufio.NewWriterSize(f, 1<<16)
	lastFlush := time.Now()
	done := resumed
	var werr error
	runErr := run(ctx, imgs, ps, todo, opt, func(k int, v float64) {
		vals[k], have[k] = v, true
		if werr == nil {
			_, werr = fmt.Fprintf(w, "%d,%d,%s\n", ps[k].I, ps[k].J, FormatValue(v))
			if time.Since(lastFlush) > time.Second {
				werr = w.Flush()
				lastFlush = time.Now()
			}
		}
		if done++; opt.Progress != nil {
			opt.Progress(done, len(ps))
		}
	})
	if err := w.Flush(); werr == nil {
		werr = err
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	sum := Summary{Total: len(ps), Resumed: resumed, Computed: done - resumed, Elapsed: time.Since(start)}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return sum, fmt.Errorf("%w after %d of %d pairs; rerun the same command to resume from %s: %w", ErrInterrupted, done, len(ps), partial, runErr)
		}
		return sum, runErr
	}
	if werr != nil {
		return sum, fmt.Errorf("%s: %w", partial, werr)
	}
	err = atomicfile.WriteFile(out, func(wr io.Writer) error {
		bw := bufio.NewWriterSize(wr, 1<<16)
		if err := hdr.Write(bw); err != nil {
			return err
		}
		for k, p := range ps {
			if !have[k] {
				return fmt.Errorf("internal error: pair %d (%d, %d) missing", k, p.I, p.J)
			}
			if _, err := fmt.Fprintf(bw, "%d,%d,%s\n", p.I, p.J, FormatValue(vals[k])); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
	if err != nil {
		return sum, err
	}
	return sum, os.Remove(partial)
}

// openPartial opens (creating if needed) the partial file for appending,
// after loading the pairs it already holds into vals/have. A torn last
// line is cut off.
func openPartial(path string, hdr Header, index map[Pair]int, vals []float64, have []bool) (int, *os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.Create(path)
		if err != nil {
			return 0, nil, err
		}
		if err := hdr.Write(f); err != nil {
			f.Close()
			return 0, nil, err
		}
		return 0, f, nil
	}
	if err != nil {
		return 0, nil, err
	}
	pf, good, err := parse(path, bufio.NewReader(f), true)
	if err != nil {
		f.Close()
		return 0, nil, fmt.Errorf("cannot resume: %w (remove it to start over)", err)
	}
	if err := pf.Header.Matches(hdr); err != nil {
		f.Close()
		return 0, nil, fmt.Errorf("cannot resume from %s: it was %v; remove it to start over", path, err)
	}
	n := 0
	for i, p := range pf.Pairs {
		k, ok := index[p]
		if !ok {
			f.Close()
			return 0, nil, fmt.Errorf("cannot resume from %s: pair (%d, %d) is not in the selection; remove it to start over", path, p.I, p.J)
		}
		if !have[k] {
			vals[k], have[k] = pf.W2Sq[i], true
			n++
		}
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return 0, nil, err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return 0, nil, err
	}
	return n, f, nil
}
