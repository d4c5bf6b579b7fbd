package beamjob

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// MatrixJob computes a model's distance matrix between the images of
// Images (rows) and Against (columns; empty: Images, the all-pairs matrix,
// one triangle computed and mirrored), into the same .npy as kenn pairwise.
type MatrixJob struct {
	Model           string // exported model, NAME.onnx (NAME.pairwise.onnx beside it)
	Images, Against string
	Out             string
	Tile            int // tile side, a multiple of 256 (default 1024, as kenn pairwise)
	Threads         int // onnxruntime threads per worker (0: its default)
	Runner          Runner

	keepShards bool              // test hook: leave OUT.shards/ after the merge
	doFn       func(*tileFn) any // test hook: the tile DoFn run instead of fn (fail_test.go)
}

// KNNJob finds the K nearest index images of every query image, into the
// same CSV as kenn knn.
type KNNJob struct {
	Model        string
	Index, Query string
	K            int
	Out          string
	Tile         int
	Threads      int
	Runner       Runner
	Column       string // the distances' CSV column, named by unit (w2, w2sq); default "distance"
}

// embBlock is a block of embeddings: rows Start… of set "a" or "b", as
// little-endian float32 bytes (Beam's coder copies a byte slice at once,
// but decodes a float slice one reflected value at a time: measured, the
// side-input decoding was the largest cost of a matrix job's workers).
type embBlock struct {
	Set      string
	Start, N int
	Raw      []byte
}

// vecBlock is an embBlock decoded.
type vecBlock struct {
	Set      string
	Start, N int
	Vals     []float32
}

type blockSpec struct {
	Set      string
	Start, N int
}

// tileSpec is one tile (matrix) or query block (kNN): shard number and
// the first row (and column) of the tile.
type tileSpec struct {
	K, I, J int
}

// embedFn embeds one block of images.
type embedFn struct {
	Model, A, B string
	ASHA, BSHA  string // the images' hashes in the job's manifest, verified by the worker
	Threads     int

	files *verifier // per DoFn instance (not serialized)
}

// tileFn computes one tile into Dir (raw little-endian float32).
type tileFn struct {
	Model   string
	Dir     string
	Tile    int
	Sym     bool
	Threads int

	// centre is the centre of the whole of set a (runtime.Model.Centre),
	// computed by this instance's first element: every element of a job
	// sees the same side input, and a DoFn instance runs one bundle at a
	// time.
	centre   []float32
	centreOK bool
}

// knnFn computes the neighbours of one block of queries into Dir.
type knnFn struct {
	Model   string
	Dir     string
	Tile, K int
	NI      int
	Threads int
}

func init() {
	register.DoFn3x1[context.Context, blockSpec, func(embBlock), error](&embedFn{})
	register.DoFn3x1[context.Context, tileSpec, func(*embBlock) bool, error](&tileFn{})
	register.DoFn3x1[context.Context, tileSpec, func(*embBlock) bool, error](&knnFn{})
	register.Emitter1[embBlock]()
	register.Iter1[embBlock]()
	beam.RegisterType(typeOf[embBlock]())
	beam.RegisterType(typeOf[blockSpec]())
	beam.RegisterType(typeOf[tileSpec]())
}

// workers holds this process's onnxruntime environment and models: the
// environment is process-wide in onnxruntime itself, so every DoFn
// instance of a worker process shares one.
var workers struct {
	sync.Mutex
	rt     *runtime.Runtime
	models map[string]*runtime.Model
}

func workerModel(path string, threads int) (*runtime.Model, error) {
	workers.Lock()
	defer workers.Unlock()
	if workers.rt == nil {
		rt, err := runtime.Open(runtime.Options{Threads: threads})
		if err != nil {
			return nil, err
		}
		workers.rt, workers.models = rt, map[string]*runtime.Model{}
	}
	if m, ok := workers.models[path]; ok {
		return m, nil
	}
	m, err := workers.rt.Load(path)
	if err != nil {
		return nil, err
	}
	workers.models[path] = m
	return m, nil
}

// closeWorkers releases this process's worker runtime (after an
// in-process pipeline).
func closeWorkers() {
	workers.Lock()
	defer workers.Unlock()
	if workers.rt != nil {
		workers.rt.Close()
		workers.rt, workers.models = nil, nil
	}
}

