package cli

import (
	"bufio"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/hybrid"
	"github.com/kenn-ot/kenn/runtime/segdist"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// RuntimeFlags registers --device, --threads and --pairwise; the returned
// function opens onnxruntime and the model with them.
func RuntimeFlags(fs *flag.FlagSet) func(path string) (*runtime.Runtime, *runtime.Model, error) {
	device, threads := DeviceFlags(fs, "")
	pairwise := fs.String("pairwise", string(segdist.Auto), segdist.Usage)
	return func(path string) (*runtime.Runtime, *runtime.Model, error) {
		choice, err := segdist.ParseChoice(*pairwise)
		if err != nil {
			return nil, nil, Usagef("%v", err)
		}
		return OpenModelWith(path, runtime.Options{Device: *device, Threads: *threads, Pairwise: choice})
	}
}

// DeviceFlags registers --device and --threads, the onnxruntime options
// every command running a model shares; scope says when they apply.
func DeviceFlags(fs *flag.FlagSet, scope string) (device *string, threads *int) {
	device = fs.String("device", "cpu", "onnxruntime device: cpu | cuda:N"+scope)
	threads = fs.Int("threads", 0, "onnxruntime CPU threads, 0: its default"+scope)
	return device, threads
}

// OpenModel opens onnxruntime and the model: any file of an exported set
// (runtime.Load), or a checkpoint, exported first to a temporary folder
// that is removed once loaded (the sessions hold the verified bytes).
func OpenModel(path, device string, threads int) (*runtime.Runtime, *runtime.Model, error) {
	return OpenModelWith(path, runtime.Options{Device: device, Threads: threads})
}

// OpenModelWith is OpenModel with all of onnxruntime's options.
func OpenModelWith(path string, opt runtime.Options) (*runtime.Runtime, *runtime.Model, error) {
	if strings.HasSuffix(path, ".ckpt") {
		c, err := models.LoadCheckpoint(path)
		if err != nil {
			return nil, nil, err
		}
		dir, err := os.MkdirTemp("", "kenn-export-")
		if err != nil {
			return nil, nil, err
		}
		defer os.RemoveAll(dir)
		onnx := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".ckpt")+".onnx")
		if _, err := export.WriteFiles(c, onnx); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		path = onnx
	} else if !strings.HasSuffix(path, ".onnx") {
		return nil, nil, fmt.Errorf("--model %s: want an exported model (NAME.onnx, or any file of its set) or a checkpoint (.ckpt)", path)
	}
	rt, err := runtime.Open(opt)
	if err != nil {
		return nil, nil, err
	}
	m, err := rt.Load(path)
	if err != nil {
		rt.Close()
		return nil, nil, err
	}
	return rt, m, nil
}

// EmbedImages loads a collection and embeds it with the model ([N, m.F],
// in batches of tiling.DefaultBatch images), after ScreenImages.
func EmbedImages(ctx context.Context, m *runtime.Model, path string) (dataset.Features, error) {
	return embedImages(ctx, m, path, true)
}

// embedImages is EmbedImages, screening the images only if screen (a
// collection given twice is screened once).
func embedImages(ctx context.Context, m *runtime.Model, path string, screen bool) (dataset.Features, error) {
	imgs, err := dataset.Load(path)
	if err != nil {
		return dataset.Features{}, err
	}
	if err := m.CheckImages(imgs); err != nil {
		return dataset.Features{}, err
	}
	if screen {
		ScreenImages(os.Stderr, m, imgs)
	}
	return m.Embed(ctx, imgs, tiling.EmbedOptions{})
}

// ScreenImages writes a warning to w when imgs lie off the model's
// training domain (models.Screening.Warning; nothing when they do not,
// or when the model records no domain).
func ScreenImages(w io.Writer, m interface {
	Screen(*dataset.Images) (models.Screening, bool)
}, imgs *dataset.Images) {
	if r, ok := m.Screen(imgs); ok && r.Off() {
		fmt.Fprintf(w, "WARNING: %s: %s\n", imgs.Source, r.Warning())
	}
}

// ScreenPaths is ScreenImages for a job that a runner runs elsewhere:
// the domain is read from the model's file (a checkpoint, or any file of
// an exported set) and each collection ("" skipped) is loaded here.
func ScreenPaths(w io.Writer, model string, images ...string) error {
	var d *models.Domain
	if strings.HasSuffix(model, ".ckpt") {
		c, err := models.LoadCheckpoint(model)
		if err != nil {
			return err
		}
		d = c.Domain
	} else {
		f, err := export.ReadModel(runtime.MainPath(model))
		if err != nil {
			return err
		}
		meta, err := f.ImageMeta()
		if err != nil {
			return err
		}
		d = meta.Domain
	}
	if d == nil {
		return nil
	}
	for k, p := range images {
		if p == "" || slices.Contains(images[:k], p) {
			continue
		}
		imgs, err := dataset.Load(p)
		if err != nil {
			return err
		}
		ScreenImages(w, domainScreen{d}, imgs)
	}
	return nil
}

// domainScreen screens against a domain read from a file.
type domainScreen struct{ d *models.Domain }

func (s domainScreen) Screen(imgs *dataset.Images) (models.Screening, bool) {
	return tiling.Screen(s.d, imgs)
}

