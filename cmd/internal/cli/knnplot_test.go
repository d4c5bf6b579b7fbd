package cli

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/runtime"
	"github.com/kenn-ot/kenn/runtime/tiling"
)

// parseKNNCSV reads back what tiling.WriteKNN writes (the CSV a --runner
// job merges), keeps the first rows queries, and refuses every file that
// is not k neighbours per query, queries from 0 in order.
func TestParseKNNCSV(t *testing.T) {
	nbs := [][]runtime.Neighbor{
		{{Index: 4, Distance: 0.5}, {Index: 1, Distance: 1.25}},
		{{Index: 0, Distance: 2}, {Index: 3, Distance: 2}},
		{{Index: 2, Distance: 0}, {Index: 4, Distance: 7.5}},
	}
	var buf bytes.Buffer
	if err := tiling.WriteKNN(&buf, "w2", nbs); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	t.Run("non-finite", func(t *testing.T) {
		got, _, err := parseKNNCSV(strings.NewReader("query,rank,index,w2\n0,1,3,NaN\n0,2,1,+Inf\n"), 1, 2)
		if err != nil || len(got) != 1 || !math.IsNaN(float64(got[0][0].Distance)) || !math.IsInf(float64(got[0][1].Distance), 1) {
			t.Fatalf("%v, %v; want NaN and +Inf kept", got, err)
		}
	})
	t.Run("round trip", func(t *testing.T) {
		for rows := 1; rows <= 4; rows++ {
			got, col, err := parseKNNCSV(strings.NewReader(good), rows, 2)
			if err != nil {
				t.Fatalf("rows %d: %v", rows, err)
			}
			if want := nbs[:min(rows, len(nbs))]; col != "w2" || !reflect.DeepEqual(got, want) {
				t.Fatalf("rows %d: %v %q, want %v w2", rows, got, col, want)
			}
		}
	})
	lines := strings.SplitAfter(good, "\n")
	for _, c := range []struct {
		name, csv string
		k         int
		want      string
	}{
		{"empty", "", 2, "line 1: no header"},
		{"header", "q,rank,index,w2\n", 2, "line 1: header"},
		{"no column", "query,rank,index,\n", 2, "line 1: header"},
		{"fields", lines[0] + "0,1,4\n", 2, "line 2: 3 fields"},
		{"not a number", lines[0] + "0,1,x,0.5\n", 2, "is not query,rank,index,distance"},
		{"negative index", lines[0] + "0,1,-1,0.5\n", 2, "is not query,rank,index,distance"},
		{"distance", lines[0] + "0,1,4,near\n", 2, "is not query,rank,index,distance"},
		// a huge rank is refused before anything is allocated for it
		{"rank above k", lines[0] + "0,1000000000,4,0.5\n", 2, "line 2: rank 1000000000 outside 1..2"},
		{"rank 0", lines[0] + "0,0,4,0.5\n", 2, "line 2: rank 0 outside"},
		{"k too large", good, 3, "line 4: query 1 rank 1, want query 0 rank 3"},
		{"k too small", good, 1, "line 3: rank 2 outside 1..1"},
		{"skipped query", lines[0] + lines[1] + lines[2] + lines[5] + lines[6], 2, "line 4: query 2 rank 1, want query 1 rank 1"},
		{"repeated line", lines[0] + lines[1] + lines[1], 2, "line 3: query 0 rank 1, want query 0 rank 2"},
		{"swapped ranks", lines[0] + lines[2] + lines[1], 2, "line 2: query 0 rank 2, want query 0 rank 1"},
		{"truncated", strings.Join(lines[:6], ""), 2, "line 6: ends inside query 2, after 1 of its 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := parseKNNCSV(strings.NewReader(c.csv), 10, c.k)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, %v; want an error with %q", got, err, c.want)
			}
		})
	}
}

// Whatever the bytes, parseKNNCSV returns an error or at most rows
// queries of exactly k neighbours each, which WriteKNN writes back into a
// file that parses to the same.
func FuzzParseKNNCSV(f *testing.F) {
	f.Add("query,rank,index,w2\n0,1,4,0.5\n0,2,1,1.25\n1,1,0,2\n1,2,3,2\n", 3, 2)
	f.Add("query,rank,index,exact_w2sq\n0,1,4,0.5\n", 1, 1)
	f.Add("query,rank,index,w2\n0,1,4,0.5\n0,2,1,1.25\n1,1,0,2\n", 5, 2)
	f.Add("query,rank,index,w2\n0,99999999999,4,0.5\n", 5, 2)
	f.Fuzz(func(t *testing.T, csv string, rows, k int) {
		if rows < 1 || rows > 64 || k < 1 || k > 64 {
			return // the flags' ranges are checked before the CSV is read
		}
		nbs, col, err := parseKNNCSV(strings.NewReader(csv), rows, k)
		if err != nil {
			return
		}
		if len(nbs) > rows {
			t.Fatalf("%d queries kept, rows %d", len(nbs), rows)
		}
		for q, list := range nbs {
			if len(list) != k {
				t.Fatalf("query %d: %d neighbours, want %d", q, len(list), k)
			}
		}
		var buf bytes.Buffer
		if err := tiling.WriteKNN(&buf, col, nbs); err != nil {
			t.Fatal(err)
		}
		again, col2, err := parseKNNCSV(&buf, rows, k)
		if err != nil || col2 != col || len(again) != len(nbs) {
			t.Fatalf("written back: %v, %q, %d queries; want %q, %d", err, col2, len(again), col, len(nbs))
		}
		for q := range nbs {
			for r := range nbs[q] {
				a, b := nbs[q][r], again[q][r]
				if a.Index != b.Index || a.Distance != b.Distance && !(a.Distance != a.Distance && b.Distance != b.Distance) {
					t.Fatalf("query %d rank %d: %v written back as %v", q, r+1, a, b)
				}
			}
		}
	})
}
