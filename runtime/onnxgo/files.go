package onnxgo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// Open loads a model for the onnx-go backend from path: any file of an
// exported set whose onnx-go profile was written beside it (Load), or a
// checkpoint (.ckpt), whose onnx-go profile is exported to a temporary
// folder first and removed once loaded (the model holds the verified
// bytes).
func Open(path string) (*Model, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with options (LoadWith).
func OpenWith(path string, opt Options) (*Model, error) {
	if !strings.HasSuffix(path, ".ckpt") {
		if !strings.HasSuffix(path, ".onnx") {
			return nil, fmt.Errorf("onnxgo: --model %s: want an exported model (NAME.onnx with its onnx-go profile NAME.onnxgo.onnx) or a checkpoint (.ckpt)", path)
		}
		return LoadWith(path, opt)
	}
	c, err := models.LoadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kenn-onnxgo-")
	if err != nil {
		return nil, fmt.Errorf("onnxgo: %w", err)
	}
	defer os.RemoveAll(dir)
	onnx := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".ckpt")+".onnx")
	if _, err := export.WriteOnnxGoFiles(c, onnx); err != nil {
		return nil, fmt.Errorf("onnxgo: %s: %w", path, err)
	}
	return LoadWith(onnx, opt)
}

// EmbedImages loads the images at path and embeds them ([N, m.F]). When
// they lie off the model's training domain (Screen, models.Screening.Off),
// a warning naming path goes to warn unless it is nil.
func (m *Model) EmbedImages(ctx context.Context, path string, warn io.Writer) (dataset.Features, error) {
	imgs, err := dataset.Load(path)
	if err != nil {
		return dataset.Features{}, err
	}
	if err := m.CheckImages(imgs); err != nil {
		return dataset.Features{}, err
	}
	if r, ok := m.Screen(imgs); ok && r.Off() && warn != nil {
		fmt.Fprintf(warn, "WARNING: %s: %s\n", path, r.Warning())
	}
	return m.Embed(ctx, imgs, tiling.EmbedOptions{})
}
