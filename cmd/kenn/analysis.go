// The helpers the analysis commands share; each command is in its own
// file (wassmap.go, barycenter.go, interpolate.go, pga.go, plot.go).

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/cmd/internal/cli"
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/outpath"
	"github.com/kenn-ot/kenn/latent"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// loadModel opens an exported model (NAME.onnx) or a checkpoint, which is
// exported to a temporary folder first; close releases both.
func loadModel(path, device string, threads int) (m *runtime.Model, close func(), err error) {
	dir := ""
	if !strings.HasSuffix(path, ".onnx") {
		c, err := models.LoadCheckpoint(path)
		if err != nil {
			return nil, nil, err
		}
		if dir, err = os.MkdirTemp("", "kenn-export-"); err != nil {
			return nil, nil, err
		}
		path = filepath.Join(dir, string(c.Model.Kind)+".onnx")
		if _, err := export.WriteFiles(c, path); err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
	}
	rt, m, err := openModel(path, device, threads)
	if err != nil {
		if dir != "" {
			os.RemoveAll(dir)
		}
		return nil, nil, err
	}
	return m, func() {
		rt.Close()
		if dir != "" {
			os.RemoveAll(dir)
		}
	}, nil
}

// labelsFor returns --labels if given, else the labels beside the images
// (nil if none); their count must match n.
func labelsFor(path string, imgs *dataset.Images, n int) ([]int, error) {
	var labels []int
	if path != "" {
		l, err := dataset.ReadLabels(path)
		if err != nil {
			return nil, err
		}
		labels = l
	} else if imgs != nil {
		labels = imgs.Labels
	}
	if labels != nil && len(labels) != n {
		return nil, fmt.Errorf("%d labels (%s) for %d images", len(labels), path, n)
	}
	return labels, nil
}

func floatList(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// decoderFlags registers the flags shared by the decoder commands.
func decoderFlags(fs *flag.FlagSet) (model, images, out *string, zoom *int) {
	model = fs.String("model", "", "a dwe model with a decoder (NAME.onnx with NAME.decoder.onnx, or a checkpoint)")
	images = fs.String("images", "", "images")
	out = fs.String("o", "", "output PNG grid")
	zoom = fs.Int("zoom", 3, "magnification of each image in the grid")
	return
}

// checkDecoder adds the rules of decoderFlags' flags.
func checkDecoder(fs *flag.FlagSet) *checker {
	return check(fs).required("model", "images", "o").ints("zoom", 1, 64)
}

// openDecoder locks the output out against the model's files, images and
// the other inputs (each a flag and a path), loads the DWE model with its
// decoder and embeds the images; done releases the model and the lock.
func openDecoder(ctx context.Context, out, model, images string, inputs ...outpath.Path) (*runtime.Model, func(), *dataset.Images, dataset.Features, error) {
	unlock, err := guard(paths{arg("-o", out)}, plus(modelInput("--model", model), append(paths{arg("--images", images)}, inputs...))...)
	if err != nil {
		return nil, nil, nil, dataset.Features{}, err
	}
	m, release, err := loadModel(model, "cpu", 0)
	if err != nil {
		unlock()
		return nil, nil, nil, dataset.Features{}, err
	}
	done := func() { release(); unlock() }
	if !m.HasDecoder() {
		done()
		return nil, nil, nil, dataset.Features{}, fmt.Errorf("%s has no decoder: barycenters, interpolations and geodesics decode through DWE's ψ (a dwe model)", model)
	}
	imgs, err := dataset.Load(images)
	if err != nil {
		done()
		return nil, nil, nil, dataset.Features{}, err
	}
	if err := m.CheckImages(imgs); err != nil {
		done()
		return nil, nil, nil, dataset.Features{}, err
	}
	cli.ScreenImages(os.Stderr, m, imgs)
	f, err := m.Embed(ctx, imgs, tiling.EmbedOptions{})
	if err != nil {
		done()
		return nil, nil, nil, dataset.Features{}, err
	}
	return m, done, imgs, f, nil
}

func decodeRows(m *runtime.Model, rows [][]float32) ([][]float32, error) {
	d, err := m.Decode(dataset.Features{Data: latent.Flatten(rows), N: len(rows), F: m.F})
	if err != nil {
		return nil, err
	}
	hw := m.H * m.W
	out := make([][]float32, len(rows))
	for i := range out {
		out[i] = d[i*hw : (i+1)*hw]
	}
	return out, nil
}
