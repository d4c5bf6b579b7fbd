package cli

import (
	"bufio"
	"fmt"
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
	rows = min(rows, len(nbs), query.N)
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
// knn CSV (query,rank,index,COLUMN, as a --runner job merges it) and
// returns them with the distance column's name.
func readKNNCSV(path string, rows int) ([][]runtime.Neighbor, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("knn --plot: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return nil, "", fmt.Errorf("knn --plot: %s: no header line: %w", path, sc.Err())
	}
	head := strings.Split(sc.Text(), ",")
	if len(head) != 4 || head[0] != "query" || head[1] != "rank" || head[2] != "index" {
		return nil, "", fmt.Errorf("knn --plot: %s line 1: header %q, want query,rank,index,DISTANCE", path, sc.Text())
	}
	var nbs [][]runtime.Neighbor
	for line := 2; sc.Scan(); line++ {
		f := strings.Split(sc.Text(), ",")
		if len(f) != 4 {
			return nil, "", fmt.Errorf("knn --plot: %s line %d: %d fields, want 4", path, line, len(f))
		}
		q, e1 := strconv.Atoi(f[0])
		r, e2 := strconv.Atoi(f[1])
		i, e3 := strconv.Atoi(f[2])
		d, e4 := strconv.ParseFloat(f[3], 32)
		if e1 != nil || e2 != nil || e3 != nil || e4 != nil || q < 0 || r < 1 {
			return nil, "", fmt.Errorf("knn --plot: %s line %d: %q is not query,rank,index,distance", path, line, sc.Text())
		}
		if q >= rows {
			continue
		}
		for len(nbs) <= q {
			nbs = append(nbs, nil)
		}
		for len(nbs[q]) < r {
			nbs[q] = append(nbs[q], runtime.Neighbor{Index: -1})
		}
		nbs[q][r-1] = runtime.Neighbor{Index: i, Distance: float32(d)}
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("knn --plot: %s: %w", path, err)
	}
	return nbs, head[3], nil
}
