//go:build unix

package outpath

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Lock is a held lock file .NAME.lock beside an output NAME: an
// exclusive flock(2), released by the kernel when the process dies (a
// kill -9 leaves the file, which the next run takes over), with the
// holder's pid inside for the error of a second process.
type Lock struct {
	f    *os.File
	path string
}

// LockPath is the lock file of an output path.
func LockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// Acquire locks the output o, or fails naming the process holding it.
func Acquire(o Path) (*Lock, error) {
	lp := LockPath(o.Path)
	for {
		f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("outpath: %s: lock file: %w", o, err)
		}
		if err := flock(f); err != nil {
			holder := "unknown"
			if b, rerr := io.ReadAll(io.LimitReader(f, 32)); rerr == nil && len(strings.TrimSpace(string(b))) > 0 {
				holder = strings.TrimSpace(string(b))
			}
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, fmt.Errorf("outpath: %s is being written by another process (pid %s, lock file %s); wait for it to end or stop it", o, holder, lp)
			}
			return nil, fmt.Errorf("outpath: %s: locking %s: %w", o, lp, err)
		}
		// The holder may have removed the file between our open and our
		// flock: then we hold a lock on a deleted file; start over.
		st1, err1 := f.Stat()
		st2, err2 := os.Stat(lp)
		if err1 != nil || err2 != nil || !os.SameFile(st1, st2) {
			f.Close()
			continue
		}
		pid := strconv.Itoa(os.Getpid()) + "\n"
		// best effort: the pid only names the holder in a second
		// writer's refusal, the lock itself is the flock
		if f.Truncate(0) == nil {
			f.WriteAt([]byte(pid), 0)
		}
		return &Lock{f: f, path: lp}, nil
	}
}

func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// Release removes the lock file and unlocks it (removal first, while
// locked, so that no other process can lock a file about to vanish).
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(l.path)
	l.f.Close()
	l.f = nil
}
