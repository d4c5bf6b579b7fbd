package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// LibraryEnv names the environment variable that overrides the library.
const LibraryEnv = "ONNXRUNTIME_SHARED_LIBRARY_PATH"

// Options configures Open.
type Options struct {
	Library string // path of libonnxruntime.so.1; see the package doc
	Device  string // "cpu" (default) or "cuda:N"
	Threads int    // intra-op threads on CPU; 0 lets onnxruntime choose
	// Pairwise says what computes distance tiles (PairwiseTile, Matrix
	// and every matrix and kNN built on them): runtime/segdist's kernel or the
	// model's NAME.pairwise.onnx; the zero value is segdist.Auto (the
	// kernel on CPU where an assembly kernel runs).
	Pairwise segdist.Choice
}

// Runtime owns the onnxruntime environment.
type Runtime struct {
	opt      Options
	mu       sync.Mutex
	models   []*Model
	samplers []*Sampler
	closed   bool
}

// ErrNoLibrary is returned (wrapped) when libonnxruntime.so.1 is missing.
var ErrNoLibrary = errors.New("onnxruntime shared library not found")

// MainPath is the main file NAME.onnx of a set for any file of it:
// NAME.pairwise.onnx, NAME.pair.onnx or NAME.decoder.onnx name their
// set's NAME.onnx (export.MainOf) when it exists; any other path is
// returned as is.
func MainPath(path string) string {
	if main := export.MainOf(path); main != path {
		if _, err := os.Stat(main); err == nil {
			return main
		}
	}
	return path
}

// LibraryName is the file name of the onnxruntime shared library.
const LibraryName = "libonnxruntime.so.1"

// buildLibrary is a library path recorded at link time (make build sets it
// to the checkout's .cache/onnxruntime/libonnxruntime.so.1 with
// -ldflags -X); empty in a plain go build. It is never written at run time.
var buildLibrary string

// LibraryCandidates lists, in the order FindLibrary tries them, the places
// a library is looked for (see the package doc); explicit comes first when
// given.
func LibraryCandidates(explicit string) []string {
	var c []string
	add := func(p string) {
		if p != "" {
			c = append(c, p)
		}
	}
	add(explicit)
	add(os.Getenv(LibraryEnv))
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			dir := filepath.Dir(exe)
			add(filepath.Join(dir, LibraryName))
			add(filepath.Join(dir, "..", "lib", "kenn", LibraryName))
		}
	}
	if dir, err := UserCacheDir(); err == nil {
		add(filepath.Join(dir, LibraryName))
	}
	add(buildLibrary)
	if dir, err := os.Getwd(); err == nil {
		for {
			add(filepath.Join(dir, ".cache", "onnxruntime", LibraryName))
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return c
}

// UserCacheDir is kenn's folder in the user's cache: $XDG_CACHE_HOME/kenn,
// or ~/.cache/kenn (os.UserCacheDir), where `kenn setup` installs the
// library.
func UserCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("runtime: %w", err)
	}
	return filepath.Join(d, "kenn"), nil
}

// FindLibrary resolves the library path as described in the package doc:
// an explicit path must exist; otherwise the first of LibraryCandidates
// that exists.
func FindLibrary(explicit string) (string, error) {
	hint := fmt.Sprintf("run `kenn setup --library PATH` once with a libonnxruntime.so.1 (onnxruntime 1.30; `make ort` fetches one into the checkout's .cache/onnxruntime), or set %s", LibraryEnv)
	if explicit != "" { // asked for by name: no other library will do
		if st, err := os.Stat(explicit); err != nil || st.IsDir() {
			return "", fmt.Errorf("%w: %s (given explicitly) is not a file; %s", ErrNoLibrary, explicit, hint)
		}
		return explicit, nil
	}
	tried := LibraryCandidates("")
	for _, p := range tried {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (looked in: %s); %s", ErrNoLibrary, strings.Join(tried, ", "), hint)
}

// Open loads the library and initializes the environment.
func Open(opt Options) (*Runtime, error) {
	if opt.Device == "" {
		opt.Device = "cpu"
	}
	if opt.Device != "cpu" && !strings.HasPrefix(opt.Device, "cuda:") {
		return nil, fmt.Errorf("runtime: device %q: want cpu or cuda:N", opt.Device)
	}
	pairwise, err := segdist.ParseChoice(string(opt.Pairwise))
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	opt.Pairwise = pairwise // Load reads it parsed
	lib, err := FindLibrary(opt.Library)
	if err != nil {
		return nil, err
	}
	opt.Library = lib
	if ort.IsInitialized() {
		return nil, errors.New("runtime: an onnxruntime environment is already open in this process; Close it first")
	}
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return nil, fmt.Errorf("runtime: loading %s: %w", lib, err)
	}
	return &Runtime{opt: opt}, nil
}

