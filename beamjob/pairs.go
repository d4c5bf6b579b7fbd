package beamjob

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// PairsJob computes exact (or Sinkhorn, sliced) W2² for pairs of images.
type PairsJob struct {
	Images string          // images file, read by every worker
	Sel    pairs.Selection // the pairs, as kenn pairs selects them (Sel.List: a pair list)
	// Method computes W2² (nil: exact). The workers rebuild it with
	// ot.NewMethod(Method.Name(), Method.Options()): parameters outside
	// ot.MethodOptions (Sinkhorn's Tol and MaxIter) take their defaults.
	Method         ot.Method
	Out            string // the kenn pairs file written at the end
	ShardSize      int    // pairs per shard (default 1000)
	Runner         Runner
	beforePipeline func(n int)        // test hook: runs before pipeline n (1, 2, …) is submitted
	keepShards     bool               // test hook: leave OUT.shards/ after the merge
	doFn           func(*pairsFn) any // test hook: the DoFn run instead of fn (fail_test.go)
}

// Summary reports a job.
type Summary struct {
	Shards, Resumed, Computed int // shards in all, found done, computed now
	Pipelines                 int // pipelines submitted
	// Dropped counts finished shards of an earlier run found truncated
	// or corrupt (length or checksum): they were removed and recomputed.
	Dropped int
	// Rows and Cols are a matrix job's shape, for the sidecar of its .npy
	// (0 for the other jobs).
	Rows, Cols int
}

// pairShard is one shard element: its number and its pairs.
type pairShard struct {
	K    int
	I, J []int
}

// pairsFn computes one shard into Dir/shard-K.txt.
type pairsFn struct {
	Images, Dir string
	SHA256      string           // the images' hash in the job's header, verified by the worker
	Method      string           // the ot.Method's name, rebuilt by ot.NewMethod
	Options     ot.MethodOptions // its options
	// Workers solves a shard's pairs in parallel: all cores for the
	// in-process prism runner (which runs one bundle at a time here),
	// 1 on clusters, whose runners run a bundle per core themselves.
	Workers int

	files *verifier // per DoFn instance (not serialized): the verified images
}

func init() {
	register.DoFn2x1[context.Context, pairShard, error](&pairsFn{})
	beam.RegisterType(typeOf[pairShard]())
}

func shardPath(dir string, k int) string { return filepath.Join(dir, fmt.Sprintf("shard-%06d.txt", k)) }

// ProcessElement writes the shard file and emits nothing: a stage without
// outputs also keeps prism from polling for output data while the bundle
// computes (measured: half a core on this machine).
func (f *pairsFn) ProcessElement(ctx context.Context, sh pairShard) error {
	// the images this shard needs, once each
	local := map[int]int{}
	var idx []int
	for _, list := range [][]int{sh.I, sh.J} {
		for _, i := range list {
			if _, ok := local[i]; !ok {
				local[i] = len(idx)
				idx = append(idx, i)
			}
		}
	}
	if f.files == nil {
		f.files = &verifier{}
	}
	imgs, err := f.files.readImages(f.Images, f.SHA256, idx)
	if err != nil {
		return fmt.Errorf("shard %d: %w", sh.K, err)
	}
	ps := make([]pairs.Pair, len(sh.I))
	for k := range ps {
		ps[k] = pairs.Pair{I: local[sh.I[k]], J: local[sh.J[k]]}
	}
	m, err := ot.NewMethod(f.Method, f.Options)
	if err != nil {
		return fmt.Errorf("shard %d: %w", sh.K, err)
	}
	vals, err := pairs.Compute(ctx, imgs, ps, pairs.Options{Method: m, Workers: max(f.Workers, 1)})
	if err != nil {
		return fmt.Errorf("shard %d: %w", sh.K, err)
	}
	var body bytes.Buffer
	for k, v := range vals {
		fmt.Fprintf(&body, "%d,%d,%s\n", sh.I[k], sh.J[k], pairs.FormatValue(v))
	}
	return writeShard(shardPath(f.Dir, sh.K), body.Bytes())
}

// checkPairsBody checks that a shard's body holds one line per pair of
// sh, with its indices, in order.
func checkPairsBody(path string, sh pairShard, body []byte) error {
	lines := bytes.SplitAfter(body, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) != len(sh.I) {
		return fmt.Errorf("beamjob: %s: %w: %d lines, shard %d has %d pairs", path, errBadShard, len(lines), sh.K, len(sh.I))
	}
	for k, l := range lines {
		if !bytes.HasPrefix(l, fmt.Appendf(nil, "%d,%d,", sh.I[k], sh.J[k])) || l[len(l)-1] != '\n' {
			return fmt.Errorf("beamjob: %s:%d: %w: want pair %d,%d", path, k+1, errBadShard, sh.I[k], sh.J[k])
		}
	}
	return nil
}