func (f *embedFn) ProcessElement(ctx context.Context, b blockSpec, emit func(embBlock)) error {
	m, err := workerModel(f.Model, f.Threads)
	if err != nil {
		return err
	}
	path, sha := f.A, f.ASHA
	if b.Set == "b" {
		path, sha = f.B, f.BSHA
	}
	idx := make([]int, b.N)
	for i := range idx {
		idx[i] = b.Start + i
	}
	if f.files == nil {
		f.files = &verifier{}
	}
	imgs, err := f.files.readImages(path, sha, idx)
	if err != nil {
		return fmt.Errorf("block %s/%d: %w", b.Set, b.Start, err)
	}
	imgs.Source = path
	vals, err := m.Embed(ctx, imgs, tiling.EmbedOptions{})
	if err != nil {
		return err
	}
	raw := make([]byte, 4*len(vals.Data))
	for i, v := range vals.Data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	emit(embBlock{Set: b.Set, Start: b.Start, N: b.N, Raw: raw})
	return nil
}

// readBlocks drains the side input (a single-pass iterator) into a map
// keyed by set and first row.
func readBlocks(iter func(*embBlock) bool) map[blockSpec]*vecBlock {
	out := map[blockSpec]*vecBlock{}
	var b embBlock
	for iter(&b) {
		v := &vecBlock{Set: b.Set, Start: b.Start, N: b.N, Vals: make([]float32, len(b.Raw)/4)}
		for i := range v.Vals {
			v.Vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(b.Raw[4*i:]))
		}
		out[blockSpec{Set: v.Set, Start: v.Start}] = v
	}
	return out
}

func findBlock(all map[blockSpec]*vecBlock, set string, start int) (*vecBlock, error) {
	if b, ok := all[blockSpec{Set: set, Start: start}]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("beamjob: no embeddings of set %s at row %d", set, start)
}

// assemble is the rows of one set, from its blocks: in order of their
// first rows they must follow each other from row 0, with no gap or
// overlap, each of f values a row.
func assemble(all map[blockSpec]*vecBlock, set string, f int) (dataset.Features, error) {
	var blocks []*vecBlock
	for k, b := range all {
		if k.Set == set {
			blocks = append(blocks, b)
		}
	}
	sort.Slice(blocks, func(i, j int) bool { return blocks[i].Start < blocks[j].Start })
	n := 0
	for _, b := range blocks {
		if b.Start != n {
			return dataset.Features{}, fmt.Errorf("beamjob: set %s: a block starts at row %d, the blocks before it end at row %d", set, b.Start, n)
		}
		if len(b.Vals) != b.N*f {
			return dataset.Features{}, fmt.Errorf("beamjob: block %s at row %d holds %d values for %d rows of %d", set, b.Start, len(b.Vals), b.N, f)
		}
		n += b.N
	}
	data := make([]float32, 0, n*f)
	for _, b := range blocks {
		data = append(data, b.Vals...)
	}
	return dataset.Features{Data: data, N: n, F: f}, nil
}

func tilePath(dir string, i, j int) string {
	return filepath.Join(dir, fmt.Sprintf("tile-%08d-%08d.f32", i, j))
}

func (f *tileFn) ProcessElement(ctx context.Context, t tileSpec, blocks func(*embBlock) bool) error {
	m, err := workerModel(f.Model, f.Threads)
	if err != nil {
		return err
	}
	all := readBlocks(blocks)
	a, err := findBlock(all, "a", t.I)
	if err != nil {
		return err
	}
	bset := "b"
	if f.Sym {
		bset = "a"
	}
	b, err := findBlock(all, bset, t.J)
	if err != nil {
		return err
	}
	// The tile about the centre of the whole of a, as kenn pairwise's
	// tiles are (runtime.Model.MatrixAbout): the same bits.
	if !f.centreOK {
		whole, err := assemble(all, "a", m.F)
		if err != nil {
			return err
		}
		f.centre, f.centreOK = m.Centre(whole), true
	}
	fa, fb := dataset.Features{Data: a.Vals, N: a.N, F: m.F}, dataset.Features{Data: b.Vals, N: b.N, F: m.F}
	tile, err := m.MatrixAbout(fa, fb, f.centre)
	if err != nil {
		return err
	}
	out := make([]float32, a.N*b.N)
	if err := tile(0, a.N, 0, b.N, out); err != nil {
		return fmt.Errorf("beamjob: tile (%d, %d): %w", t.I, t.J, err)
	}
	if f.Sym && t.I == t.J {
		if a.N != b.N {
			return fmt.Errorf("beamjob: a diagonal tile of %d×%d", a.N, b.N)
		}
		tiling.Symmetrize(out, a.N)
	}
	body := make([]byte, 4*len(out))
	for i, v := range out {
		binary.LittleEndian.PutUint32(body[4*i:], math.Float32bits(v))
	}
	return writeShard(tilePath(f.Dir, t.I, t.J), body)
}

