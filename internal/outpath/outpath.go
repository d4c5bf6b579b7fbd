// Package outpath guards the outputs of a job before it starts: an output
// must not be a folder or any of the job's inputs, its folder must exist
// and be writable, and only one process at a time may write it.
//
// Prepare does all of this in one call: Check, then a lock file beside the
// first output (Lock), then the removal of stale temporary files that
// killed runs of the same job left beside each output
// (atomicfile.CleanStale).
package outpath

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// Path is a file a job reads or writes, with the flag that named it (for
// errors: "-o", "--images", "--model (sibling NAME.pairwise.onnx)").
type Path struct {
	Flag string
	Path string
}

// P builds a Path.
func P(flag, path string) Path { return Path{Flag: flag, Path: path} }

// Paths lists the same flag for several paths (positional members).
func Paths(flag string, paths ...string) []Path {
	out := make([]Path, len(paths))
	for i, p := range paths {
		out[i] = Path{Flag: flag, Path: p}
	}
	return out
}

func (p Path) String() string { return p.Flag + " " + p.Path }

// sameFile reports whether a and b name the same file: the same file on
// disk (os.SameFile: links, ./x and x, a symlink to it) or, when neither
// exists yet, the same cleaned absolute path.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// Check refuses outputs that would destroy an input or that cannot be
// written, before any work: each output (empty paths are skipped) must
// not be an existing folder, not be any input (compared with os.SameFile
// on existing files, and by path otherwise), not be another output, and
// its folder must exist and take a new file (the output's temporary
// file is created and removed).
func Check(outputs, inputs []Path) error {
	var outs []Path
	for _, o := range outputs {
		if o.Path != "" {
			outs = append(outs, o)
		}
	}
	for k, o := range outs {
		if st, err := os.Stat(o.Path); err == nil && st.IsDir() {
			return fmt.Errorf("outpath: %s is a folder; give a file name", o)
		}
		for _, in := range inputs {
			if in.Path == "" || !sameFile(o.Path, in.Path) {
				continue
			}
			if o.Path == in.Path {
				return fmt.Errorf("outpath: %s is also the input %s: refusing to overwrite an input", o, in)
			}
			return fmt.Errorf("outpath: %s is the same file as the input %s: refusing to overwrite an input", o, in)
		}
		for _, o2 := range outs[:k] {
			if sameFile(o.Path, o2.Path) {
				return fmt.Errorf("outpath: %s and %s are the same file", o2, o)
			}
		}
		if err := writable(o); err != nil {
			return err
		}
	}
	return nil
}

// writable checks that the folder of o exists and takes a new file.
func writable(o Path) error {
	dir := filepath.Dir(o.Path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("outpath: %s: the folder %s does not exist", o, dir)
	case err != nil:
		return fmt.Errorf("outpath: %s: %w", o, err)
	case !st.IsDir():
		return fmt.Errorf("outpath: %s: %s is not a folder", o, dir)
	}
	// the job's own temporary file, at once discarded: a process killed
	// in between leaves a stale temporary file that CleanStale knows
	f, err := atomicfile.Create(o.Path)
	if err != nil {
		return fmt.Errorf("outpath: %s: cannot create a file in %s: %w", o, dir, err)
	}
	f.Abort()
	return nil
}

// Guard holds the lock of a prepared job until Release.
type Guard struct {
	lock *Lock
}

// Prepare checks the outputs against the inputs (Check), locks the first
// output (Lock) and removes the stale temporary files of killed runs
// beside every output. Call Release when the job ends.
func Prepare(outputs, inputs []Path) (*Guard, error) {
	if err := Check(outputs, inputs); err != nil {
		return nil, err
	}
	g := &Guard{}
	for _, o := range outputs {
		if o.Path == "" {
			continue
		}
		if g.lock == nil {
			l, err := Acquire(o)
			if err != nil {
				return nil, err
			}
			g.lock = l
		}
		if _, err := atomicfile.CleanStale(o.Path); err != nil {
			g.Release()
			return nil, fmt.Errorf("outpath: %s: %w", o, err)
		}
	}
	return g, nil
}

// Release unlocks the job's output; a nil Guard is fine.
func (g *Guard) Release() {
	if g != nil && g.lock != nil {
		g.lock.Release()
		g.lock = nil
	}
}
