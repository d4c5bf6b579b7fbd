package pairs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

// The kenn pairs file is UTF-8 text: header lines starting with "# ", a
// column line "i,j,w2sq", then one line per pair with two 0-based image
// indices and W2² in pixel² units, printed with 17 significant digits (the
// float64 round trip):
//
//	# kenn-pairs 1
//	# images: testdata/mnist-train-images-idx3-ubyte
//	# images-sha256: 3b4c…
//	# images-count: 1000
//	# grid: 28x28
//	# method: exact
//	# selection: random n=5000 seed=1
//	# count: 5000
//	i,j,w2sq
//	412,17,9.8212839470553829
//
// Selection is "random n=N seed=S" (N distinct unordered pairs i<j drawn
// with a PCG generator seeded by S), "all" (every pair i<j, row by row) or
// "groups size=G seed=S" (the images shuffled by S and cut into groups of
// G, every pair within each group; see Selection),
// optionally followed by " first=K" (only K images take part), " skip=S"
// (starting at image S instead of 0) and " every=E" (every E-th image).
// Lines follow the selection's order. Readers check that the count matches
// the lines and, given the images, that the hash, count and grid match.
//
// Every reader reads its file once, sequentially (a pipe works); a UTF-8
// byte-order mark at the start is skipped. A complete pairs file ends with
// a newline, so a file cut anywhere is refused (inside a line: the line
// lacks its newline; at a line's end: the count does not match). The
// values carry no checksum: a flipped digit reads as another value. Pair
// CSVs have no count either: a CSV cut at the end of a line reads as a
// shorter list.

// FormatVersion is the version written in the first header line.
const FormatVersion = 1

// Header is the metadata block of a pairs file.
type Header struct {
	Images      string // path of the images file, as given
	ImagesSHA   string
	ImagesCount int
	H, W        int
	Method      string // ot.Method.String()
	Selection   string
	Count       int
}

// NewHeader describes pairs of imgs computed with m (nil: exact).
func NewHeader(imgs *dataset.Images, m ot.Method, selection string, count int) Header {
	m = method(m)
	return Header{Images: imgs.Source, ImagesSHA: imgs.SHA256, ImagesCount: imgs.N, H: imgs.H, W: imgs.W,
		Method: m.String(), Selection: selection, Count: count}
}

// Write writes the header and the column line.
func (h Header) Write(w io.Writer) error {
	_, err := fmt.Fprintf(w, "# kenn-pairs %d\n# images: %s\n# images-sha256: %s\n# images-count: %d\n# grid: %dx%d\n# method: %s\n# selection: %s\n# count: %d\ni,j,w2sq\n",
		FormatVersion, h.Images, h.ImagesSHA, h.ImagesCount, h.H, h.W, h.Method, h.Selection, h.Count)
	return err
}

// Exact reports whether the pairs hold exact W2² (the header's method is
// the exact solver's), not a Sinkhorn or sliced approximation.
func (h Header) Exact() bool { return h.Method == method(nil).String() }

// CheckExact is an error, naming path and what needs exact values (use),
// when the pairs were computed by another method than the exact solver.
// Values read from a CSV (no header, no method) pass: they are what their
// writer says.
func (h Header) CheckExact(path, use string) error {
	if h.Method == "" || h.Exact() {
		return nil
	}
	return fmt.Errorf("%s: made with method %q, not exact: %s takes exact W2² (kenn pairs without --method)", path, h.Method, use)
}

// Matches reports how h differs from want in what defines the job (the
// images' content, the method, the selection and the count); the path of
// the images may differ.
func (h Header) Matches(want Header) error {
	switch {
	case h.ImagesSHA != want.ImagesSHA:
		return fmt.Errorf("made from images with sha256 %s, not %s (%s)", short(h.ImagesSHA), short(want.ImagesSHA), want.Images)
	case h.ImagesCount != want.ImagesCount || h.H != want.H || h.W != want.W:
		return fmt.Errorf("made for %d images of %dx%d, not %d of %dx%d", h.ImagesCount, h.H, h.W, want.ImagesCount, want.H, want.W)
	case h.Method != want.Method:
		return fmt.Errorf("made with method %q, not %q", h.Method, want.Method)
	case h.Selection != want.Selection:
		return fmt.Errorf("made for selection %q, not %q", h.Selection, want.Selection)
	case h.Count != want.Count:
		return fmt.Errorf("made for %d pairs, not %d", h.Count, want.Count)
	}
	return nil
}

