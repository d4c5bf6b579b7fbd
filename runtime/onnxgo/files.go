package onnxgo

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/npyfile"
	"github.com/kenn-ot/kenn/models"
)

// Open loads a model for the onnx-go backend from path: any file of an
// exported set whose onnx-go profile was written beside it (Load), or a
// checkpoint (.ckpt), whose onnx-go profile is exported to a temporary
// folder first and removed once loaded (the model holds the verified
// bytes).
func Open(path string) (*Model, error) {
	if !strings.HasSuffix(path, ".ckpt") {
		if !strings.HasSuffix(path, ".onnx") {
			return nil, fmt.Errorf("onnxgo: --model %s: want an exported model (NAME.onnx with its onnx-go profile NAME.onnxgo.onnx) or a checkpoint (.ckpt)", path)
		}
		return Load(path)
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
	return Load(onnx)
}

// EmbedImages loads the images at path and embeds them; it returns the
// features [N, F] and N.
func (m *Model) EmbedImages(ctx context.Context, path string) ([]float32, int, error) {
	imgs, err := dataset.Load(path)
	if err != nil {
		return nil, 0, err
	}
	f, err := m.Embed(ctx, imgs, DefaultBatch)
	return f, imgs.N, err
}

// npyHeader is a NumPy 1.0 header for a C-ordered float32 matrix, the
// same bytes as package runtime writes.
func npyHeader(rows, cols int) []byte { return npyfile.Header("<f4", rows, cols) }

// WriteNPY writes a row-major float32 matrix as .npy, atomically.
func WriteNPY(path string, rows, cols int, v []float32) error {
	if len(v) != rows*cols {
		return fmt.Errorf("onnxgo: %s: %d values for %d×%d", path, len(v), rows, cols)
	}
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.Write(npyHeader(rows, cols))
		var b [4]byte
		for _, x := range v {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			bw.Write(b[:])
		}
		return bw.Flush()
	})
}

// WriteKNN writes neighbours as CSV query,rank,index,distance (the
// model's distance, kenn.target), as kenn knn does, to w.
func WriteKNN(w io.Writer, nbs [][]Neighbor) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "query,rank,index,distance")
	for qi, list := range nbs {
		for r, nb := range list {
			fmt.Fprintf(bw, "%d,%d,%d,%.9g\n", qi, r+1, nb.Index, nb.Distance)
		}
	}
	return bw.Flush()
}