func (f *knnFn) ProcessElement(ctx context.Context, t tileSpec, blocks func(*embBlock) bool) error {
	m, err := workerModel(f.Model, f.Threads)
	if err != nil {
		return err
	}
	all := readBlocks(blocks)
	q, err := findBlock(all, "b", t.I)
	if err != nil {
		return err
	}
	index, err := assemble(all, "a", m.F)
	if err != nil {
		return err
	}
	if index.N != f.NI {
		return fmt.Errorf("beamjob: %d index rows in the embeddings, the job has %d", index.N, f.NI)
	}
	nbs, err := m.KNN(ctx, index, dataset.Features{Data: q.Vals, N: q.N, F: m.F}, f.K, tiling.TileOptions{Tile: f.Tile})
	if err != nil {
		return err
	}
	var body bytes.Buffer
	for r, list := range nbs {
		for k, nb := range list {
			fmt.Fprintf(&body, "%d,%d,%d,%.9g\n", t.I+r, k+1, nb.Index, nb.Distance)
		}
	}
	return writeShard(knnPath(f.Dir, t.I), body.Bytes())
}

func knnPath(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("knn-%08d.csv", i)) }

// checkModel opens the model on the driver (checking the files, the
// library and the images' size) and closes it again.
func checkModel(path string, sets ...*dataset.Images) (int, error) {
	rt, err := runtime.Open(runtime.Options{})
	if err != nil {
		return 0, err
	}
	defer rt.Close()
	m, err := rt.Load(path)
	if err != nil {
		return 0, err
	}
	for _, s := range sets {
		if s != nil {
			if err := m.CheckImages(s); err != nil {
				return 0, err
			}
		}
	}
	return m.F, nil
}

func blockSpecs(set string, n, tile int) []any {
	var out []any
	for s := 0; s < n; s += tile {
		out = append(out, blockSpec{Set: set, Start: s, N: min(tile, n-s)})
	}
	return out
}

// runShards submits pipelines built by build for the specs whose output
// file is missing, up to r.Attempts times; after a failed pipeline it
// stops if an input (path and SHA-256 in inputs) changed.
//
// Before the first pipeline, the finished shards of an earlier run
// (paths) are read whole and checked by check; a truncated or corrupt one
// is removed, to be recomputed.
func runShards(ctx context.Context, r Runner, inputs [][2]string, specs []tileSpec, paths []string, check func(k int, body []byte) error, done func(tileSpec) bool, build func(s beam.Scope, todo []any)) (Summary, error) {
	sum := Summary{Shards: len(specs)}
	var err error
	if sum.Dropped, err = dropBadShards(paths, check); err != nil {
		return sum, err
	}
	attempts := r.Attempts
	if attempts == 0 {
		attempts = 3
	}
	var lastErr error
	for a := 0; a < attempts; a++ {
		var todo []any
		for _, t := range specs {
			if !done(t) {
				todo = append(todo, t)
			}
		}
		if a == 0 {
			sum.Resumed = len(specs) - len(todo)
		}
		if len(todo) == 0 {
			break
		}
		p, s := beam.NewPipelineWithRoot()
		build(s, todo)
		sum.Pipelines++
		lastErr = r.execute(ctx, p)
		if r.inProcess() {
			closeWorkers()
		}
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		if lastErr != nil {
			for _, in := range inputs {
				if err := unchanged(in[0], in[1]); err != nil {
					return sum, fmt.Errorf("%w (pipeline %d: %v)", err, sum.Pipelines, lastErr)
				}
			}
		}
	}
	for _, t := range specs {
		if !done(t) {
			return sum, fmt.Errorf("shard %d still missing after %d pipeline(s); last error: %v", t.K, sum.Pipelines, lastErr)
		}
	}
	sum.Computed = sum.Shards - sum.Resumed
	return sum, nil
}

