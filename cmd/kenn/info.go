package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/models"
	msnn "github.com/kenn-ot/kenn/models/snn"
	"github.com/kenn-ot/kenn/pairs"
)

func runInfo(ctx context.Context, args []string) error {
	fs := newFlags("info", "FILE   (an .onnx of a set, a .ckpt, a kenn pairs file, a .npy, or images) | --devices")
	devices := fs.Bool("devices", false, "instead of a FILE: the onnxruntime library's version, execution providers and the --device values they allow")
	if err := fs.Parse(args); err != nil {
		return usageError{Err: err}
	}
	if *devices {
		if fs.NArg() != 0 {
			return usagef("--devices takes no FILE, got %d arguments", fs.NArg())
		}
		return infoDevices(os.Stdout)
	}
	if fs.NArg() != 1 {
		return usagef("want one FILE, got %d arguments", fs.NArg())
	}
	path := fs.Arg(0)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	switch {
	case strings.HasSuffix(path, ".onnx"):
		return infoONNX(w, path)
	case strings.HasSuffix(path, ".ckpt"):
		if sc, err := msnn.LoadCheckpoint(path); !errors.Is(err, msnn.ErrNotSNN) {
			if err != nil {
				return err
			}
			return infoSNN(w, path, sc)
		}
		c, err := models.LoadCheckpoint(path)
		if err != nil {
			return err
		}
		return infoCheckpoint(w, path, c)
	case strings.HasSuffix(path, ".npy"):
		return infoNPY(w, path)
	}
	if pf, err := pairs.ReadFile(path); err == nil {
		return infoPairs(w, path, pf)
	} else if !errors.Is(err, pairs.ErrNotPairsFile) {
		return err
	}
	imgs, err := dataset.Load(path)
	if err != nil {
		return fmt.Errorf("%s: not an .onnx, .ckpt, .npy, kenn pairs file or image collection: %w", path, err)
	}
	fmt.Fprintf(w, "%s: images\ncount: %d\nsize: %dx%d pixels\nlabels: %v\nsha256: %s\n", path, imgs.N, imgs.H, imgs.W, imgs.Labels != nil, imgs.SHA256)
	return nil
}

func targetUnits(target string) string {
	if target == models.TargetW2Sq {
		return "w2sq (W2², pixels²)"
	}
	return "w2 (W2, pixels)"
}

func infoONNX(w io.Writer, path string) error {
	set, err := export.ReadSet(path)
	if err != nil {
		return err
	}
	meta := set.Main.Meta
	fmt.Fprintf(w, "%s: kenn ONNX model (verified: model id and checksums)\n", path)
	if meta[models.MetaKind] == msnn.Kind {
		fmt.Fprintf(w, "kind: snn\ninputs: %s\noutputs: %s\n", meta["kenn.inputs"], meta["kenn.outputs"])
	} else {
		fmt.Fprintf(w, "kind: %s\ntarget: %s\ninput: %s images, float32 [N, 1, H, W] raw intensities; %s\nfeatures: %s\n",
			meta[models.MetaKind], targetUnits(meta[models.MetaTarget]), meta[models.MetaInput], meta[models.MetaNormalization], meta[models.MetaFeatures])
	}
	fmt.Fprintf(w, "model id: %s\nversion: %s\n", set.Main.ModelID(), meta[models.MetaVersion])
	files := []string{filepath.Base(set.Main.Path)}
	for _, s := range set.Siblings {
		files = append(files, filepath.Base(s.Path))
	}
	fmt.Fprintf(w, "files: %s\n", strings.Join(files, ", "))
	for _, f := range append([]*export.File{set.Main}, set.Siblings...) {
		var in, out []string
		for _, v := range f.Model.GetGraph().GetInput() {
			in = append(in, v.GetName())
		}
		for _, v := range f.Model.GetGraph().GetOutput() {
			out = append(out, v.GetName())
		}
		fmt.Fprintf(w, "  %s: %s → %s\n", filepath.Base(f.Path), strings.Join(in, ", "), strings.Join(out, ", "))
	}
	var m map[string]float64
	if s := meta[models.MetaMetrics]; s != "" && json.Unmarshal([]byte(s), &m) == nil && len(m) > 0 {
		writeMetrics(w, m, meta[models.MetaTarget])
	}
	if meta[models.MetaKind] != msnn.Kind {
		im, err := set.Main.ImageMeta()
		if err != nil {
			return err
		}
		writeDomain(w, im.Domain)
	}
	if meta[models.MetaCard] != "" {
		fmt.Fprintf(w, "card: kenn fit model card in kenn.card (and %s)\n", export.CardPath(path))
	}
	return nil
}

// writeMetrics lists a model's recorded metrics, each with its unit or
// scale: test_* from held-out images, the others from validation pairs.
func writeMetrics(w io.Writer, m map[string]float64, target string) {
	fmt.Fprintf(w, "metrics (test_* from held-out images, others from validation):\n")
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(w, "  %s: %.6g%s\n", k, m[k], metricUnit(k, target))
	}
}

