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
	name := fs.String("runner", "", "run as an Apache Beam pipeline: prism (in-process) | flink | spark (--endpoint of a Beam job server) | dataflow; default: local, no Beam")
	endpoint := fs.String("endpoint", "", "--runner flink|spark: host:port of the Beam job server")
	attempts := fs.Int("attempts", 3, "--runner: pipelines submitted for shards still missing after a failure")
	var opts multiFlag
	fs.Var(&opts, "beam-opt", "--runner: a Beam pipeline option key=value (repeatable), e.g. environment_type=LOOPBACK, project=…, region=…, temp_location=gs://…")
	return func() (*beamjob.Runner, error) {
		if *name == "" {
			if *endpoint != "" || len(opts) > 0 {
				return nil, fmt.Errorf("--endpoint and --beam-opt need --runner")
			}
			return nil, nil
		}
		r := &beamjob.Runner{Name: *name, Endpoint: *endpoint, Attempts: *attempts, Options: map[string]string{}}
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
