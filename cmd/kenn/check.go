package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/export"
	"github.com/kenn-ot/kenn/internal/sidecar"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/pairs"
	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/hybrid"
)

// checkFlag registers --check N: N random pairs of this run's images
// solved exactly and compared with the model (runtime/hybrid.Check).
func checkFlag(fs *flag.FlagSet) *int {
	return fs.Int("check", 0, "solve this many random pairs of these images exactly and compare them with the model; warns when its error is well above what its card promises (0: no check)")
}

// runCheck runs the check of --check and prints its report, and its
// warning if any, to stderr. imagesB and fb are empty for one collection.
func runCheck(ctx context.Context, m *runtime.Model, imagesA string, fa []float32, imagesB string, fb []float32, n int) error {
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
	r, err := hybrid.Check(ctx, m, m.Path, a, fa, b, fb, hybrid.CheckOptions{Pairs: n, Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, r.Report())
	if r.Warning != "" {
		fmt.Fprintln(os.Stderr, "WARNING: "+r.Warning)
	}
	return nil
}

// rerankNeighbors re-ranks the model's candidates by exact W2 (pixels).
func rerankNeighbors(ctx context.Context, indexPath, queryPath string, cands [][]runtime.Neighbor, k int) ([][]runtime.Neighbor, error) {
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

// writeModelSidecar writes the sidecar of a .npy of a model's distances
// (values "" from the model's target) or features.
func writeModelSidecar(npy, model, values string, rows, cols int, images ...string) error {
	s := sidecar.Sidecar{Values: values, Rows: rows, Cols: cols, Model: model, Kenn: export.Version}
	for _, im := range images {
		if im != "" {
			s.Images = append(s.Images, im)
		}
	}
	target := ""
	if strings.HasSuffix(model, ".ckpt") {
		c, err := models.LoadCheckpoint(model)
		if err != nil {
			return err
		}
		target = c.Model.Target
	} else {
		f, err := export.ReadModel(runtime.MainPath(model))
		if err != nil {
			return err
		}
		target, s.ModelID = f.Meta["kenn.target"], f.ModelID()
	}
	if s.Values == "" {
		s.Values = sidecar.W2
		if target == models.TargetW2Sq {
			s.Values = sidecar.W2Sq
		}
	}
	return sidecar.Write(npy, s)
}