// Close destroys every model's sessions, then the environment.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	var first error
	for _, m := range r.models {
		if err := m.destroy(); err != nil && first == nil {
			first = err
		}
	}
	for _, sm := range r.samplers {
		if err := sm.session.Destroy(); err != nil && first == nil {
			first = err
		}
	}
	if err := ort.DestroyEnvironment(); err != nil && first == nil {
		first = err
	}
	return first
}

func (r *Runtime) sessionOptions() (*ort.SessionOptions, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	if err := so.SetGraphOptimizationLevel(graphOpt); err != nil {
		so.Destroy()
		return nil, err
	}
	if r.opt.Threads > 0 {
		if err := so.SetIntraOpNumThreads(r.opt.Threads); err != nil {
			so.Destroy()
			return nil, err
		}
		so.SetInterOpNumThreads(1)
	}
	if strings.HasPrefix(r.opt.Device, "cuda:") {
		id, err := strconv.Atoi(strings.TrimPrefix(r.opt.Device, "cuda:"))
		if err != nil || id < 0 {
			so.Destroy()
			return nil, fmt.Errorf("runtime: device %q: want cuda:N", r.opt.Device)
		}
		unavailable := func(err error) error {
			so.Destroy()
			return fmt.Errorf("runtime: the CUDA execution provider is unavailable with %s (the onnxruntime-node build is CPU-only): use --device cpu, or point %s to a GPU build of onnxruntime 1.30 on a machine with CUDA: %w", r.opt.Library, LibraryEnv, err)
		}
		cuda, err := ort.NewCUDAProviderOptions()
		if err != nil {
			return nil, unavailable(err)
		}
		defer cuda.Destroy()
		// use_tf32=0: full float32 matrix products, for parity with CPU
		if err := cuda.Update(map[string]string{"device_id": strconv.Itoa(id), "use_tf32": "0"}); err != nil {
			return nil, unavailable(err)
		}
		if err := so.AppendExecutionProviderCUDA(cuda); err != nil {
			return nil, unavailable(err)
		}
	}
	return so, nil
}

// Model is an exported kenn model: its embedding and pairwise sessions.
type Model struct {
	Path     string
	Kind     models.Kind
	Target   string
	H, W, F  int
	Segments []int
	Weights  []float32
	// Domain is the training images' domain (kenn.domain; nil when the
	// file records none): Screen places a collection against it.
	Domain         *models.Domain
	embed, pairwis *ort.DynamicAdvancedSession
	decoder        *ort.DynamicAdvancedSession // NAME.decoder.onnx, if present
	surf           tiling.Surface              // tiles, matrices, kNN: the native kernel's if set (Options.Pairwise), else the graph's
}

// PairwiseKernel says what computes the model's distance tiles: "native
// avx512 8×32" (runtime/segdist's kernel) or "graph" (NAME.pairwise.onnx
// in onnxruntime).
func (m *Model) PairwiseKernel() string { return m.surf.Kernel.Describe() }

