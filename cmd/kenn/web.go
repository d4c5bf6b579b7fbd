package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/internal/outpath"
	"github.com/kenn-ot/kenn/runtime/web"
)

// runWeb writes a static site (package runtime/web) where a visitor picks
// or draws an image and sees its nearest neighbours by the model's W2,
// computed in the browser by onnxruntime-web.
func runWeb(ctx context.Context, args []string) error {
	fs := newFlags("web", "--model M.onnx --images FILE -o SITE/ [-k 10] [--ort-web DIR]")
	model := fs.String("model", "", "exported model (NAME.onnx or any file of its set; the default profile)")
	images := fs.String("images", "", "the images a visitor searches (IDX, .npy, PNG folder: anything kenn reads)")
	out := fs.String("o", "", "the site folder: a new or empty folder, or a site kenn web wrote (replaced whole)")
	k := fs.Int("k", 10, "neighbours shown per query")
	ortWeb := fs.String("ort-web", "", "onnxruntime-web's package folder (with dist/); default $"+web.OrtEnv+", then .cache/web/node_modules/onnxruntime-web (make web-deps)")
	title := fs.String("title", "", "the page's title (default: NAME: nearest neighbours by W2)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := check(fs).required("model", "images", "o").ints("k", 1, math.MaxInt).err(); err != nil {
		return err
	}
	// one writer at a time; the folder checks (not an input, not a
	// folder kenn web did not write) are web.Build's
	*out = filepath.Clean(*out)
	if st, err := os.Stat(filepath.Dir(*out)); err == nil && st.IsDir() {
		lock, err := outpath.Acquire(outpath.P("-o", *out))
		if err != nil {
			return err
		}
		defer lock.Release()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	site, err := web.Build(web.Options{Model: *model, Images: *images, OrtWeb: *ortWeb, Out: *out, K: *k, Title: *title})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d images of %dx%d, %s model (%d features), distances in %s; %d files, %.1f MB (onnxruntime-web %s from %s)\n",
		site.Dir, site.N, site.H, site.W, site.Kind, site.F, site.Units, len(site.Files), float64(site.Size)/1e6, site.OrtVer, site.OrtDir)
	if r := site.Screening; r != nil && r.Off() {
		fmt.Fprintf(os.Stderr, "WARNING: %s: %s\n", *images, r.Warning())
	}
	fmt.Fprintf(os.Stderr, "serve it from any static host, e.g. python3 -m http.server -d %s, and open index.html\n", site.Dir)
	return nil
}
