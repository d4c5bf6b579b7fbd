package runtime

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// InstallLibrary copies the onnxruntime library src into dir (created if
// needed) as libonnxruntime.so.1, atomically, and returns its new path.
func InstallLibrary(src, dir string) (string, error) {
	dst := filepath.Join(dir, LibraryName)
	return dst, InstallFile(src, dst, 0o644)
}

// InstallFile copies src to dst (its folder created if needed), writing a
// temporary file renamed into place, with the given permissions. Copying
// a file onto itself is a no-op.
func InstallFile(src, dst string, perm os.FileMode) error {
	if a, err := os.Stat(src); err != nil {
		return fmt.Errorf("runtime: install: %w", err)
	} else if b, err := os.Stat(dst); err == nil && os.SameFile(a, b) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("runtime: install: %w", err)
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("runtime: install: %w", err)
	}
	defer in.Close()
	if err := atomicfile.WriteFile(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	}); err != nil {
		return fmt.Errorf("runtime: install %s: %w", dst, err)
	}
	if err := os.Chmod(dst, perm); err != nil {
		return fmt.Errorf("runtime: install: %w", err)
	}
	return nil
}