// Load opens NAME.onnx and NAME.pairwise.onnx (see export.Paths), and
// NAME.decoder.onnx if present. Every file of the set that exists is read
// and verified first (export.ReadSet): each file's initializers must hash
// to its kenn.initializers_sha256 and every sibling must carry the main
// file's kenn.model_id; files exported before model ids were recorded are
// refused (export.ErrNoModelID), with the command that re-exports them.
// The sessions are created from the very bytes verified.
func (r *Runtime) Load(path string) (*Model, error) {
	path = MainPath(path)
	embedPath, pairwisePath, _ := export.Paths(path)
	m := &Model{Path: embedPath}
	set, err := export.ReadSet(embedPath)
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	pwFile, decFile := set.File(pairwisePath), set.File(export.DecoderPath(path))
	if pwFile == nil {
		return nil, fmt.Errorf("runtime: %s: missing (kenn export writes it beside %s)", pairwisePath, embedPath)
	}
	meta, err := set.Main.ImageMeta()
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	m.Kind, m.Target, m.H, m.W, m.F, m.Segments, m.Weights, m.Domain = meta.Kind, meta.Target, meta.H, meta.W, meta.F, meta.Segments, meta.Weights, meta.Domain
	m.surf = tiling.Surface{Prefix: "runtime", Path: embedPath, F: m.F, Graph: m.graphTile}
	if m.surf.Kernel, err = segdist.ForModel(r.opt.Pairwise, r.opt.Device == "cpu", m.Kind.Form(), m.Segments, m.Weights, r.opt.Threads); err != nil {
		return nil, fmt.Errorf("runtime: %s: %w", embedPath, err)
	}
	so, err := r.sessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if m.embed, err = ort.NewDynamicAdvancedSessionWithONNXData(set.Main.Raw, []string{"images"}, []string{"features"}, so); err != nil {
		return nil, fmt.Errorf("%s: %w", embedPath, err)
	}
	if m.pairwis, err = ort.NewDynamicAdvancedSessionWithONNXData(pwFile.Raw, []string{"a", "b"}, []string{"distances"}, so); err != nil {
		m.embed.Destroy()
		return nil, fmt.Errorf("%s: %w", pairwisePath, err)
	}
	if decFile != nil {
		if m.decoder, err = ort.NewDynamicAdvancedSessionWithONNXData(decFile.Raw, []string{"features"}, []string{"images"}, so); err != nil {
			m.embed.Destroy()
			m.pairwis.Destroy()
			return nil, fmt.Errorf("%s: %w", decFile.Path, err)
		}
	}
	r.mu.Lock()
	r.models = append(r.models, m)
	r.mu.Unlock()
	if err := m.warmUp(); err != nil {
		return nil, fmt.Errorf("%s: %w", embedPath, err)
	}
	return m, nil
}

// warmUp runs both sessions once on one uniform image, so that
// onnxruntime's lazy initialization is paid at Load, not in the first
// batch of real work.
func (m *Model) warmUp() error {
	img := make([]float32, m.H*m.W)
	for i := range img {
		img[i] = 1
	}
	in, err := ort.NewTensor(ort.NewShape(1, 1, int64(m.H), int64(m.W)), img)
	if err != nil {
		return err
	}
	defer in.Destroy()
	f := make([]float32, m.F)
	out, err := ort.NewTensor(ort.NewShape(1, int64(m.F)), f)
	if err != nil {
		return err
	}
	defer out.Destroy()
	if err := m.embed.Run([]ort.Value{in}, []ort.Value{out}); err != nil {
		return err
	}
	d := make([]float32, 1)
	one := dataset.Features{Data: f, N: 1, F: m.F}
	return m.PairwiseTile(one, one, d)
}

func (m *Model) destroy() error {
	var first error
	for _, s := range []*ort.DynamicAdvancedSession{m.embed, m.pairwis, m.decoder} {
		if s != nil {
			if err := s.Destroy(); err != nil && first == nil {
				first = err
			}
		}
	}
	m.embed, m.pairwis, m.decoder = nil, nil, nil
	return first
}

// Distance is the model's distance between two feature rows, as the
// pairwise model computes it (exact norms, no Gram form: segdist.Exact):
// W2² for dwe, W2 otherwise.
func (m *Model) Distance(fx, fy []float32) float64 {
	return segdist.Exact(m.Kind.Form(), m.Segments, m.Weights, fx, fy)
}

var graphOpt ort.GraphOptimizationLevel = ort.GraphOptimizationLevelEnableAll
