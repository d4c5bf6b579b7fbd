// Package archtest checks the architecture rules of the module with
// `go list -deps`: which packages may import which.
package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/kenn-ot/kenn"

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", module+"/"+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestImportRules(t *testing.T) {
	rules := []struct {
		pkg       string
		forbidden []string // import path prefixes
	}{
		// ot imports no other package of ours
		{"ot", []string{module + "/"}},
		// models is data: neither Gorgonia nor ONNX
		{"models", []string{"gorgonia.org/", "github.com/owulveryck/onnx-go", "github.com/yalue/onnxruntime_go", module + "/export", module + "/build", module + "/runtime"}},
		// the stochastic neural network is its own product: its description is
		// data (no Gorgonia, no ONNX), its trainer and exporter are not the
		// image models', and the image packages know nothing of it
		{"models/snn", []string{"gorgonia.org/", "github.com/owulveryck/onnx-go", "github.com/yalue/onnxruntime_go", module + "/export", module + "/build", module + "/runtime"}},
		{"build/snn", []string{module + "/build", module + "/export", module + "/runtime", module + "/dataset", module + "/pairs", "github.com/owulveryck/onnx-go", "github.com/yalue/onnxruntime_go"}},
		{"export/snn", []string{"gorgonia.org/", module + "/build", module + "/runtime"}},
		{"models", []string{module + "/models/snn"}},
		{"build", []string{module + "/build/snn", module + "/models/snn"}},
		{"export", []string{module + "/export/snn", module + "/models/snn"}},
		// the shared checkpoint container and training kit
		{"internal/ckptfile", []string{"gorgonia.org/", "golang.org/", "github.com/yalue/", "github.com/owulveryck/", "github.com/apache/", module + "/models", module + "/build", module + "/export", module + "/runtime"}},
		{"internal/gtrain", []string{module + "/build", module + "/export", module + "/runtime", "github.com/owulveryck/onnx-go", "github.com/yalue/onnxruntime_go"}},
		// a deployment needs only onnxruntime
		{"export", []string{"gorgonia.org/", module + "/build"}},
		{"runtime", []string{"gorgonia.org/", module + "/build"}},
		// checks and exact re-ranking at use time run beside a deployment
		{"runtime/hybrid", []string{"gorgonia.org/", module + "/build", "github.com/apache/beam/"}},
		// the analysis packages run beside a deployment: no Gorgonia
		{"manifold", []string{"gorgonia.org/", module + "/build", "github.com/yalue/onnxruntime_go"}},
		{"latent", []string{"gorgonia.org/", module + "/build", "github.com/yalue/onnxruntime_go"}},
		{"plots", []string{"gorgonia.org/", module + "/build", "github.com/yalue/onnxruntime_go"}},
		// the figure helper of make reproduce-snn: plots only
		{"scripts/snnplot", []string{"gorgonia.org/", module + "/build", "github.com/yalue/onnxruntime_go", module + "/runtime", module + "/export"}},
		// Beam workers run the exact engine and onnxruntime, not Gorgonia
		{"beamjob", []string{"gorgonia.org/", module + "/build"}},
		// the main kenn binary links no Beam, GCP, OpenTelemetry or docker
		// client: distributed runs are cmd/kenn-beam's
		{"cmd/kenn", []string{module + "/beamjob", "github.com/apache/beam/", "cloud.google.com/", "go.opentelemetry.io/", "github.com/docker/", "github.com/moby/"}},
		{"cmd/internal/cli", []string{module + "/beamjob", "github.com/apache/beam/", "cloud.google.com/", "go.opentelemetry.io/", "github.com/docker/", "github.com/moby/"}},
		// nothing but cmd/kenn-beam and beamjob pulls Beam in
		{"pairs", []string{"github.com/apache/beam/"}},
		{"runtime", []string{"github.com/apache/beam/"}},
		// the onnxruntime path never links the onnx-go backend (Gorgonia)
		{"runtime", []string{"github.com/owulveryck/onnx-go", module + "/runtime/onnxgo"}},
		// what both backends share (options, tiling, kNN merge, writers, the
		// Surface of matrices over the native kernel) is pure Go and neither
		// backend's: no onnxruntime, onnx-go or Gorgonia, no package of
		// runtime's but the kernel
		{"runtime/tiling", []string{"github.com/yalue/onnxruntime_go", "github.com/owulveryck/onnx-go", "gorgonia.org/", module + "/runtime", module + "/build", module + "/export", "github.com/apache/beam/"}},
		// the native segment-distance kernel both backends use is pure Go
		// (with Go assembly) and neither backend's: no onnxruntime, onnx-go,
		// Gorgonia, export or training
		{"runtime/segdist", []string{"github.com/yalue/onnxruntime_go", "github.com/owulveryck/onnx-go", "gorgonia.org/", module + "/runtime", module + "/build", module + "/export", "github.com/apache/beam/"}},
		// the onnx-go backend is pure Go: no onnxruntime (cgo; so not package runtime either), no training, no Beam
		{"runtime/onnxgo", []string{"github.com/yalue/onnxruntime_go", module + "/build", "github.com/apache/beam/"}},
		{"cmd/kenn-purego", []string{"github.com/yalue/onnxruntime_go", module + "/build", "github.com/apache/beam/"}},
		// the browser site writer copies verified files: no runtime of its own
		{"runtime/web", []string{"github.com/yalue/onnxruntime_go", "github.com/owulveryck/onnx-go", "gorgonia.org/", module + "/build", module + "/runtime", "github.com/apache/beam/"}},
		// the file-safety helpers every writer uses: the standard library only
		{"internal/atomicfile", []string{module + "/", "github.com/", "gorgonia.org/", "golang.org/"}},
		{"internal/outpath", []string{module + "/build", module + "/runtime", module + "/export", module + "/pairs", module + "/dataset", "github.com/yalue/", "github.com/apache/", "gorgonia.org/", "golang.org/"}},
	}
	// the packages a rule's prefixes do not forbid: tiling's Surface runs
	// the native kernel both backends share
	except := map[string][]string{"runtime/tiling": {module + "/runtime/segdist"}}
	for _, r := range rules {
		for _, d := range deps(t, r.pkg) {
			if d == module+"/"+r.pkg {
				continue
			}
			if slices.Contains(except[r.pkg], d) {
				continue
			}
			for _, f := range r.forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s depends on %s, which the architecture rules forbid", r.pkg, d)
				}
			}
		}
	}
}

