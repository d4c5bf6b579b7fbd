// Package web writes kenn's browser deployment (kenn web): a static site
// where a visitor picks or draws an image and sees its nearest neighbours
// by the model's W2, computed in the browser by onnxruntime-web (wasm,
// one thread, so no cross-origin isolation: any static host serves it).
//
// A site is a folder:
//
//	index.html, kenn-web.js   the page (embedded in kenn, assets/)
//	site.json                 the model's kind, target and units, the images' count and size, labels
//	NAME.onnx                 the embedding (images → features), verified bytes of the set
//	NAME.pairwise.onnx        the distances (a, b → distances)
//	images.f32                the images, float32 little-endian [N, H, W], as kenn reads them
//	ort/                      onnxruntime-web's ort.wasm.min.mjs, ort-wasm-simd-threaded.mjs and .wasm
//
// The page embeds every image once on load, then each query is one run
// of the pairwise graph against all of them; the neighbours are ranked as
// kenn knn ranks them (nearest first, ties by lower index), with the
// distances in the model's unit (W2 in pixels, or W2² in pixels² for a
// dwe model). The site is written into a temporary folder beside the
// output and renamed into place, so a failed run leaves no half site; an
// existing site of kenn web is replaced, any other folder is refused.
//
// The package imports neither Gorgonia nor onnxruntime: it only copies
// verified files (internal/archtest).
package web

import (
	"embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
)

//go:embed assets
var assets embed.FS

// OrtFiles are the onnxruntime-web files a site needs, from the
// package's dist/ folder: the wasm build's module, its Emscripten glue
// (served as JavaScript) and the wasm binary (SIMD; threads unused).
var OrtFiles = []string{"ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"}

// OrtVersion is the onnxruntime-web release the page is written for (the
// one make web-deps installs).
const OrtVersion = "1.30.0"

// OrtEnv names the onnxruntime-web package folder when --ort-web is not given.
const OrtEnv = "KENN_ORT_WEB"

// Options says what to put in a site.
type Options struct {
	Model  string // NAME.onnx, or any file of its set
	Images string // the images to search (any format dataset.Load reads)
	OrtWeb string // the onnxruntime-web package folder (with dist/); "" looks in OrtCandidates
	Out    string // the site folder
	K      int    // neighbours shown (default 10)
	Title  string // the page's title (default: the model file's name)
}

// Site is what Build wrote.
type Site struct {
	Dir              string
	Model            string
	Kind             string
	Target, Units    string
	N, H, W, F       int
	OrtDir, OrtVer   string
	Files            []string // relative to Dir
	ImageBytes, Size int64
	// Screening places the site's images against the model's training
	// domain (nil when the model records none): Off says they lie off
	// it, and the neighbours the site shows may be wrong.
	Screening *models.Screening
}

// manifest is site.json.
type manifest struct {
	Generator string `json:"generator"`
	Title     string `json:"title"`
	Model     string `json:"model"`
	Pairwise  string `json:"pairwise"`
	ModelID   string `json:"model_id"`
	Kind      string `json:"kind"`
	Target    string `json:"target"`
	Units     string `json:"units"`
	Images    string `json:"images"`
	N         int    `json:"n"`
	H         int    `json:"h"`
	W         int    `json:"w"`
	F         int    `json:"f"`
	K         int    `json:"k"`
	Labels    []int  `json:"labels"`
	Ort       string `json:"ort_version"`
}

const generator = "kenn web"

// Units names the distances of a model's target.
func Units(target string) string {
	if target == models.TargetW2Sq {
		return "W2² (pixels²)"
	}
	return "W2 (pixels)"
}

// OrtCandidates are the folders tried for onnxruntime-web, in order: the
// explicit one (only it, if given), $KENN_ORT_WEB, .cache/web/... under
// the working folder and beside the kenn binary's folder (make web-deps
// puts it there).
func OrtCandidates(explicit string) []string {
	if explicit != "" {
		return []string{explicit}
	}
	var c []string
	if v := os.Getenv(OrtEnv); v != "" {
		c = append(c, v)
	}
	rel := filepath.Join(".cache", "web", "node_modules", "onnxruntime-web")
	c = append(c, rel)
	if exe, err := os.Executable(); err == nil {
		c = append(c, filepath.Join(filepath.Dir(filepath.Dir(exe)), rel))
	}
	return c
}

