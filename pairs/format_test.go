package pairs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// pairsFileBytes is a complete kenn pairs file of n pairs over 50 images,
// written with the package's own Header.Write and FormatValue.
func pairsFileBytes(n int) []byte {
	var b bytes.Buffer
	h := Header{Images: "imgs.idx", ImagesSHA: "ab12", ImagesCount: 50, H: 28, W: 28, Method: "exact", Selection: "list x", Count: n}
	h.Write(&b)
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "%d,%d,%s\n", k%50, (k*7+1)%50, FormatValue(float64(k)/3+0.1))
	}
	return b.Bytes()
}

// valueCSV is a CSV i,j,w2sq of n pairs, as `kenn w2` writes it.
func valueCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("i,j,w2sq\n")
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "%d,%d,%s\n", k%50, (k*3+2)%50, FormatValue(float64(k)*1.5))
	}
	return b.Bytes()
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fifo serves data once through a named pipe.
func fifo(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	go func() {
		if w, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
			w.Write(data)
			w.Close()
		}
	}()
	return p
}

// Issue 12: `kenn eval --pairs <(cut …)` scored 214 of 399 pairs, the
// file being opened twice. ReadValues reads a pipe once, in either format.
func TestReadValuesFromPipe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		isFile bool
	}{
		{"csv", valueCSV(399), false},
		{"pairs file", pairsFileBytes(399), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, wantIs, err := ReadValues(writeFile(t, "x", tc.data), 50)
			if err != nil || wantIs != tc.isFile {
				t.Fatalf("file: %v (pairs file %v)", err, wantIs)
			}
			got, is, err := ReadValues(fifo(t, tc.data), 50)
			if err != nil {
				t.Fatal(err)
			}
			if is != tc.isFile || len(got.Pairs) != 399 || len(want.Pairs) != 399 {
				t.Fatalf("pipe: %d pairs (pairs file %v), file: %d", len(got.Pairs), is, len(want.Pairs))
			}
			for k := range got.Pairs {
				if got.Pairs[k] != want.Pairs[k] || got.W2Sq[k] != want.W2Sq[k] {
					t.Fatalf("pair %d differs", k)
				}
			}
		})
	}
	// ReadFile on a pipe holding a CSV cannot fall back: it says so rather
	// than letting a caller reopen the pipe.
	p := fifo(t, valueCSV(10))
	_, err := ReadFile(p)
	if err == nil || errors.Is(err, ErrNotPairsFile) || !strings.Contains(err.Error(), "pipe") || !strings.Contains(err.Error(), p) {
		t.Fatalf("ReadFile on a pipe of CSV: %v", err)
	}
}

// A UTF-8 byte-order mark at the start is skipped by every reader.
func TestBOM(t *testing.T) {
	bom := []byte("\xef\xbb\xbf")
	pf, err := ReadFile(writeFile(t, "p.txt", append(bom, pairsFileBytes(5)...)))
	if err != nil || len(pf.Pairs) != 5 {
		t.Fatalf("pairs file: %v", err)
	}
	vf, is, err := ReadValues(writeFile(t, "v.csv", append(bom, valueCSV(4)...)), 50)
	if err != nil || is || len(vf.Pairs) != 4 || vf.W2Sq[3] != 4.5 {
		t.Fatalf("value CSV: %v", err)
	}
	// no header: the first line is a pair, which the BOM would hide
	ps, err := ReadPairList(writeFile(t, "l.csv", append(bom, "3,4\n5,6\n"...)), 10)
	if err != nil || len(ps) != 2 || ps[0] != (Pair{3, 4}) {
		t.Fatalf("pair list: %v %v", ps, err)
	}
}

func TestPairsFileRefused(t *testing.T) {
	good := string(pairsFileBytes(3))
	cases := []struct {
		name, data, want string
	}{
		{"last line cut", good[:len(good)-4], "lacks its newline"},
		{"no final newline", good[:len(good)-1], "lacks its newline"},
		{"one line short", good[:strings.LastIndex(good[:len(good)-1], "\n")+1], "header promises 3 pairs, file has 2"},
		{"infinite value", strings.Replace(good, "0.10000000000000001\n", "+Inf\n", 1), `w2sq "+Inf" is not a finite non-negative number`},
		{"repeated key", strings.Replace(good, "# count: 3\n", "# count: 3\n# count: 3\n", 1), `header key "count" repeated`},
		{"grid junk", strings.Replace(good, "# grid: 28x28", "# grid: 28x28junk", 1), "bad grid"},
		{"zero images", strings.Replace(good, "# images-count: 50", "# images-count: 0", 1), "bad images-count"},
		{"negative count", strings.Replace(good, "# count: 3", "# count: -3", 1), "bad count"},
		{"other version", strings.Replace(good, "# kenn-pairs 1", "# kenn-pairs 2", 1), `kenn pairs format "# kenn-pairs 2"`},
		{"index beyond images", strings.Replace(good, "\n0,1,", "\n50,1,", 1), "index 50 out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.data == good {
				t.Fatal("the case changes nothing")
			}
			p := writeFile(t, "p.txt", []byte(tc.data))
			_, err := ReadFile(p)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s and saying %q", err, p, tc.want)
			}
		})
	}
}

// A value CSV whose header names W2 in pixels is refused: its values are
// not W2², and read as W2² every score of them would be wrong. Other
// headers, and none, are accepted as before.
func TestValueCSVRefusesW2Column(t *testing.T) {
	for _, c := range []struct {
		header string
		ok     bool
	}{
		{"i,j,w2sq\n", true},
		{"i,j,exact_w2sq\n", true},
		{"i,j,value\n", true},
		{"", true},
		{"i,j,w2\n", false},
		{"i, j, W2\n", false},
		{"i,j,exact_w2\n", false},
	} {
		t.Run(c.header, func(t *testing.T) {
			p := writeFile(t, "v.csv", []byte(c.header+"0,1,2.5\n1,2,4\n"))
			f, err := ReadValueCSV(p, 5)
			switch {
			case c.ok && (err != nil || len(f.Pairs) != 2 || f.W2Sq[1] != 4):
				t.Fatalf("refused or misread: %v", err)
			case !c.ok && (err == nil || !strings.Contains(err.Error(), p+":1:") || !strings.Contains(err.Error(), "not W2²")):
				t.Fatalf("got %v, want an error naming %s:1 and saying the column is not W2²", err, p)
			}
		})
	}
}