// CheckImages verifies that the file was made from imgs.
func (h Header) CheckImages(imgs *dataset.Images) error {
	if h.ImagesSHA != imgs.SHA256 {
		return fmt.Errorf("pairs were computed on images with sha256 %s, but %s has sha256 %s", short(h.ImagesSHA), imgs.Source, short(imgs.SHA256))
	}
	if h.ImagesCount != imgs.N || h.H != imgs.H || h.W != imgs.W {
		return fmt.Errorf("pairs were computed on %d images of %dx%d, but %s has %d of %dx%d", h.ImagesCount, h.H, h.W, imgs.Source, imgs.N, imgs.H, imgs.W)
	}
	return nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// File is a parsed pairs file.
type File struct {
	Header Header
	Pairs  []Pair
	W2Sq   []float64
}

// ReadFile reads and checks a complete pairs file.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pf, err := readComplete(path, bufio.NewReader(f))
	if errors.Is(err, ErrNotPairsFile) {
		if st, serr := f.Stat(); serr == nil && !st.Mode().IsRegular() {
			// A caller that tries another format next would reopen the
			// pipe and miss what was read here: say so instead.
			return nil, fmt.Errorf("%s: not a kenn pairs file, and a pipe or device: its first bytes are consumed and it cannot be read again as another format (use ReadValues, which reads either in one pass)", path)
		}
	}
	return pf, err
}

func readComplete(path string, r *bufio.Reader) (*File, error) {
	pf, _, err := parse(path, r, false)
	if err != nil {
		return nil, err
	}
	if len(pf.Pairs) != pf.Header.Count {
		return nil, fmt.Errorf("%s: header promises %d pairs, file has %d (incomplete file?)", path, pf.Header.Count, len(pf.Pairs))
	}
	return pf, nil
}

// ErrNotPairsFile marks a file that does not start with the kenn pairs
// header line.
var ErrNotPairsFile = errors.New("not a kenn pairs file")

// ErrInterrupted is the error of a job stopped by its context after it
// kept the finished pairs (OUT.partial): rerunning it resumes.
var ErrInterrupted = errors.New("interrupted")

// ReadValues reads the W2² of pairs from path, a kenn pairs file or a CSV
// of "i,j,w2sq" lines (see ReadValueCSV), whichever it holds: the format
// is told from the first line, and the file is read once, so a pipe works
// (reading it as one format, then again as the other, would lose what the
// first attempt consumed). isPairsFile reports a kenn pairs file, whose
// header then describes the images (check it with Header.CheckImages); n
// bounds the indices of a CSV as in ReadValueCSV.
func ReadValues(path string, n int) (f *File, isPairsFile bool, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer fh.Close()
	return readValues(path, bufio.NewReader(fh), n)
}

func readValues(path string, r *bufio.Reader, n int) (f *File, isPairsFile bool, err error) {
	skipBOM(r)
	if head, _ := r.Peek(len(pairsMagic)); string(head) == pairsMagic {
		f, err := readComplete(path, r)
		return f, err == nil, err
	}
	f, err = readValueCSV(path, r, n)
	return f, false, err
}

// pairsMagic starts every kenn pairs file.
const pairsMagic = "# kenn-pairs "

// skipBOM drops a UTF-8 byte-order mark at the start of r.
func skipBOM(r *bufio.Reader) {
	if b, _ := r.Peek(3); string(b) == "\xef\xbb\xbf" {
		r.Discard(3)
	}
}