// The prefixes cmd/kenn must not link name real packages: kenn-beam, which
// runs the same commands on Beam, links each of them (so a rule above that
// named a misspelt path, and could never fail, fails here).
func TestKennBeamLinksWhatKennMustNot(t *testing.T) {
	ds := deps(t, "cmd/kenn-beam")
	for _, p := range []string{module + "/beamjob", "github.com/apache/beam/", "cloud.google.com/", "go.opentelemetry.io/", "github.com/docker/"} {
		found := false
		for _, d := range ds {
			found = found || strings.HasPrefix(d, p)
		}
		if !found {
			t.Errorf("cmd/kenn-beam links no package under %s: the rule of cmd/kenn naming it checks nothing", p)
		}
	}
}

// The packages that must build with CGO_ENABLED=0 link no package with cgo
// files (the standard library's runtime/cgo included); package runtime,
// which does, shows the check can fail.
func TestCgoFree(t *testing.T) {
	cgo := func(pkg string) []string {
		t.Helper()
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if .CgoFiles}}{{.ImportPath}}{{end}}", module+"/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	for _, pkg := range []string{"runtime/tiling", "runtime/segdist", "runtime/onnxgo", "cmd/kenn-purego"} {
		t.Run(pkg, func(t *testing.T) {
			if c := cgo(pkg); len(c) > 0 {
				t.Errorf("%s links packages with cgo files: %v", pkg, c)
			}
		})
	}
	if c := cgo("runtime"); len(c) == 0 {
		t.Error("package runtime links no package with cgo files: the check above checks nothing")
	}
}
