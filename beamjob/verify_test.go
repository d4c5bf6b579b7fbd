package beamjob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// swapFirstImages returns the IDX bytes with images 0 and 1 swapped: the
// same size, other pixels.
func swapFirstImages(t *testing.T, raw []byte) []byte {
	t.Helper()
	out := append([]byte(nil), raw...)
	const n = 28 * 28
	copy(out[16:16+n], raw[16+n:16+2*n])
	copy(out[16+n:16+2*n], raw[16:16+n])
	if string(out) == string(raw) {
		t.Fatal("the swap changed nothing")
	}
	return out
}

// Images rewritten after the driver planned the job (its header names the
// old SHA-256) are refused by the workers; the driver stops after the
// first failed pipeline with an error naming both hashes, and writes no
// output.
func TestPairsRefuseChangedImages(t *testing.T) {
	raw, err := os.ReadFile(testImages)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		rewrite func(t *testing.T, path string)
	}{
		{"in place, same size", func(t *testing.T, path string) {
			if err := os.WriteFile(path, swapFirstImages(t, raw), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"in place, modification time restored", func(t *testing.T, path string) {
			st, _ := os.Stat(path)
			if err := os.WriteFile(path, swapFirstImages(t, raw), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by rename", func(t *testing.T, path string) {
			tmp := path + ".new"
			if err := os.WriteFile(tmp, swapFirstImages(t, raw), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			images := filepath.Join(dir, "images-idx3-ubyte")
			if err := os.WriteFile(images, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			old, err := dataset.FileSHA256(images)
			if err != nil {
				t.Fatal(err)
			}
			job := PairsJob{Images: images, Sel: pairs.Selection{N: 40, Seed: 1}, Method: ot.NewSolver(),
				Out: filepath.Join(dir, "p.txt"), ShardSize: 10}
			job.beforePipeline = func(n int) {
				if n == 1 {
					c.rewrite(t, images)
				}
			}
			sum, err := RunPairs(context.Background(), job)
			if err == nil {
				t.Fatal("a job on rewritten images succeeded")
			}
			now, _ := dataset.FileSHA256(images)
			for _, want := range []string{"input changed since the job started", images, old, now} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			if !errors.Is(err, ErrChanged) {
				t.Errorf("error %v is not ErrChanged", err)
			}
			if sum.Pipelines != 1 {
				t.Errorf("%d pipelines, want 1 (no retry on changed input)", sum.Pipelines)
			}
			if _, err := os.Stat(job.Out); err == nil {
				t.Error("an output was written")
			}
			if done, _ := filepath.Glob(filepath.Join(job.Out+".shards", "shard-*")); len(done) > 0 {
				t.Errorf("%d shards were written from the rewritten images", len(done))
			}
		})
	}
}

// The worker's verifier hashes a file the first time it reads it, keeps
// the result while the file's status is unchanged, and hashes again after
// any change of size, modification time or inode.
func TestVerifier(t *testing.T) {
	raw, err := os.ReadFile(testImages)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "images-idx3-ubyte")
	os.WriteFile(path, raw, 0o644)
	sha, _ := dataset.FileSHA256(path)
	var v verifier
	got, err := v.readImages(path, sha, []int{1, 0})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := dataset.Load(testImages)
	if want := all.Subset([]int{1, 0}); string(f32bytes(got.Pix)) != string(f32bytes(want.Pix)) {
		t.Fatal("readImages read other pixels than dataset.Load")
	}
	if _, err := (&verifier{}).readImages(path, strings.Repeat("0", 64), []int{0}); !errors.Is(err, ErrChanged) {
		t.Fatalf("a wrong hash: %v", err)
	}
	// a later write, with a new modification time, is hashed again
	os.WriteFile(path, swapFirstImages(t, raw), 0o644)
	later := time.Now().Add(time.Hour)
	os.Chtimes(path, later, later)
	if _, err := v.readImages(path, sha, []int{0}); !errors.Is(err, ErrChanged) {
		t.Fatalf("a rewritten file after a verified read: %v", err)
	}
}

func f32bytes(v []float32) []byte {
	out := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b := int32(x)
		out = append(out, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
	}
	return out
}
