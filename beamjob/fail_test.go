package beamjob

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

// Failure injection, for the tests only: a DoFn wrapping the job's own
// (through the jobs' doFn hook) whose first worker to process shard Shard
// fails after creating Marker; later attempts succeed. The marker is a
// file because the DoFn is serialized to its workers: a worker of a later
// pipeline, or another process, finds it.

type failPairsFn struct {
	Inner  *pairsFn
	Shard  int
	Marker string
}

type failTileFn struct {
	Inner  *tileFn
	Shard  int
	Marker string
}

func init() {
	register.DoFn2x1[context.Context, pairShard, error](&failPairsFn{})
	register.DoFn3x1[context.Context, tileSpec, func(*embBlock) bool, error](&failTileFn{})
}

// failOnce reports whether this is the first call for marker, creating it.
func failOnce(marker string) bool {
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		return false
	}
	os.WriteFile(marker, nil, 0o644)
	return true
}

func (f *failPairsFn) ProcessElement(ctx context.Context, sh pairShard) error {
	if sh.K == f.Shard && failOnce(f.Marker) {
		return fmt.Errorf("injected worker failure in shard %d", sh.K)
	}
	return f.Inner.ProcessElement(ctx, sh)
}

func (f *failTileFn) ProcessElement(ctx context.Context, t tileSpec, blocks func(*embBlock) bool) error {
	if t.K == f.Shard && failOnce(f.Marker) {
		return fmt.Errorf("injected worker failure in tile %d", t.K)
	}
	return f.Inner.ProcessElement(ctx, t, blocks)
}

// failPairs makes the job's first worker of shard fail once.
func failPairs(job *PairsJob, shard int, marker string) {
	job.doFn = func(fn *pairsFn) any { return &failPairsFn{Inner: fn, Shard: shard, Marker: marker} }
}

// failTile makes the job's first worker of tile shard (tiling.Grid.Tiles order)
// fail once.
func failTile(job *MatrixJob, shard int, marker string) {
	job.doFn = func(fn *tileFn) any { return &failTileFn{Inner: fn, Shard: shard, Marker: marker} }
}