// checkTile checks the runner and the tile side (default 1024): a
// multiple of tiling.DefaultBatch keeps onnxruntime's embedding batches,
// and so its values, those of the local commands.
func checkTile(r Runner, tile int) (int, error) {
	if err := r.Check(); err != nil {
		return 0, err
	}
	tile = tiling.TileOptions{Tile: tile}.Side(tiling.DefaultTile)
	if tile%tiling.DefaultBatch != 0 {
		return 0, fmt.Errorf("tile %d: want a multiple of %d (the embedding batch), so that values equal the local commands'", tile, tiling.DefaultBatch)
	}
	return tile, nil
}

// RunMatrix runs the job and merges its tiles into Out.
func RunMatrix(ctx context.Context, job MatrixJob) (Summary, error) {
	tile, err := checkTile(job.Runner, job.Tile)
	if err != nil {
		return Summary{}, err
	}
	a, err := dataset.Load(job.Images)
	if err != nil {
		return Summary{}, err
	}
	var b *dataset.Images
	sym := job.Against == ""
	if !sym {
		if b, err = dataset.Load(job.Against); err != nil {
			return Summary{}, err
		}
	}
	if _, err := checkModel(job.Model, a, b); err != nil {
		return Summary{}, err
	}
	na, nb := a.N, a.N
	if !sym {
		nb = b.N
	}
	dir := job.Out + ".shards"
	manifest := fmt.Sprintf("kenn matrix\nmodel: %s\nimages: %s %s\nagainst: %s\ntile: %d\n", job.Model, job.Images, a.SHA256, job.Against, tile)
	bsha := ""
	if !sym {
		manifest += "against-sha256: " + b.SHA256 + "\n"
		bsha = b.SHA256
	}
	if err := prepareDir(dir, manifest); err != nil {
		return Summary{}, err
	}
	grid := tiling.Grid{Rows: na, Cols: nb, Side: tile, Sym: sym}.Tiles()
	specs := make([]tileSpec, len(grid))
	for k, g := range grid {
		specs[k] = tileSpec{K: k, I: g.I, J: g.J}
	}
	fn := &tileFn{Model: abs(job.Model), Dir: abs(dir), Tile: tile, Sym: sym, Threads: job.Threads}
	var do any = fn
	if job.doFn != nil {
		do = job.doFn(fn)
	}
	inputs := [][2]string{{job.Images, a.SHA256}}
	if !sym {
		inputs = append(inputs, [2]string{job.Against, bsha})
	}
	tileBytes := func(t tileSpec) int64 { return 4 * int64(min(tile, na-t.I)) * int64(min(tile, nb-t.J)) }
	paths := make([]string, len(specs))
	for k, t := range specs {
		paths[k] = tilePath(dir, t.I, t.J)
	}
	checkTile := func(k int, body []byte) error {
		if int64(len(body)) != tileBytes(specs[k]) {
			return fmt.Errorf("beamjob: %s: %w: %d bytes, tile %d has %d", paths[k], errBadShard, len(body), k, tileBytes(specs[k]))
		}
		return nil
	}
	sum, err := runShards(ctx, job.Runner, inputs, specs, paths, checkTile, func(t tileSpec) bool { return shardComplete(tilePath(dir, t.I, t.J), tileBytes(t)) }, func(s beam.Scope, todo []any) {
		blocks := blockSpecs("a", na, tile)
		if !sym {
			blocks = append(blocks, blockSpecs("b", nb, tile)...)
		}
		embs := beam.ParDo(s, &embedFn{Model: abs(job.Model), A: abs(job.Images), B: abs(job.Against), ASHA: a.SHA256, BSHA: bsha, Threads: job.Threads}, beam.Create(s, blocks...))
		beam.ParDo0(s, do, beam.Create(s, todo...), beam.SideInput{Input: embs})
	})
	sum.Rows, sum.Cols = na, nb
	if err != nil {
		return sum, err
	}
	w, err := tiling.NewWriter(job.Out, na, nb, sym)
	if err != nil {
		return sum, err
	}
	defer w.Abort()
	for _, t := range specs {
		ni, nj := min(tile, na-t.I), min(tile, nb-t.J)
		vals, err := readFloats(tilePath(dir, t.I, t.J), ni*nj)
		if err != nil {
			return sum, err
		}
		if err := w.Put(tiling.Tile{I: t.I, J: t.J, NI: ni, NJ: nj}, vals); err != nil {
			return sum, err
		}
	}
	if err := w.Commit(); err != nil {
		return sum, err
	}
	if job.keepShards {
		return sum, nil
	}
	return sum, os.RemoveAll(dir)
}

