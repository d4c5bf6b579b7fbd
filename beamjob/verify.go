package beamjob

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/kenn-ot/kenn/dataset"
)

// ErrChanged marks a worker's refusal of an input file whose bytes are no
// longer those the job was planned on (its SHA-256 differs from the one in
// the job's manifest).
var ErrChanged = errors.New("beamjob: input changed since the job started")

// verifier checks, in a worker, that an images file still holds the bytes
// the driver planned the job on: its SHA-256 is computed the first time a
// DoFn instance reads the file (so at least once in every worker process)
// and again whenever its size, modification time or inode differ from
// those of the last verified read. A file rewritten while a shard reads it
// is caught by a second look at its status after the read.
type verifier struct {
	mu sync.Mutex
	ok map[string]os.FileInfo // path → status when its hash last matched
}

func sameStamp(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// check verifies the regular file path against want (a hex SHA-256) and
// returns the status of the verified file.
func (v *verifier) check(path, want string, st os.FileInfo) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ok == nil {
		v.ok = map[string]os.FileInfo{}
	}
	if prev, ok := v.ok[path]; ok && sameStamp(prev, st) {
		return nil
	}
	delete(v.ok, path)
	got, err := dataset.FileSHA256(path)
	if err != nil {
		return fmt.Errorf("beamjob: worker: %w", err)
	}
	if got != want {
		return changed(path, got, want)
	}
	// a second look: the file did not change while it was hashed
	if st2, err := os.Stat(path); err != nil {
		return fmt.Errorf("beamjob: worker: %w", err)
	} else if !sameStamp(st, st2) {
		return fmt.Errorf("%w: %s was modified while its sha256 was checked", ErrChanged, path)
	}
	v.ok[path] = st
	return nil
}

func changed(path, got, want string) error {
	return fmt.Errorf("%w: %s has sha256 %s, the job's manifest names %s; rerun the job on unchanged images", ErrChanged, path, got, want)
}

// readImages reads images idx of path (dataset.ReadImagesAt) after
// verifying that its SHA-256 is want, and checks that the file did not
// change during the read. A folder of PNGs is read whole, and the hash of
// the bytes read is compared.
func (v *verifier) readImages(path, want string, idx []int) (*dataset.Images, error) {
	if want == "" {
		panic("beamjob: readImages without the images' sha256")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("beamjob: worker: %w", err)
	}
	if st.IsDir() {
		all, err := dataset.Load(path)
		if err != nil {
			return nil, fmt.Errorf("beamjob: worker: %w", err)
		}
		if all.SHA256 != want {
			return nil, changed(path, all.SHA256, want)
		}
		for _, i := range idx {
			if i < 0 || i >= all.N {
				return nil, fmt.Errorf("beamjob: worker: %s: image %d: the folder has %d images", path, i, all.N)
			}
		}
		return all.Subset(idx), nil
	}
	if err := v.check(path, want, st); err != nil {
		return nil, err
	}
	imgs, err := dataset.ReadImagesAt(path, idx)
	if err != nil {
		return nil, fmt.Errorf("beamjob: worker: %w", err)
	}
	after, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("beamjob: worker: %w", err)
	}
	if !sameStamp(st, after) {
		v.mu.Lock()
		delete(v.ok, path)
		v.mu.Unlock()
		return nil, fmt.Errorf("%w: %s was modified while a shard read it", ErrChanged, path)
	}
	return imgs, nil
}

// unchanged is the driver's check, after a failed pipeline, that path
// still has the hash want: a worker that found it changed failed its
// shard, and resubmitting would fail again.
func unchanged(path, want string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("beamjob: %w", err)
	}
	var got string
	if st.IsDir() {
		all, err := dataset.Load(path)
		if err != nil {
			return fmt.Errorf("beamjob: %w", err)
		}
		got = all.SHA256
	} else if got, err = dataset.FileSHA256(path); err != nil {
		return fmt.Errorf("beamjob: %w", err)
	}
	if got != want {
		return changed(path, got, want)
	}
	return nil
}

// abs makes a path absolute for the workers, which need not run in the
// driver's folder (a portable runner's workers start in their own); a
// path that has no absolute form is passed as it is ("" stays "").
func abs(path string) string {
	if path == "" {
		return ""
	}
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}