// parse reads a header and data lines. With partial set, a last line
// without its newline is ignored (an interrupted write) and the byte
// length of the complete part is returned; without it, such a line is
// refused (the file was cut).
func parse(path string, r *bufio.Reader, partial bool) (*File, int64, error) {
	pf := &File{}
	h := &pf.Header
	var good int64
	seen := map[string]bool{}
	inHeader := true
	for line := 1; ; line++ {
		text, err := r.ReadString('\n')
		if err == io.EOF {
			if text != "" && !partial {
				return nil, 0, fmt.Errorf("%s:%d: the last line %q lacks its newline: the file was cut (truncated or still being written)", path, line, short(text))
			}
			break
		} else if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		n := len(text)
		if line == 1 {
			text = strings.TrimPrefix(text, "\xef\xbb\xbf")
		}
		text = strings.TrimRight(text, "\r\n")
		if inHeader {
			if strings.HasPrefix(text, "# ") {
				key, val, ok := strings.Cut(text[2:], ":")
				if line == 1 {
					if text != fmt.Sprintf("# kenn-pairs %d", FormatVersion) {
						if strings.HasPrefix(text, pairsMagic) {
							return nil, 0, fmt.Errorf("%s:1: kenn pairs format %q, this kenn reads %q", path, text, fmt.Sprintf("# kenn-pairs %d", FormatVersion))
						}
						return nil, 0, fmt.Errorf("%s:1: %w (want %q, got %q)", path, ErrNotPairsFile, fmt.Sprintf("# kenn-pairs %d", FormatVersion), short(text))
					}
					good += int64(n)
					continue
				}
				if !ok {
					return nil, 0, fmt.Errorf("%s:%d: malformed header line %q", path, line, text)
				}
				val = strings.TrimSpace(val)
				if seen[key] {
					return nil, 0, fmt.Errorf("%s:%d: header key %q repeated", path, line, key)
				}
				seen[key] = true
				var perr error
				switch key {
				case "images":
					h.Images = val
				case "images-sha256":
					h.ImagesSHA = val
				case "images-count":
					h.ImagesCount, perr = positive(val)
				case "grid":
					hs, ws, ok := strings.Cut(val, "x")
					if !ok {
						perr = errors.New("want HxW")
					} else if h.H, perr = positive(hs); perr == nil {
						h.W, perr = positive(ws)
					}
				case "method":
					h.Method = val
				case "selection":
					h.Selection = val
				case "count":
					if h.Count, perr = strconv.Atoi(val); perr == nil && h.Count < 0 {
						perr = errors.New("negative")
					}
				}
				if perr != nil {
					return nil, 0, fmt.Errorf("%s:%d: bad %s %q: %v", path, line, key, val, perr)
				}
				good += int64(n)
				continue
			}
			if line == 1 {
				return nil, 0, fmt.Errorf("%s:1: %w (no \"# kenn-pairs\" header)", path, ErrNotPairsFile)
			}
			if text != "i,j,w2sq" {
				return nil, 0, fmt.Errorf("%s:%d: want the column line \"i,j,w2sq\", got %q", path, line, text)
			}
			for _, k := range []string{"images-sha256", "images-count", "grid", "method", "selection", "count"} {
				if !seen[k] {
					return nil, 0, fmt.Errorf("%s: header lacks %q", path, k)
				}
			}
			inHeader = false
			good += int64(n)
			continue
		}
		p, v, err := parseLine(text, true, h.ImagesCount)
		if err != nil {
			return nil, 0, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		pf.Pairs = append(pf.Pairs, p)
		pf.W2Sq = append(pf.W2Sq, v)
		good += int64(n)
	}
	if inHeader {
		return nil, 0, fmt.Errorf("%s: incomplete header (no column line \"i,j,w2sq\")", path)
	}
	return pf, good, nil
}

// positive parses a positive decimal integer.
func positive(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err == nil && v <= 0 {
		err = errors.New("not positive")
	}
	return v, err
}

// parseLine parses "i,j" or, with value set, "i,j,w2sq"; indices must lie
// in [0, n) when n > 0.
func parseLine(text string, value bool, n int) (Pair, float64, error) {
	f := strings.Split(text, ",")
	want := 2
	if value {
		want = 3
	}
	if len(f) != want {
		return Pair{}, 0, fmt.Errorf("want %d comma-separated fields, got %d in %q", want, len(f), text)
	}
	var p Pair
	var err error
	if p.I, err = strconv.Atoi(strings.TrimSpace(f[0])); err != nil {
		return Pair{}, 0, fmt.Errorf("index i %q is not an integer", f[0])
	}
	if p.J, err = strconv.Atoi(strings.TrimSpace(f[1])); err != nil {
		return Pair{}, 0, fmt.Errorf("index j %q is not an integer", f[1])
	}
	for _, i := range []int{p.I, p.J} {
		if i < 0 || (n > 0 && i >= n) {
			return Pair{}, 0, fmt.Errorf("index %d out of range (the images file has %d images)", i, n)
		}
	}
	var v float64
	if value {
		if v, err = strconv.ParseFloat(strings.TrimSpace(f[2]), 64); err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return Pair{}, 0, fmt.Errorf("w2sq %q is not a finite non-negative number", f[2])
		}
	}
	return p, v, nil
}

