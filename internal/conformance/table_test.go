package conformance

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// The table sits between these markers in README.md and docs/runtimes.md.
const (
	beginMarker = "<!-- conformance:begin (make conformance writes this table) -->"
	endMarker   = "<!-- conformance:end -->"
)

func table(rows []row) string {
	var b strings.Builder
	pass, skip, fail := 0, 0, 0
	for _, r := range rows {
		switch {
		case strings.HasPrefix(r.Result, "pass") || strings.HasPrefix(r.Result, "reference"):
			pass++
		case strings.HasPrefix(r.Result, "skipped"):
			skip++
		default:
			fail++
		}
	}
	fmt.Fprintf(&b, "%d passed, %d skipped (with the reason), %d failed. Inputs: %d MNIST test digits (testdata/), small models with fixed seeded weights; "+
		"reference: the model's formula in float64 (Gorgonia on a float64 graph; models.Distance), the dwe decoder's onnxruntime (Go). "+
		"Largest difference: max |output − reference| / max |reference|; tolerances %g (features), %g (pair file), %g (pairwise file: a Gram matrix and a square root), %g (decoder). "+
		"Throughput of these small models on this machine (2 shared cores; Go backends on 1 thread, onnxruntime-web on 1 wasm thread): rough.\n\n",
		pass, skip, fail, n, featureTol, pairTol, pairwiseTol, decoderTol)
	b.WriteString("| backend | model kind | file | result | largest difference | images/s | distances/s |\n|---|---|---|---|---|---|---|\n")
	num := func(v float64) string {
		if v <= 0 {
			return "—"
		}
		return fmt.Sprintf("%.3g", v)
	}
	for _, r := range rows {
		d := "—"
		if r.Diff >= 0 {
			d = fmt.Sprintf("%.1e", r.Diff)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Backend, r.Kind, r.File, r.Result, d, num(r.ImagesPerS), num(r.DistPerS))
	}
	return b.String()
}

// writeTables replaces the text between the markers of README.md and
// docs/runtimes.md with the table.
func writeTables(rows []row) error {
	tab := table(rows)
	for _, p := range []string{"README.md", "docs/runtimes.md"} {
		path := filepath.Join(root, p)
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
		s := string(raw)
		i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
		if i < 0 || j < i {
			return fmt.Errorf("conformance: %s: no %q … %q markers to write the table between", path, beginMarker, endMarker)
		}
		s = s[:i+len(beginMarker)] + "\n" + tab + s[j:]
		if err := atomicfile.WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, s); return err }); err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
	}
	return nil
}
