package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/plots"
	"github.com/kenn-ot/kenn/runtime"
)

// KNNCaption is the caption under a neighbour in knn's --plot grid: its
// distance as the CSV column names it, with the unit (4 significant
// digits).
func KNNCaption(column string, d float64) string {
	switch column {
	case "w2":
		return fmt.Sprintf("W2 = %.4g px", d)
	case "w2sq":
		return fmt.Sprintf("W2² = %.4g px²", d)
	case "exact_w2":
		return fmt.Sprintf("exact W2 = %.4g px", d)
	case "exact_w2sq":
		return fmt.Sprintf("exact W2² = %.4g px²", d)
	}
	return fmt.Sprintf("%s = %.4g", column, d)
}

// plotKNN draws the first rows queries of nbs as an image grid into path
// (plots.Grid: one row per query, the query then its neighbours in rank
// order, each captioned with its distance in column's unit), each image
// pixel as zoom×zoom screen pixels.
func plotKNN(path, indexPath, queryPath, model, column string, nbs [][]runtime.Neighbor, rows, zoom int) error {
	index, err := dataset.Load(indexPath)
	if err != nil {
		return fmt.Errorf("knn --plot: %w", err)
	}
	query, err := dataset.Load(queryPath)
	if err != nil {
		return fmt.Errorf("knn --plot: %w", err)
	}
	if index.H != query.H || index.W != query.W {
		return fmt.Errorf("knn --plot: the index %s has %d×%d images, the queries %s %d×%d", indexPath, index.H, index.W, queryPath, query.H, query.W)
	}
	if want := min(rows, query.N); len(nbs) < want {
		return fmt.Errorf("knn --plot: the neighbours of %d queries, want the first %d of the %d in %s", len(nbs), want, query.N, queryPath)
	}
	rows = min(rows, query.N)
	k := 0
	for _, list := range nbs[:rows] {
		k = max(k, len(list))
	}
	g := plots.Grid{H: query.H, W: query.W, Zoom: zoom, Cols: []string{"query"},
		Title: fmt.Sprintf("%d nearest neighbours in %s of queries from %s (%s)", k, filepath.Base(indexPath), filepath.Base(queryPath), filepath.Base(model))}
	for c := 1; c <= k; c++ {
		g.Cols = append(g.Cols, fmt.Sprintf("neighbour %d", c))
	}
	for q, list := range nbs[:rows] {
		ims := [][]float32{query.Row(q)}
		caps := []string{""}
		for _, nb := range list {
			if nb.Index < 0 || nb.Index >= index.N {
				return fmt.Errorf("knn --plot: query %d: neighbour %d is outside the index %s (%d images)", q, nb.Index, indexPath, index.N)
			}
			ims = append(ims, index.Row(nb.Index))
			caps = append(caps, KNNCaption(column, float64(nb.Distance)))
		}
		g.Images = append(g.Images, ims)
		g.Captions = append(g.Captions, caps)
		g.Rows = append(g.Rows, fmt.Sprintf("query %d", q))
	}
	return g.Write(path)
}

// readKNNCSV reads the neighbours of the first rows queries back from a
// knn CSV (query,rank,index,COLUMN, as a --runner job merges it: every
// query from 0 on, each with its k neighbours in rank order) and returns
// them with the distance column's name. Anything else is refused, with
// the line: a rank outside 1..k, a query or rank out of order, a query
// cut short (a truncated file), a distance that is not a number.
// It keeps at most rows·k neighbours, whatever the file claims.
func readKNNCSV(path string, rows, k int) ([][]runtime.Neighbor, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("knn --plot: %w", err)
	}
	defer f.Close()
	nbs, column, err := parseKNNCSV(f, rows, k)
	if err != nil {
		return nil, "", fmt.Errorf("knn --plot: %s %w", path, err)
	}
	return nbs, column, nil
}

// parseKNNCSV is readKNNCSV on an open file; its errors start with the
// line ("line 3: …").
func parseKNNCSV(r io.Reader, rows, k int) ([][]runtime.Neighbor, string, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, "", fmt.Errorf("line 1: %w", err)
		}
		return nil, "", errors.New("line 1: no header line")
	}
	head := strings.Split(sc.Text(), ",")
	if len(head) != 4 || head[0] != "query" || head[1] != "rank" || head[2] != "index" || head[3] == "" {
		return nil, "", fmt.Errorf("line 1: header %q, want query,rank,index,DISTANCE", sc.Text())
	}
	var nbs [][]runtime.Neighbor
	wantQ, wantR := 0, 1 // the next line's query and rank
	line := 1
	for sc.Scan() {
		line++
		f := strings.Split(sc.Text(), ",")
		if len(f) != 4 {
			return nil, "", fmt.Errorf("line %d: %d fields, want 4", line, len(f))
		}
		q, e1 := strconv.Atoi(f[0])
		r, e2 := strconv.Atoi(f[1])
		i, e3 := strconv.Atoi(f[2])
		d, e4 := strconv.ParseFloat(f[3], 32)
		// a distance may be NaN or ±Inf (what the model gave rows with
		// non-finite features), drawn as such, as the local --plot does
		if e1 != nil || e2 != nil || e3 != nil || e4 != nil || i < 0 {
			return nil, "", fmt.Errorf("line %d: %q is not query,rank,index,distance (whole numbers, an index ≥ 0, a number)", line, sc.Text())
		}
		if r < 1 || r > k {
			return nil, "", fmt.Errorf("line %d: rank %d outside 1..%d (-k)", line, r, k)
		}
		if q != wantQ || r != wantR {
			return nil, "", fmt.Errorf("line %d: query %d rank %d, want query %d rank %d (each query's %d neighbours in rank order, queries from 0 in order)", line, q, r, wantQ, wantR, k)
		}
		if wantR++; wantR > k {
			wantQ, wantR = wantQ+1, 1
		}
		if q >= rows {
			continue // checked, not kept
		}
		if r == 1 {
			nbs = append(nbs, make([]runtime.Neighbor, 0, k))
		}
		nbs[q] = append(nbs[q], runtime.Neighbor{Index: i, Distance: float32(d)})
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("line %d: %w", line+1, err)
	}
	if wantR != 1 {
		return nil, "", fmt.Errorf("line %d: ends inside query %d, after %d of its %d neighbours (a truncated file?)", line, wantQ, wantR-1, k)
	}
	return nbs, head[3], nil
}
