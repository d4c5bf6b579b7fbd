package build

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kenn-ot/kenn/models"
	"github.com/kenn-ot/kenn/pairs"
)

// TestTrainRecordsDomain: a trained checkpoint holds the domain of the
// images its training pairs use (each once), none of the validation's;
// fewer than models.MinDomainImages used images record none.
func TestTrainRecordsDomain(t *testing.T) {
	tr, va := testData(t, false)
	// Keep the pairs among the first 40 images only: 20 images stay unused.
	var kept []pairs.Pair
	var vals []float64
	for k, p := range tr.Pairs.Pairs {
		if p.I < 40 && p.J < 40 {
			kept, vals = append(kept, p), append(vals, tr.Pairs.W2Sq[k])
		}
	}
	f := *tr.Pairs
	f.Pairs, f.W2Sq = kept, vals
	tr.Pairs = &f
	out := filepath.Join(t.TempDir(), "naive.ckpt")
	c, err := Train(context.Background(), tiny(models.KindNaive), tr, va, Options{Epochs: 1, Batch: 16, Seed: 1, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 40)
	for i := range idx {
		idx[i] = i
	}
	sub := tr.Images.Subset(idx)
	want, err := models.NewDomain(sub.Pix, 40, 28, 28, "40 images of mnist-train-images-idx3-ubyte")
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
	for k, p := range kept {
		if p.I < 10 && p.J < 10 {
			few.Pairs, few.W2Sq = append(few.Pairs, p), append(few.W2Sq, vals[k])
		}
	}
	if d, err := TrainingDomain(Data{tr.Images, &few}); err != nil || d != nil || len(few.Pairs) == 0 {
		t.Errorf("%d pairs of 10 images: domain %v, %v; want none", len(few.Pairs), d, err)
	}
}
