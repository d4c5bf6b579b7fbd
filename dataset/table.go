package dataset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// Table is a numeric CSV table with a header: Rows[i][k] is column
// Columns[k] of data row i (the file's line i+2).
type Table struct {
	Source  string
	Columns []string
	Rows    [][]float64
}

// ReadTable reads a CSV file with a header line of column names and
// numeric cells, every row as long as the header; a UTF-8 byte-order mark
// at the start is skipped. The file is read once (a pipe works). Errors
// name the file, line and column. CSV carries no integrity check: a file
// cut at the end of a line reads as a shorter table.
func ReadTable(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeTable(path, f)
}

func decodeTable(path string, f io.Reader) (*Table, error) {
	br := bufio.NewReader(f)
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		br.Discard(3) // a byte-order mark some editors write
	}
	r := csv.NewReader(br)
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file, want a header line", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &Table{Source: path}
	seen := map[string]bool{}
	for _, c := range head {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] {
			return nil, fmt.Errorf("%s:1: empty or repeated column name %q", path, c)
		}
		seen[c] = true
		t.Columns = append(t.Columns, c)
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		row := make([]float64, len(rec))
		for k, cell := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: column %s: %q is not a finite number", path, line, t.Columns[k], cell)
			}
			row[k] = v
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	return t, nil
}

// Index returns the position of each named column, or an error naming the
// missing one and the columns there are.
func (t *Table) Index(names []string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		out[i] = -1
		for k, c := range t.Columns {
			if c == n {
				out[i] = k
			}
		}
		if out[i] < 0 {
			return nil, fmt.Errorf("%s has no column %q (columns: %s)", t.Source, n, strings.Join(t.Columns, ","))
		}
	}
	return out, nil
}

// Select returns the named columns of every row.
func (t *Table) Select(names []string) ([][]float64, error) {
	idx, err := t.Index(names)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(t.Rows))
	for i, r := range t.Rows {
		row := make([]float64, len(idx))
		for k, j := range idx {
			row[k] = r[j]
		}
		out[i] = row
	}
	return out, nil
}

// WriteTable writes a CSV table with a header, atomically; values with
// 10 significant digits.
func WriteTable(path string, columns []string, rows [][]float64) error {
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		cw := csv.NewWriter(bw) // quotes a name holding a comma or a quote
		if err := cw.Write(columns); err != nil {
			return err
		}
		cw.Flush()
		for _, r := range rows {
			for k, v := range r {
				if k > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString(strconv.FormatFloat(v, 'g', 10, 64))
			}
			bw.WriteByte('\n')
		}
		return bw.Flush()
	})
}
