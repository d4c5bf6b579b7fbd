package tiling

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Writer's file equals WriteNPY of the same matrix assembled in
// memory, byte for byte, for all-pairs (mirrored) and rectangular
// matrices, whatever the tile size, and leaves no temporary file.
func TestWriterEqualsWriteNPY(t *testing.T) {
	cases := []struct {
		name         string
		na, nb, tile int
		sym          bool
	}{
		{"sym-even", 12, 12, 4, true},
		{"sym-ragged", 13, 13, 5, true},
		{"sym-one-tile", 7, 7, 16, true},
		{"rect", 9, 14, 4, false},
		{"rect-ragged", 17, 3, 5, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			val := func(i, j int) float32 { return float32(i*1000+j) + 0.25 }
			if tc.sym {
				val = func(i, j int) float32 {
					if i == j {
						return 0
					}
					return float32(min(i, j)*1000+max(i, j)) + 0.5
				}
			}
			want := make([]float32, tc.na*tc.nb)
			for i := 0; i < tc.na; i++ {
				for j := 0; j < tc.nb; j++ {
					want[i*tc.nb+j] = val(i, j)
				}
			}
			dir := t.TempDir()
			ref, got := filepath.Join(dir, "ref.npy"), filepath.Join(dir, "got.npy")
			if err := WriteNPY(ref, tc.na, tc.nb, want); err != nil {
				t.Fatal(err)
			}
			w, err := NewWriter(got, tc.na, tc.nb, tc.sym)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range (Grid{Rows: tc.na, Cols: tc.nb, Side: tc.tile, Sym: tc.sym}).Tiles() {
				i, j, ni, nj := g.I, g.J, g.NI, g.NJ
				vals := make([]float32, ni*nj)
				for r := 0; r < ni; r++ {
					for c := 0; c < nj; c++ {
						vals[r*nj+c] = val(i+r, j+c)
					}
				}
				if err := w.Put(g, vals); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(ref)
			b, _ := os.ReadFile(got)
			if !bytes.Equal(a, b) {
				t.Fatalf("Writer wrote %d bytes that differ from WriteNPY's %d", len(b), len(a))
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 2 {
				t.Fatalf("left in the folder: %v", ents)
			}
		})
	}
}

// A tile outside the matrix is an error, not a write elsewhere.
func TestWriterRefusesOutOfRange(t *testing.T) {
	w, err := NewWriter(filepath.Join(t.TempDir(), "m.npy"), 4, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.Put(Tile{I: 2, J: 2, NI: 3, NJ: 2}, make([]float32, 6)); err == nil {
		t.Fatal("a 3-row tile at row 2 of 4 rows was accepted")
	}
}

// On a full file system (a 256 KiB tmpfs) a matrix that does not fit is
// an error naming ENOSPC at creation, before any tile, with no SIGBUS and
// no temporary file left. Needs root (mount).
func TestWriterFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (the fault suite runs as root in CI)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount -t tmpfs not permitted here: %v: %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	path := filepath.Join(dir, "big.npy")
	w, err := NewWriter(path, 400, 400, true) // 640 KB
	if err == nil {
		w.Abort()
		t.Fatal("a 640 KB matrix was accepted on a 256 KiB file system")
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error %v does not wrap ENOSPC", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left on the file system: %v", ents)
	}
	// one that fits is written whole
	w, err = NewWriter(path, 100, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Put(Tile{NI: 100, NJ: 100}, make([]float32, 100*100)); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}