// CheckFlag registers --check N: N random pairs of this run's images
// solved exactly and compared with the model (runtime/hybrid.Check).
func CheckFlag(fs *flag.FlagSet) *int {
	return fs.Int("check", 0, "solve this many random pairs of these images exactly and compare them with the model; warns when its error is well above what its card promises (0: no check)")
}

// RunCheck runs the check of --check on the model of --model (model: an
// exported set's file or a checkpoint, whose metrics hold the promise)
// and prints its report, and its warning if any, to stderr. imagesB is ""
// (and fb ignored) for one collection.
func RunCheck(ctx context.Context, model string, m *runtime.Model, imagesA string, fa dataset.Features, imagesB string, fb dataset.Features, n int) error {
	if n == 0 {
		return nil
	}
	a, err := dataset.Load(imagesA)
	if err != nil {
		return err
	}
	var b *dataset.Images
	if imagesB != "" {
		if b, err = dataset.Load(imagesB); err != nil {
			return err
		}
	}
	if !strings.HasSuffix(model, ".ckpt") {
		model = runtime.MainPath(model)
	}
	r, err := hybrid.Check(ctx, m, model, a, fa, b, fb, hybrid.CheckOptions{Pairs: n, Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, r.Report())
	if r.Warning != "" {
		fmt.Fprintln(os.Stderr, "WARNING: "+r.Warning)
	}
	return nil
}

// RerankNeighbors re-ranks the model's candidates by exact W2 (pixels).
func RerankNeighbors(ctx context.Context, indexPath, queryPath string, cands [][]runtime.Neighbor, k int) ([][]runtime.Neighbor, error) {
	index, err := dataset.Load(indexPath)
	if err != nil {
		return nil, err
	}
	query, err := dataset.Load(queryPath)
	if err != nil {
		return nil, err
	}
	return hybrid.Rerank(ctx, index, query, cands, k, pairs.Options{})
}

// WriteModelSidecar writes the sidecar of a .npy of a model's distances
// (values "" from the model's target) or features.
func WriteModelSidecar(npy, model, values string, rows, cols int, images ...string) error {
	s := sidecar.Sidecar{Values: values, Rows: rows, Cols: cols, Model: model, Kenn: export.Version}
	for _, im := range images {
		if im != "" {
			s.Images = append(s.Images, im)
		}
	}
	target, id, err := ModelTarget(model)
	if err != nil {
		return err
	}
	s.ModelID = id
	if s.Values == "" {
		s.Values = sidecar.W2
		if target == models.TargetW2Sq {
			s.Values = sidecar.W2Sq
		}
	}
	return sidecar.Write(npy, s)
}

// ModelTarget reads what a model's distances are (models.TargetW2 or
// TargetW2Sq) and, for an ONNX set, its model id, without onnxruntime.
func ModelTarget(model string) (target, id string, err error) {
	if strings.HasSuffix(model, ".ckpt") {
		c, err := models.LoadCheckpoint(model)
		if err != nil {
			return "", "", err
		}
		return c.Model.Target, "", nil
	}
	f, err := export.ReadModel(runtime.MainPath(model))
	if err != nil {
		return "", "", err
	}
	target = f.Meta[models.MetaTarget]
	if err := models.CheckTarget(target); err != nil {
		return "", "", fmt.Errorf("%s: %w", model, err)
	}
	return target, f.ModelID(), nil
}

// DistanceColumn names a CSV column of distances by their unit: w2sq
// (W2², pixels²) for a W2² model or with --squared, else w2 (W2, pixels).
func DistanceColumn(target string, squared bool) string {
	if squared || target == models.TargetW2Sq {
		return sidecar.W2Sq
	}
	return sidecar.W2
}

// SquareIf squares the W2 matrix .npy a W2 model wrote when --squared asks
// for W2²; a W2² model's matrix is left as it is.
func SquareIf(npy, model string, squared bool) error {
	if !squared {
		return nil
	}
	target, _, err := ModelTarget(model)
	if err != nil || target == models.TargetW2Sq {
		return err
	}
	return SquareNPY(npy)
}

// SquareNPY rewrites a float32 .npy matrix with every value squared
// (W2 to W2²), streaming, atomically.
func SquareNPY(path string) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 1<<20)
	pre := make([]byte, 10)
	if _, err := io.ReadFull(br, pre); err != nil || string(pre[:6]) != "\x93NUMPY" || pre[6] != 1 {
		return fmt.Errorf("%s: not a version 1 .npy (%v)", path, err)
	}
	hdr := make([]byte, int(pre[8])|int(pre[9])<<8)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	if !strings.Contains(string(hdr), "'<f4'") {
		return fmt.Errorf("%s: want float32 values, header %s", path, strings.TrimSpace(string(hdr)))
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.Write(pre)
		bw.Write(hdr)
		buf := make([]byte, 1<<16)
		for {
			n, err := io.ReadFull(br, buf)
			if n%4 != 0 {
				return fmt.Errorf("%s: values end mid-float32", path)
			}
			for k := 0; k < n; k += 4 {
				v := math.Float32frombits(binary.LittleEndian.Uint32(buf[k:]))
				binary.LittleEndian.PutUint32(buf[k:], math.Float32bits(v*v))
			}
			bw.Write(buf[:n])
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			} else if err != nil {
				return fmt.Errorf("%s: values: %w", path, err)
			}
		}
		return bw.Flush()
	})
}