// ReadPairList reads a CSV of "i,j" lines (a header line "i,j" or any
// first line that is not two integers is allowed), checking indices
// against n images. Blank lines and comment lines ("#" or "# …") are
// skipped, and a UTF-8 byte-order mark. Errors name the file and line.
func ReadPairList(path string, n int) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	skipBOM(r)
	return readPairList(path, r, n)
}

func readPairList(path string, r io.Reader, n int) ([]Pair, error) {
	sc := bufio.NewScanner(r)
	var ps []Pair
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || isComment(text) {
			continue
		}
		p, _, err := parseLine(text, false, n)
		if err != nil {
			if line == 1 && isHeader(text) {
				continue
			}
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		ps = append(ps, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%s: no pairs", path)
	}
	return ps, nil
}

// isHeader accepts a first line made of names rather than numbers.
func isHeader(text string) bool {
	for _, f := range strings.Split(text, ",") {
		if _, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			return false
		}
	}
	return true
}

// FormatValue prints a W2² value with 17 significant digits.
func FormatValue(v float64) string { return strconv.FormatFloat(v, 'g', 17, 64) }

// ReadValueCSV reads a CSV of "i,j,w2sq" lines (a header line allowed),
// as written by `kenn w2`, checking indices against n images (n > 0) and
// that every w2sq is finite and non-negative; blank lines, comments and a
// byte-order mark as in ReadPairList. A header whose value column is
// kenn's name for W2 in pixels (w2, exact_w2) is refused: its values are
// not W2².
func ReadValueCSV(path string, n int) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	skipBOM(r)
	return readValueCSV(path, r, n)
}

func readValueCSV(path string, r io.Reader, n int) (*File, error) {
	sc := bufio.NewScanner(r)
	pf := &File{}
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || isComment(text) {
			continue
		}
		p, v, err := parseLine(text, true, n)
		if err != nil {
			if line == 1 && isHeader(text) {
				if col := w2Column(text); col != "" {
					return nil, fmt.Errorf("%s:%d: column %q holds W2 (pixels), not W2² (pixels²): square the values and name the column w2sq", path, line, col)
				}
				continue
			}
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		pf.Pairs = append(pf.Pairs, p)
		pf.W2Sq = append(pf.W2Sq, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(pf.Pairs) == 0 {
		return nil, fmt.Errorf("%s: no pairs", path)
	}
	pf.Header.Count = len(pf.Pairs)
	return pf, nil
}

// w2Column returns the value column of a header line "i,j,NAME" when NAME
// is one kenn gives W2 in pixels ("w2", "exact_w2"), not W2², and "" for
// any other header.
func w2Column(header string) string {
	f := strings.Split(header, ",")
	if len(f) != 3 {
		return ""
	}
	switch col := strings.TrimSpace(f[2]); strings.ToLower(col) {
	case "w2", "exact_w2":
		return col
	}
	return ""
}

// isComment accepts "#" alone or followed by a space as a comment line of
// a pair CSV; "#" glued to text is not one (one flipped bit turns the
// digit 3 into "#", which would silently drop a pair).
func isComment(text string) bool { return text == "#" || strings.HasPrefix(text, "# ") }
