package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/kenn-ot/kenn/beamjob"
	"github.com/kenn-ot/kenn/cmd/internal/cli"
)

// beam is kenn-beam's cli.Distributed: Apache Beam's runners, through
// package beamjob.
type beam struct{}

// Flags registers --runner, --endpoint, --worker-binary, --connect-timeout,
// --attempts and --beam-opt; the returned function gives the runner, or nil
// for a local run.
func (beam) Flags(fs *flag.FlagSet) func() (cli.Runner, error) {
	name := fs.String("runner", "", "run as an Apache Beam pipeline: prism (in-process) | universal, flink, spark (--endpoint of a portable Beam job server) | dataflow; default: local, no Beam")
	endpoint := fs.String("endpoint", "", "--runner universal|flink|spark: host:port of the Beam job server")
	workerBin := fs.String("worker-binary", "", "--runner universal|flink|spark|dataflow: the linux/amd64 kenn-beam binary the workers run (default: this executable, on linux/amd64)")
	timeout := fs.Duration("connect-timeout", beamjob.DefaultConnectTimeout, "--runner universal|flink|spark: how long to wait for --endpoint to answer as a Beam job server")
	attempts := fs.Int("attempts", 3, "--runner: pipelines submitted for shards still missing after a failure")
	var opts multiFlag
	fs.Var(&opts, "beam-opt", "--runner: a Beam pipeline option key=value (repeatable), e.g. environment_type=LOOPBACK, project=…, region=…, temp_location=gs://…")
	return func() (cli.Runner, error) {
		if *name == "" {
			if *endpoint != "" || len(opts) > 0 || *workerBin != "" {
				return nil, fmt.Errorf("--endpoint, --worker-binary and --beam-opt need --runner")
			}
			return nil, nil
		}
		if *timeout <= 0 {
			return nil, fmt.Errorf("--connect-timeout %v: want a positive duration", *timeout)
		}
		r := beamjob.Runner{Name: *name, Endpoint: *endpoint, Attempts: *attempts, Options: map[string]string{}, WorkerBinary: *workerBin, ConnectTimeout: *timeout}
		for _, o := range opts {
			k, v, ok := strings.Cut(o, "=")
			if !ok {
				return nil, fmt.Errorf("--beam-opt %q: want key=value", o)
			}
			r.Options[k] = v
		}
		if err := r.Check(); err != nil {
			return nil, err
		}
		return runner{r}, nil
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// runner runs the commands' jobs on a Beam runner (cli.Runner).
type runner struct{ r beamjob.Runner }

func (r runner) Name() string { return r.r.Name }

func (r runner) Pairs(ctx context.Context, j cli.PairsJob) (cli.Summary, error) {
	s, err := beamjob.RunPairs(ctx, beamjob.PairsJob{Images: j.Images, Sel: j.Sel, Method: j.Method, Out: j.Out, ShardSize: j.ShardSize, Runner: r.r})
	return summary(s), err
}

func (r runner) Matrix(ctx context.Context, j cli.MatrixJob) (cli.Summary, error) {
	s, err := beamjob.RunMatrix(ctx, beamjob.MatrixJob{Model: j.Model, Images: j.Images, Against: j.Against, Out: j.Out, Tile: j.Tile, Threads: j.Threads, Runner: r.r})
	return summary(s), err
}

func (r runner) KNN(ctx context.Context, j cli.KNNJob) (cli.Summary, error) {
	s, err := beamjob.RunKNN(ctx, beamjob.KNNJob{Model: j.Model, Index: j.Index, Query: j.Query, K: j.K, Out: j.Out, Threads: j.Threads, Column: j.Column, Runner: r.r})
	return summary(s), err
}

func summary(s beamjob.Summary) cli.Summary {
	return cli.Summary{Shards: s.Shards, Resumed: s.Resumed, Computed: s.Computed, Pipelines: s.Pipelines, Rows: s.Rows, Cols: s.Cols}
}
