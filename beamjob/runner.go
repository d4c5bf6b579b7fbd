package beamjob

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	jobpb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/jobmanagement_v1"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/util/grpcx"
)

// Runner chooses where a pipeline runs.
type Runner struct {
	// Name is prism (in-process, the default), universal (any portable
	// Beam job server at Endpoint; flink and spark are the same path under
	// their own names), or dataflow.
	Name     string
	Endpoint string // host:port of the job server (universal, flink, spark)
	// Options are Beam pipeline options, set as Beam's flags (log_level:
	// Beam's own logging, warn by default): for example
	// environment_type=PROCESS|DOCKER|LOOPBACK, environment_config=…,
	// project=…, region=…, temp_location=gs://…, staging_location=….
	Options map[string]string
	// Attempts bounds the pipelines submitted for the shards still
	// missing after a failure (default 3).
	Attempts int
	// WorkerBinary is the program a portable runner or Dataflow stages
	// and starts as the workers (Beam's worker_binary option). Empty: the
	// running executable, on linux/amd64 (the platform of Beam's worker
	// environments); elsewhere it must be given. The program must call
	// WorkerMain first, as the kenn command does. Without a worker binary
	// Beam's SDK would cross-compile the program from source with cgo off,
	// which onnxruntime's bindings cannot build with.
	WorkerBinary string
	// ConnectTimeout bounds the wait for a job server at Endpoint to
	// answer as one (default 20 s): an open port that speaks another
	// protocol, or nothing, fails within it.
	ConnectTimeout time.Duration
}

// Names are the runners Runner.Name accepts.
var Names = []string{"prism", "universal", "flink", "spark", "dataflow"}

// DefaultConnectTimeout is Runner.ConnectTimeout's default.
const DefaultConnectTimeout = 20 * time.Second

func (r Runner) portable() bool {
	return r.Name == "universal" || r.Name == "flink" || r.Name == "spark"
}

// Check validates the runner before any pipeline is built: a known name;
// for a portable runner, an endpoint that answers as a Beam job server
// within ConnectTimeout; the options Dataflow needs; a worker binary.
func (r Runner) Check() error {
	switch {
	case r.inProcess():
		return nil
	case r.portable():
		if r.Endpoint == "" {
			return fmt.Errorf("beamjob: runner %s: --endpoint host:port of its Beam job server is required (see the README: Beam on Flink or Spark)", r.Name)
		}
		if r.ConnectTimeout < 0 {
			return fmt.Errorf("beamjob: runner %s: connect timeout %v: want a positive duration", r.Name, r.ConnectTimeout)
		}
		if _, err := r.workerBinary(); err != nil {
			return err
		}
		return r.probe()
	case r.Name == "dataflow":
		var missing []string
		for _, k := range []string{"project", "region", "temp_location"} {
			if r.Options[k] == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("beamjob: runner dataflow: options %s are required (--beam-opt %s=…)", strings.Join(missing, ", "), missing[0])
		}
		_, err := r.workerBinary()
		return err
	}
	return fmt.Errorf("beamjob: unknown runner %q (want %s)", r.Name, strings.Join(Names, ", "))
}

// probe checks that Endpoint answers as a Beam job server: a TCP
// connection (refused: unreachable), then a gRPC connection and a
// GetJobs call of Beam's job service, all within ConnectTimeout.
func (r Runner) probe() error {
	timeout := r.ConnectTimeout
	if timeout == 0 {
		timeout = DefaultConnectTimeout
	}
	conn, err := net.DialTimeout("tcp", r.Endpoint, min(timeout, 3*time.Second))
	if err != nil {
		return fmt.Errorf("beamjob: runner %s: job server %s is unreachable: %w", r.Name, r.Endpoint, err)
	}
	conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	notServer := func(err error) error {
		return fmt.Errorf("beamjob: runner %s: %s does not answer as a Beam job server within %v (Runner.ConnectTimeout, kenn's --connect-timeout, raises the limit): %w", r.Name, r.Endpoint, timeout, err)
	}
	cc, err := grpcx.Dial(ctx, r.Endpoint, timeout)
	if err != nil {
		return notServer(err)
	}
	defer cc.Close()
	if _, err := jobpb.NewJobServiceClient(cc).GetJobs(ctx, &jobpb.GetJobsRequest{}); err != nil && status.Code(err) != codes.Unimplemented {
		return notServer(err)
	}
	return nil
}

