package beamjob

import (
	"context"
	"flag"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"
)

// Runner chooses where a pipeline runs.
type Runner struct {
	// Name is prism (in-process, the default), flink or spark (a portable
	// job server at Endpoint), or dataflow.
	Name     string
	Endpoint string // host:port of the job server (flink, spark)
	// Options are Beam pipeline options, set as Beam's flags (log_level:
	// Beam's own logging, warn by default): for example
	// environment_type=LOOPBACK, environment_config=…, project=…,
	// region=…, temp_location=gs://…, staging_location=….
	Options map[string]string
	// Attempts bounds the pipelines submitted for the shards still
	// missing after a failure (default 3).
	Attempts int
}

// Names are the runners Runner.Name accepts.
var Names = []string{"prism", "flink", "spark", "dataflow"}

// Check validates the runner before any pipeline is built: a known name,
// a reachable endpoint for flink and spark, the options Dataflow needs.
func (r Runner) Check() error {
	switch r.Name {
	case "", "prism":
		return nil
	case "flink", "spark":
		if r.Endpoint == "" {
			return fmt.Errorf("runner %s: --endpoint host:port of its Beam job server is required (see the README: Beam on Flink or Spark)", r.Name)
		}
		conn, err := net.DialTimeout("tcp", r.Endpoint, 3*time.Second)
		if err != nil {
			return fmt.Errorf("runner %s: job server %s is unreachable: %w", r.Name, r.Endpoint, err)
		}
		conn.Close()
		return nil
	case "dataflow":
		var missing []string
		for _, k := range []string{"project", "region", "temp_location"} {
			if r.Options[k] == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("runner dataflow: options %s are required (--beam-opt %s=…)", strings.Join(missing, ", "), missing[0])
		}
		return nil
	}
	return fmt.Errorf("unknown runner %q (want %s)", r.Name, strings.Join(Names, ", "))
}

var initOnce sync.Once

// execute runs p on the runner. Beam's options are process-wide flags, so
// they are set here from r; beam.Init runs once per process.
func (r Runner) execute(ctx context.Context, p *beam.Pipeline) error {
	opts := map[string]string{}
	for k, v := range r.Options {
		opts[k] = v
	}
	// Beam logs every job step at info; warn unless log_level says otherwise
	level := "warn"
	if v, ok := opts["log_level"]; ok {
		if v != "debug" && v != "info" && v != "warn" && v != "error" {
			return fmt.Errorf("Beam option log_level=%s: want debug, info, warn or error", v)
		}
		level = v
		delete(opts, "log_level")
	}
	initOnce.Do(beam.Init)
	beamlog.SetupLogging(level, "text")
	if r.Endpoint != "" {
		opts["endpoint"] = r.Endpoint
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if flag.Lookup(k) == nil {
			return fmt.Errorf("unknown Beam option %q", k)
		}
		if err := flag.Set(k, opts[k]); err != nil {
			return fmt.Errorf("Beam option %s=%s: %w", k, opts[k], err)
		}
	}
	var err error
	switch r.Name {
	case "", "prism":
		_, err = prism.Execute(ctx, p)
	case "flink", "spark":
		_, err = universal.Execute(ctx, p)
	case "dataflow":
		_, err = dataflow.Execute(ctx, p)
	default:
		err = fmt.Errorf("unknown runner %q", r.Name)
	}
	return err
}

// WorkerMain runs this process as a Beam worker when the runner started it
// as one (its arguments hold --worker) and reports whether it did; the
// kenn command calls it first, so that the kenn binary staged by a
// portable runner serves as its own worker.
func WorkerMain(args []string) bool {
	for _, a := range args {
		if a == "--worker" || a == "-worker" || strings.HasPrefix(a, "--worker=") {
			flag.CommandLine.Parse(args)
			beam.Init() // runs the worker harness and exits
			return true
		}
	}
	return false
}

// inProcess reports whether the workers run in this process (prism).
func (r Runner) inProcess() bool { return r.Name == "" || r.Name == "prism" }
