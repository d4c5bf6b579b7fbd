package build

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// TestTrainRecordsDomain: a trained checkpoint holds the domain of the
// images its training pairs use (each once), none of the validation's;
// fewer than models.MinDomainImages used images record none.
func TestTrainRecordsDomain(t *testing.T) {
	_, va := testData(t, false)
	imgs, err := dataset.Load("../testdata/mnist-train-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	// 300 random pairs among the first 600 images: some stay unused.
	path := filepath.Join(t.TempDir(), "train.pairs")
	if _, err := pairs.Generate(context.Background(), imgs, pairs.Selection{N: 300, First: 600, Seed: 1}, path, pairs.Options{Method: ot.NewSolver()}); err != nil {
		t.Fatal(err)
	}
	f, err := pairs.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := Data{imgs, f}
	used := map[int]bool{}
	for _, p := range f.Pairs {
		used[p.I], used[p.J] = true, true
	}
	var idx []int
	for i := range imgs.N {
		if used[i] {
			idx = append(idx, i)
		}
	}
	if len(idx) < models.MinDomainImages || len(idx) >= 600 {
		t.Fatalf("%d images used", len(idx))
	}
	sub := imgs.Subset(idx)
	want, err := models.NewDomain(sub.Pix, sub.N, 28, 28, fmt.Sprintf("%d images of mnist-train-images-idx3-ubyte", len(idx)))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "naive.ckpt")
	c, err := Train(context.Background(), tiny(models.KindNaive), tr, va, Options{Epochs: 1, Batch: 16, Seed: 1, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := models.LoadCheckpoint(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*models.Domain{c.Domain, saved.Domain} {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("checkpoint domain %+v, want %+v", got, want)
		}
	}
	few := pairs.File{Header: f.Header}
	for k, p := range f.Pairs {
		if p.I < 300 && p.J < 300 {
			few.Pairs, few.W2Sq = append(few.Pairs, p), append(few.W2Sq, f.W2Sq[k])
		}
	}
	if d, err := TrainingDomain(Data{imgs, &few}); err != nil || d != nil || len(few.Pairs) == 0 {
		t.Errorf("%d pairs among 300 images: domain %v, %v; want none (under %d images)", len(few.Pairs), d, err, models.MinDomainImages)
	}
}
