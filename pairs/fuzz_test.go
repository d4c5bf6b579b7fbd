package pairs

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

// Fuzz targets for the readers of kenn pairs files and pair CSVs. Each
// checks: no panic, errors name the file, and an accepted input is
// self-consistent: the count matches, indices lie in range, values are
// finite and non-negative, and re-encoding with the package's writer
// (Header.Write, FormatValue) reads back to the same pairs and values.

func checkValues(t *testing.T, f *File, n int) {
	t.Helper()
	if len(f.Pairs) != len(f.W2Sq) || len(f.Pairs) == 0 && f.Header.Count != 0 {
		t.Fatalf("%d pairs, %d values, count %d", len(f.Pairs), len(f.W2Sq), f.Header.Count)
	}
	for k, p := range f.Pairs {
		if p.I < 0 || p.J < 0 || (n > 0 && (p.I >= n || p.J >= n)) {
			t.Fatalf("pair %d: %v with %d images", k, p, n)
		}
		if v := f.W2Sq[k]; math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			t.Fatalf("pair %d: w2sq %v", k, v)
		}
	}
}

func FuzzReadPairsFile(f *testing.F) {
	f.Add(pairsFileBytes(3))
	f.Add(pairsFileBytes(0))
	f.Add(append([]byte("\xef\xbb\xbf"), pairsFileBytes(1)...))
	f.Add(pairsFileBytes(2)[:200])
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := readComplete("fuzz.txt", bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.txt") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(pf.Pairs) != pf.Header.Count {
			t.Fatalf("%d pairs, header count %d", len(pf.Pairs), pf.Header.Count)
		}
		checkValues(t, pf, pf.Header.ImagesCount)
		// a complete file reads the same as a resumable partial one, whole
		part, good, err := parse("fuzz.txt", bufio.NewReader(bytes.NewReader(data)), true)
		if err != nil || good != int64(len(data)) || len(part.Pairs) != len(pf.Pairs) {
			t.Fatalf("partial parse: %v, %d of %d bytes", err, good, len(data))
		}
		// re-encode and read back
		var b bytes.Buffer
		if err := pf.Header.Write(&b); err != nil {
			t.Fatal(err)
		}
		for k, p := range pf.Pairs {
			fmt.Fprintf(&b, "%d,%d,%s\n", p.I, p.J, FormatValue(pf.W2Sq[k]))
		}
		back, err := readComplete("re.txt", bufio.NewReader(&b))
		if err != nil {
			t.Fatalf("re-encoded file refused: %v", err)
		}
		if back.Header != pf.Header {
			t.Fatalf("header %+v, want %+v", back.Header, pf.Header)
		}
		for k := range pf.Pairs {
			if back.Pairs[k] != pf.Pairs[k] || back.W2Sq[k] != pf.W2Sq[k] {
				t.Fatalf("pair %d differs after a round trip", k)
			}
		}
	})
}

func FuzzReadPairCSV(f *testing.F) {
	f.Add(valueCSV(4), 50)
	f.Add([]byte("i,j\n0,1\n2,3\n"), 10)
	f.Add([]byte("\xef\xbb\xbf3,4\r\n# note\n\n5,6"), 0)
	f.Add(pairsFileBytes(2), 50)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n < 0 {
			n = -n
		}
		// i,j lists
		ps, err := readPairList("fuzz.csv", bytes.NewReader(data), n)
		if err != nil && !strings.Contains(err.Error(), "fuzz.csv") {
			t.Fatalf("error does not name the file: %v", err)
		}
		if err == nil {
			checkValues(t, &File{Pairs: ps, W2Sq: make([]float64, len(ps))}, n)
		}
		// i,j,w2sq or a kenn pairs file, told apart in one pass
		vf, isFile, err := readValues("fuzz.csv", bufio.NewReader(bytes.NewReader(data)), n)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if isFile {
			checkValues(t, vf, vf.Header.ImagesCount)
			return
		}
		checkValues(t, vf, n)
		var b bytes.Buffer
		b.WriteString("i,j,w2sq\n")
		for k, p := range vf.Pairs {
			fmt.Fprintf(&b, "%d,%d,%s\n", p.I, p.J, FormatValue(vf.W2Sq[k]))
		}
		back, err := readValueCSV("re.csv", &b, n)
		if err != nil || len(back.Pairs) != len(vf.Pairs) {
			t.Fatalf("re-encoded CSV: %v", err)
		}
		for k := range vf.Pairs {
			if back.Pairs[k] != vf.Pairs[k] || back.W2Sq[k] != vf.W2Sq[k] {
				t.Fatalf("pair %d differs after a round trip", k)
			}
		}
	})
}
