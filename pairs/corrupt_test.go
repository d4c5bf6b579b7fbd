package pairs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The corruption suite for pairs files and pair CSVs: every cut and every
// bit flip of a small valid file, each through the public reader and a
// real file. What is guaranteed, and asserted:
//
//   - a kenn pairs file cut anywhere is refused (a cut inside a line leaves
//     it without its newline; a cut at a line's end breaks the count);
//   - a flip is refused or changes at most one thing of what is read: one
//     header field, one index or one value (the values carry no checksum;
//     a changed images path or hash is caught by Header.CheckImages, a
//     changed method or selection by Header.Matches);
//   - pair CSVs have no count: a cut is refused or reads as a prefix of the
//     pairs whose last one may lose the end of its last field; a flip as
//     for pairs files.
//
// Every error names the file; no case may panic.

// fileDiff counts the header fields, indices and values in which a and b
// differ (-1 if they hold different numbers of pairs).
func fileDiff(a, b *File) int {
	if len(a.Pairs) != len(b.Pairs) {
		return -1
	}
	d := 0
	ha, hb := a.Header, b.Header
	for _, same := range []bool{ha.Images == hb.Images, ha.ImagesSHA == hb.ImagesSHA, ha.ImagesCount == hb.ImagesCount,
		ha.H == hb.H, ha.W == hb.W, ha.Method == hb.Method, ha.Selection == hb.Selection, ha.Count == hb.Count} {
		if !same {
			d++
		}
	}
	for k := range a.Pairs {
		if a.Pairs[k].I != b.Pairs[k].I {
			d++
		}
		if a.Pairs[k].J != b.Pairs[k].J {
			d++
		}
		if a.W2Sq[k] != b.W2Sq[k] {
			d++
		}
	}
	return d
}

func TestPairsCorruption(t *testing.T) {
	csvList := []byte("i,j\n3,4\n10,22\n7,1\n")
	cases := []struct {
		name    string
		good    []byte
		read    func(path string) (*File, error)
		counted bool // every cut must be refused
	}{
		{"pairs file", pairsFileBytes(3), ReadFile, true},
		{"value CSV", valueCSV(3), func(p string) (*File, error) { return ReadValueCSV(p, 50) }, false},
		{"ReadValues on a pairs file", pairsFileBytes(3), func(p string) (*File, error) { f, _, err := ReadValues(p, 50); return f, err }, true},
		{"pair list", csvList, func(p string) (*File, error) {
			ps, err := ReadPairList(p, 50)
			return &File{Pairs: ps, W2Sq: make([]float64, len(ps))}, err
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "in.txt")
			put := func(b []byte) {
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			put(tc.good)
			orig, err := tc.read(p)
			if err != nil {
				t.Fatalf("the valid file: %v", err)
			}
			for n := 0; n < len(tc.good); n++ {
				put(tc.good[:n])
				got, err := tc.read(p)
				if err != nil {
					if !strings.Contains(err.Error(), p) {
						t.Fatalf("cut at %d: %q does not name the file", n, err)
					}
					continue
				}
				if tc.counted {
					t.Fatalf("cut at %d of %d: accepted %d pairs", n, len(tc.good), len(got.Pairs))
				}
				if len(got.Pairs) > len(orig.Pairs) {
					t.Fatalf("cut at %d: %d pairs from %d", n, len(got.Pairs), len(orig.Pairs))
				}
				last := len(got.Pairs) - 1
				for k := range got.Pairs {
					g, o := got.Pairs[k], orig.Pairs[k]
					lastField := k == last && (got.W2Sq[k] != orig.W2Sq[k] || g.J != o.J && orig.W2Sq[k] == 0)
					if g.I != o.I || (g.J != o.J || got.W2Sq[k] != orig.W2Sq[k]) && !lastField {
						t.Fatalf("cut at %d: pair %d is %v %v, want %v %v", n, k, g, got.W2Sq[k], o, orig.W2Sq[k])
					}
				}
			}
			buf := make([]byte, len(tc.good))
			accepted := 0
			for i := range tc.good {
				for bit := 0; bit < 8; bit++ {
					copy(buf, tc.good)
					buf[i] ^= 1 << bit
					put(buf)
					got, err := tc.read(p)
					if err != nil {
						if !strings.Contains(err.Error(), p) {
							t.Fatalf("byte %d bit %d: %q does not name the file", i, bit, err)
						}
						continue
					}
					accepted++
					if d := fileDiff(orig, got); d < 0 || d > 1 {
						t.Fatalf("byte %d bit %d (%q): accepted with %d differences, want at most 1", i, bit, tc.good[i], d)
					}
				}
			}
			t.Logf("%d bytes: %d cuts, %d flips, %d flips accepted as documented", len(tc.good), len(tc.good), 8*len(tc.good), accepted)
		})
	}
}