// findOrt returns the dist folder and version of the first candidate
// that holds the three files.
func findOrt(explicit string) (dist, version string, err error) {
	var tried []string
	for _, c := range OrtCandidates(explicit) {
		d := filepath.Join(c, "dist")
		ok := true
		for _, f := range OrtFiles {
			if st, err := os.Stat(filepath.Join(d, f)); err != nil || !st.Mode().IsRegular() {
				ok = false
				break
			}
		}
		if !ok {
			tried = append(tried, c)
			continue
		}
		var pkg struct{ Version string }
		if raw, err := os.ReadFile(filepath.Join(c, "package.json")); err == nil {
			json.Unmarshal(raw, &pkg)
		}
		return d, pkg.Version, nil
	}
	return "", "", fmt.Errorf("web: onnxruntime-web not found (looked in %s for dist/%s): run `make web-deps`, or `npm install onnxruntime-web@%s` and pass its node_modules/onnxruntime-web with --ort-web (or %s)",
		strings.Join(tried, ", "), strings.Join(OrtFiles, ", "), OrtVersion, OrtEnv)
}

// Build writes the site of opt.
func Build(opt Options) (*Site, error) {
	if opt.K == 0 {
		opt.K = 10
	}
	if opt.K < 1 {
		return nil, fmt.Errorf("web: k = %d: want at least 1", opt.K)
	}
	if opt.Out == "" {
		return nil, errors.New("web: no output folder")
	}
	path := export.MainOf(opt.Model)
	set, err := export.ReadSet(path)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	meta, err := set.Main.ImageMeta()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	_, pwPath, _ := export.Paths(path)
	pw := set.File(pwPath)
	if pw == nil {
		return nil, fmt.Errorf("web: %s: missing (kenn export writes it beside %s)", pwPath, path)
	}
	imgs, err := dataset.Load(opt.Images)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if imgs.H != meta.H || imgs.W != meta.W {
		return nil, fmt.Errorf("web: %s: images of %dx%d pixels, the model %s takes %dx%d", opt.Images, imgs.H, imgs.W, path, meta.H, meta.W)
	}
	for i := 0; i < imgs.N; i++ {
		var mass float64
		for _, v := range imgs.Row(i) {
			if v < 0 || math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("web: %s: image %d has a pixel %g (want finite, non-negative intensities)", opt.Images, i, v)
			}
			mass += float64(v)
		}
		if mass == 0 {
			return nil, fmt.Errorf("web: %s: image %d is all zero (no mass, no W2 distance)", opt.Images, i)
		}
	}
	var screen *models.Screening
	if d := meta.Domain; d != nil {
		r := d.Screen(imgs.Pix, imgs.N, imgs.H, imgs.W)
		screen = &r
	}
	dist, ver, err := findOrt(opt.OrtWeb)
	if err != nil {
		return nil, err
	}
	inputs := [][2]string{{"--images", opt.Images}, {"--model", set.Main.Path}}
	for _, f := range set.Siblings {
		inputs = append(inputs, [2]string{"--model (sibling " + filepath.Base(f.Path) + ")", f.Path})
	}
	if err := checkOut(opt.Out, inputs); err != nil {
		return nil, err
	}
	title := opt.Title
	if title == "" {
		title = strings.TrimSuffix(filepath.Base(path), ".onnx") + ": nearest neighbours by W2"
	}
	base := filepath.Base(path)
	man := manifest{
		Generator: generator, Title: title, Model: base, Pairwise: filepath.Base(pwPath), ModelID: set.Main.ModelID(),
		Kind: string(meta.Kind), Target: meta.Target, Units: Units(meta.Target), Images: "images.f32",
		N: imgs.N, H: imgs.H, W: imgs.W, F: meta.F, K: min(opt.K, imgs.N), Labels: imgs.Labels, Ort: ver,
	}
	js, err := json.MarshalIndent(man, "", " ")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	pix := make([]byte, 4*len(imgs.Pix))
	for i, v := range imgs.Pix {
		binary.LittleEndian.PutUint32(pix[4*i:], math.Float32bits(v))
	}
	files := map[string][]byte{
		"site.json":  append(js, '\n'),
		base:         set.Main.Raw,
		man.Pairwise: pw.Raw,
		man.Images:   pix,
	}
	page, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, err
	}
	if err := fs.WalkDir(page, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(page, p)
		files[p] = b
		return err
	}); err != nil {
		return nil, fmt.Errorf("web: the page's assets: %w", err)
	}
	site := &Site{Dir: opt.Out, Model: path, Kind: string(meta.Kind), Target: meta.Target, Units: man.Units,
		N: imgs.N, H: imgs.H, W: imgs.W, F: meta.F, OrtDir: dist, OrtVer: ver, ImageBytes: int64(len(pix)), Screening: screen}
	if err := writeSite(opt.Out, files, dist, site); err != nil {
		return nil, err
	}
	return site, nil
}