// RunKNN runs the job and merges the neighbour lists into Out.
func RunKNN(ctx context.Context, job KNNJob) (Summary, error) {
	tile, err := checkTile(job.Runner, job.Tile)
	if err != nil {
		return Summary{}, err
	}
	idx, err := dataset.Load(job.Index)
	if err != nil {
		return Summary{}, err
	}
	q, err := dataset.Load(job.Query)
	if err != nil {
		return Summary{}, err
	}
	if job.K <= 0 || job.K > idx.N {
		return Summary{}, fmt.Errorf("k = %d with %d index images", job.K, idx.N)
	}
	if _, err := checkModel(job.Model, idx, q); err != nil {
		return Summary{}, err
	}
	dir := job.Out + ".shards"
	if err := prepareDir(dir, fmt.Sprintf("kenn knn\nmodel: %s\nindex: %s\nquery: %s\nk: %d\ntile: %d\n", job.Model, idx.SHA256, q.SHA256, job.K, tile)); err != nil {
		return Summary{}, err
	}
	var specs []tileSpec
	for s := 0; s < q.N; s += tile {
		specs = append(specs, tileSpec{K: len(specs), I: s})
	}
	out := func(t tileSpec) string { return knnPath(dir, t.I) }
	paths := make([]string, len(specs))
	for k, t := range specs {
		paths[k] = out(t)
	}
	checkKNN := func(k int, body []byte) error {
		t := specs[k]
		if n, want := bytes.Count(body, []byte("\n")), min(tile, q.N-t.I)*job.K; n != want || (len(body) > 0 && body[len(body)-1] != '\n') {
			return fmt.Errorf("beamjob: %s: %w: %d lines, query block %d has %d", paths[k], errBadShard, n, k, want)
		}
		return nil
	}
	fn := &knnFn{Model: abs(job.Model), Dir: abs(dir), Tile: tile, K: job.K, NI: idx.N, Threads: job.Threads}
	inputs := [][2]string{{job.Index, idx.SHA256}, {job.Query, q.SHA256}}
	sum, err := runShards(ctx, job.Runner, inputs, specs, paths, checkKNN, func(t tileSpec) bool { return shardComplete(out(t), -1) }, func(s beam.Scope, todo []any) {
		blocks := append(blockSpecs("a", idx.N, tile), blockSpecs("b", q.N, tile)...)
		embs := beam.ParDo(s, &embedFn{Model: abs(job.Model), A: abs(job.Index), B: abs(job.Query), ASHA: idx.SHA256, BSHA: q.SHA256, Threads: job.Threads}, beam.Create(s, blocks...))
		beam.ParDo0(s, fn, beam.Create(s, todo...), beam.SideInput{Input: embs})
	})
	if err != nil {
		return sum, err
	}
	err = atomicfile.WriteFile(job.Out, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		col := job.Column
		if col == "" {
			col = "distance"
		}
		bw.WriteString("query,rank,index," + col + "\n")
		for k, t := range specs {
			raw, err := readShard(out(t))
			if err == nil {
				err = checkKNN(k, raw)
			}
			if errors.Is(err, errBadShard) {
				os.Remove(out(t))
				return fmt.Errorf("%w (removed: a rerun recomputes it)", err)
			}
			if err != nil {
				return err
			}
			bw.Write(raw)
		}
		return bw.Flush()
	})
	if err != nil {
		return sum, err
	}
	return sum, os.RemoveAll(dir)
}

// readFloats reads a tile shard of n float32 values; a bad one is
// removed, so that a rerun recomputes it.
func readFloats(path string, n int) ([]float32, error) {
	raw, err := readShard(path)
	if err == nil && len(raw) != 4*n {
		err = fmt.Errorf("beamjob: %s: %w: %d bytes, want %d", path, errBadShard, len(raw), 4*n)
	}
	if errors.Is(err, errBadShard) {
		os.Remove(path)
		return nil, fmt.Errorf("%w (removed: a rerun recomputes it)", err)
	}
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

// prepareDir creates dir with a manifest, or checks an existing one.
func prepareDir(dir, manifest string) error {
	path := filepath.Join(dir, "JOB")
	if got, err := os.ReadFile(path); err == nil {
		if string(got) != manifest {
			return fmt.Errorf("%s holds shards of another job; remove it to start over", dir)
		}
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, manifest); return err })
}
