package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/kenn-ot/kenn/beamjob"
)

// beamFlags registers --runner, --endpoint, --beam-opt and --attempts; the
// returned function gives the runner, or nil for a local run.
func beamFlags(fs *flag.FlagSet) func() (*beamjob.Runner, error) {
	name := fs.String("runner", "", "run as an Apache Beam pipeline: prism (in-process) | universal, flink, spark (--endpoint of a portable Beam job server) | dataflow; default: local, no Beam")
	endpoint := fs.String("endpoint", "", "--runner universal|flink|spark: host:port of the Beam job server")
	workerBin := fs.String("worker-binary", "", "--runner universal|flink|spark|dataflow: the linux/amd64 kenn binary the workers run (default: this executable, on linux/amd64)")
	timeout := fs.Duration("connect-timeout", beamjob.DefaultConnectTimeout, "--runner universal|flink|spark: how long to wait for --endpoint to answer as a Beam job server")
	attempts := fs.Int("attempts", 3, "--runner: pipelines submitted for shards still missing after a failure")
	var opts multiFlag
	fs.Var(&opts, "beam-opt", "--runner: a Beam pipeline option key=value (repeatable), e.g. environment_type=LOOPBACK, project=…, region=…, temp_location=gs://…")
	return func() (*beamjob.Runner, error) {
		if *name == "" {
			if *endpoint != "" || len(opts) > 0 || *workerBin != "" {
				return nil, fmt.Errorf("--endpoint, --worker-binary and --beam-opt need --runner")
			}
			return nil, nil
		}
		if *timeout <= 0 {
			return nil, fmt.Errorf("--connect-timeout %v: want a positive duration", *timeout)
		}
		r := &beamjob.Runner{Name: *name, Endpoint: *endpoint, Attempts: *attempts, Options: map[string]string{}, WorkerBinary: *workerBin, ConnectTimeout: *timeout}
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
		return r, nil
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