// workerBinary returns the worker binary to stage (see
// Runner.WorkerBinary), "" when the workers run in this process
// (environment_type=LOOPBACK).
func (r Runner) workerBinary() (string, error) {
	if strings.EqualFold(r.Options["environment_type"], "loopback") {
		return "", nil
	}
	bin := r.WorkerBinary
	if bin == "" {
		bin = r.Options["worker_binary"]
	}
	if bin == "" {
		if goruntime.GOOS != "linux" || goruntime.GOARCH != "amd64" {
			return "", fmt.Errorf("beamjob: runner %s: Beam's workers run linux/amd64 programs and this one is %s/%s: build kenn for linux/amd64 (with cgo, for onnxruntime) and name it as the worker binary", r.Name, goruntime.GOOS, goruntime.GOARCH)
		}
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("beamjob: runner %s: the running executable, the default worker binary: %w", r.Name, err)
		}
		bin = exe
	}
	st, err := os.Stat(bin)
	if err != nil {
		return "", fmt.Errorf("beamjob: runner %s: worker binary: %w", r.Name, err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("beamjob: runner %s: worker binary %s is not an executable file", r.Name, bin)
	}
	return bin, nil
}

// beamProcess is the state Beam keeps per process, which Runner values
// therefore share (Beam's API leaves no per-value alternative): beam.Init
// may run only once; Beam's logging setup (beamlog.SetupLogging) writes
// Beam's globals, which the goroutines of an in-process prism read while
// they run, and which may outlive a pipeline (calling it per pipeline was
// a data race); pipeline options are the flag package's globals. So
// logging is set up once, on slog with a level that later pipelines
// change atomically, and one pipeline is submitted at a time.
var beamProcess struct {
	once  sync.Once
	level slog.LevelVar
	mu    sync.Mutex // held while a pipeline's options are set and it runs
}

func initBeam() {
	beamProcess.once.Do(func() {
		beam.Init()
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: &beamProcess.level})))
	})
}

// execute runs p on the runner. Beam's options are process-wide flags, so
// they are set here from r; beam.Init runs once per process.
func (r Runner) execute(ctx context.Context, p *beam.Pipeline) error {
	beamProcess.mu.Lock()
	defer beamProcess.mu.Unlock()
	opts := map[string]string{}
	for k, v := range r.Options {
		opts[k] = v
	}
	// Beam logs every job step at info; warn unless log_level says otherwise
	level := slog.LevelWarn
	if v, ok := opts["log_level"]; ok {
		if err := level.UnmarshalText([]byte(v)); err != nil || (v != "debug" && v != "info" && v != "warn" && v != "error") {
			return fmt.Errorf("beamjob: Beam option log_level=%s: want debug, info, warn or error", v)
		}
		delete(opts, "log_level")
	}
	initBeam()
	beamProcess.level.Set(level)
	if r.Endpoint != "" {
		opts["endpoint"] = r.Endpoint
	}
	if !r.inProcess() {
		bin, err := r.workerBinary()
		if err != nil {
			return err
		}
		if bin != "" {
			opts["worker_binary"] = bin
		}
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
			return fmt.Errorf("beamjob: Beam option %s=%s: %w", k, opts[k], err)
		}
	}
	var err error
	switch r.Name {
	case "", "prism":
		_, err = prism.Execute(ctx, p)
	case "universal", "flink", "spark":
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
		if a == "--worker" || a == "-worker" || strings.HasPrefix(a, "--worker=") || strings.HasPrefix(a, "-worker=") {
			dieWithParent()
			flag.CommandLine.Parse(args)
			beam.Init() // runs the worker harness and exits
			return true
		}
	}
	return false
}

// inProcess reports whether the workers run in this process (prism).
func (r Runner) inProcess() bool { return r.Name == "" || r.Name == "prism" }