// RunPairs runs the job: the shards not yet in Out+".shards/" go through
// the pipeline (resubmitted for the shards still missing, up to
// Runner.Attempts times), then the shards are merged into Out, the same
// bytes as `kenn pairs` writes, and the shard folder is removed.
func RunPairs(ctx context.Context, job PairsJob) (Summary, error) {
	var sum Summary
	if err := job.Runner.Check(); err != nil {
		return sum, err
	}
	if job.Method == nil {
		job.Method = ot.NewSolver()
	}
	if _, err := ot.NewMethod(job.Method.Name(), job.Method.Options()); err != nil {
		return sum, fmt.Errorf("beamjob: the workers cannot rebuild the method %s: %w", job.Method, err)
	}
	imgs, err := dataset.Load(job.Images)
	if err != nil {
		return sum, err
	}
	for i := 0; i < imgs.N; i++ {
		if err := imgs.CheckImage(i); err != nil {
			return sum, err
		}
	}
	ps, err := job.Sel.Pairs(imgs.N)
	if err != nil {
		return sum, fmt.Errorf("%s: %w", job.Images, err)
	}
	label := job.Sel.String()
	size := job.ShardSize
	if size <= 0 {
		size = 1000
	}
	hdr := pairs.NewHeader(imgs, job.Method, label, len(ps))
	dir := job.Out + ".shards"
	if err := prepareShardDir(dir, hdr); err != nil {
		return sum, err
	}
	var shards []pairShard
	for k := 0; k*size < len(ps); k++ {
		sh := pairShard{K: k}
		for _, p := range ps[k*size : min((k+1)*size, len(ps))] {
			sh.I, sh.J = append(sh.I, p.I), append(sh.J, p.J)
		}
		shards = append(shards, sh)
	}
	sum.Shards = len(shards)
	fn := &pairsFn{Images: abs(job.Images), SHA256: imgs.SHA256, Dir: abs(dir), Method: job.Method.Name(), Options: job.Method.Options(), Workers: 1}
	if job.Runner.inProcess() {
		fn.Workers = goruntime.NumCPU()
	}
	var do any = fn
	if job.doFn != nil {
		do = job.doFn(fn)
	}
	attempts := max(job.Runner.Attempts, 1)
	if job.Runner.Attempts == 0 {
		attempts = 3
	}
	// finished shards of an earlier run are read whole once: a truncated
	// or corrupt one is removed and recomputed
	paths := make([]string, len(shards))
	for k, sh := range shards {
		paths[k] = shardPath(dir, sh.K)
	}
	if sum.Dropped, err = dropBadShards(paths, func(k int, body []byte) error { return checkPairsBody(paths[k], shards[k], body) }); err != nil {
		return sum, err
	}
	first := true
	var lastErr error
	for a := 0; a < attempts; a++ {
		var todo []pairShard
		for _, sh := range shards {
			if !shardComplete(shardPath(dir, sh.K), -1) {
				todo = append(todo, sh)
			}
		}
		if first {
			sum.Resumed = len(shards) - len(todo)
			first = false
		}
		if len(todo) == 0 {
			break
		}
		p, s := beam.NewPipelineWithRoot()
		items := make([]any, len(todo))
		for i, sh := range todo {
			items[i] = sh
		}
		beam.ParDo0(s, do, beam.Reshuffle(s, beam.Create(s, items...)))
		sum.Pipelines++
		if job.beforePipeline != nil {
			job.beforePipeline(sum.Pipelines)
		}
		lastErr = job.Runner.execute(ctx, p)
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		if lastErr != nil {
			// a worker refuses changed images: stop, as a retry would
			if err := unchanged(job.Images, imgs.SHA256); err != nil {
				return sum, fmt.Errorf("%w (pipeline %d: %v)", err, sum.Pipelines, lastErr)
			}
		}
	}
	for _, sh := range shards {
		if !shardComplete(shardPath(dir, sh.K), -1) {
			return sum, fmt.Errorf("shard %d still missing after %d pipeline(s); last error: %v", sh.K, sum.Pipelines, lastErr)
		}
	}
	sum.Computed = sum.Shards - sum.Resumed
	if err := mergePairs(job.Out, hdr, dir, shards); err != nil {
		return sum, err
	}
	if job.keepShards {
		return sum, nil
	}
	return sum, os.RemoveAll(dir)
}

// prepareShardDir creates dir with a manifest of the job's header, or
// checks that an existing one belongs to the same job.
func prepareShardDir(dir string, hdr pairs.Header) error {
	var b strings.Builder
	hdr.Write(&b)
	return prepareDir(dir, b.String())
}

// mergePairs writes the kenn pairs file from the shard files, in order.
func mergePairs(out string, hdr pairs.Header, dir string, shards []pairShard) error {
	return atomicfile.WriteFile(out, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := hdr.Write(bw); err != nil {
			return err
		}
		n := 0
		for _, sh := range shards {
			path := shardPath(dir, sh.K)
			raw, err := readShard(path)
			if err == nil {
				err = checkPairsBody(path, sh, raw)
			}
			if errors.Is(err, errBadShard) {
				os.Remove(path)
				return fmt.Errorf("%w (removed: a rerun recomputes it)", err)
			}
			if err != nil {
				return err
			}
			n += len(sh.I)
			bw.Write(raw)
		}
		if n != hdr.Count {
			return fmt.Errorf("merged %d pairs, the job has %d", n, hdr.Count)
		}
		return bw.Flush()
	})
}