// metricUnit is the unit or scale of metric name (" pixels⁴ (MSE on
// W2²)", " s", …), "" for counts; target is the model's target scale,
// that of target_mse.
func metricUnit(name, target string) string {
	base := strings.TrimPrefix(name, "test_")
	for _, b := range []string{"_lo", "_hi"} { // 95% interval bounds
		base = strings.TrimSuffix(base, b)
	}
	switch {
	case base == "target_mse" && target == models.TargetW2Sq:
		return " pixels⁴ (MSE on W2², the model's target)"
	case base == "target_mse":
		return " pixels² (MSE on W2, the model's target)"
	case base == "mse_w2sq":
		return " pixels⁴ (MSE on W2²)"
	case base == "mse_w2":
		return " pixels² (MSE on W2)"
	case base == "rel_mse_w2sq":
		return " (relative MSE on W2²)"
	case base == "rel_mse_w2":
		return " (relative MSE on W2)"
	case base == "pearson" || base == "spearman":
		return " (on W2²)"
	case strings.HasSuffix(base, "_seconds"):
		return " s"
	case base == "pairs_per_s":
		return " pairs/s"
	}
	return ""
}

// writeMetricValues lists m by name, one per line.
func writeMetricValues(w io.Writer, m map[string]float64) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(w, "  %s: %.6g\n", k, m[k])
	}
}

func infoCheckpoint(w io.Writer, path string, c *models.Checkpoint) error {
	m := c.Model
	fmt.Fprintf(w, "%s: kenn checkpoint\nkind: %s\n", path, m.Kind)
	fmt.Fprintf(w, "target: %s\ninput: %dx%d images\n", targetUnits(m.Target), m.H, m.W)
	fmt.Fprintf(w, "parameters: %d\n", m.NumParams())
	p := c.Provenance
	if p.TrainSHA256 != "" {
		mode := ""
		if p.Mode != "" {
			mode = " (" + p.Mode + " mode)"
		}
		fmt.Fprintf(w, "trained on: %d pairs of %d images%s, pairs sha256 %s, images sha256 %s, seed %d\n", p.NumPairs, p.NumImages, mode, p.TrainSHA256, p.ImagesSHA256, p.Seed)
	}
	if len(p.Members) > 0 {
		fmt.Fprintf(w, "ensemble of %d members\n", len(p.Members))
	}
	if st := c.State; st != nil {
		fmt.Fprintf(w, "training: %d epochs (best %d), %.0f s, %s\n", st.Epoch, st.BestEpoch, st.Seconds, st.StopReason)
	}
	if len(c.Metrics) > 0 {
		writeMetrics(w, c.Metrics, m.Target)
	}
	writeDomain(w, c.Domain)
	return nil
}

// writeDomain describes a model's training domain (models.Domain), or
// says it records none.
func writeDomain(w io.Writer, d *models.Domain) {
	if d == nil {
		fmt.Fprintf(w, "domain: not recorded (no screen of the images a command is given; --check measures the model's error on them)\n")
		return
	}
	fmt.Fprintf(w, "domain: %s, %s: spread %.2f–%.2f px, centroid offset up to %.2f px, support %.3f–%.3f of the grid; commands warn when more than %.0f%% of a collection lies outside beyond the %.1f%% that chance leaves outside\n",
		d.Source, d.Coverage(), d.Spread.Lo, d.Spread.Hi, d.Offset.Hi, d.Support.Lo, d.Support.Hi, 100*models.DomainWarnShare, 100*d.Expected())
}

func infoPairs(w io.Writer, path string, pf *pairs.File) error {
	h := pf.Header
	values := "exact W2², pixels²"
	if !h.Exact() {
		values = "W2², pixels², approximated by method " + h.Method
	}
	fmt.Fprintf(w, "%s: kenn pairs file\nvalues: w2sq (%s)\nimages: %s (%d images of %dx%d, sha256 %s)\nmethod: %s\nselection: %s\npairs: %d\n",
		path, values, h.Images, h.ImagesCount, h.H, h.W, h.ImagesSHA, h.Method, h.Selection, len(pf.Pairs))
	if n := len(pf.W2Sq); n > 0 {
		v := append([]float64(nil), pf.W2Sq...)
		sort.Float64s(v)
		fmt.Fprintf(w, "W2² (pixels²): min %.6g, median %.6g, max %.6g\n", v[0], v[n/2], v[n-1])
	}
	return nil
}

func infoNPY(w io.Writer, path string) error {
	a, err := dataset.ReadNPYArray(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: NumPy array (verified: size, no truncation)\ndtype: %s\nshape: %v\n", path, a.Dtype, a.Shape)
	if sc, found, err := sidecar.Read(path); err != nil {
		return err
	} else if found {
		kind := "model"
		switch {
		case sc.Exact:
			kind = "exact"
		case sc.Method != "":
			kind = "method " + sc.Method
		}
		fmt.Fprintf(w, "values: %s (%s, %s), %d×%d\nimages: %s\n", sc.Values, sc.Units, kind, sc.Rows, sc.Cols, strings.Join(sc.Images, ", "))
		if sc.Model != "" {
			fmt.Fprintf(w, "model: %s (id %s)\n", sc.Model, sc.ModelID)
		}
		return nil
	}
	if len(a.Shape) == 2 {
		fmt.Fprintf(w, "no sidecar %s; a kenn matrix is float32 [N, M] of the model's distances (kenn.target of the model that made it: W2 in pixels for deepkenn, odekenn, naive and ensembles; W2² in pixels² for dwe), or [N, F] features from kenn embed\n", sidecar.Path(path))
	}
	return nil
}
