package models

import (
	"bytes"
	"crypto/sha256"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCheckpoint feeds the checkpoint reader arbitrary bodies with a valid
// SHA-256 appended (without it every input would stop at the checksum).
// Property: no panic; on success the tensors are finite, have the model's
// shapes, and Save then LoadCheckpoint gives them back unchanged.
func FuzzCheckpoint(f *testing.F) {
	_, raw := tinyCheckpoint(f)
	f.Add(raw[:len(raw)-32])
	f.Add(raw[:64])
	f.Add([]byte("KENNCKPT\x01\x00\x00\x00\x02\x00\x00\x00{}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		sum := sha256.Sum256(body)
		c, err := decodeCheckpoint("fuzz.ckpt", append(append([]byte{}, body...), sum[:]...))
		if err != nil {
			return
		}
		ws, err := c.Weights()
		if err != nil {
			t.Fatalf("accepted, but %v", err)
		}
		for k, p := range c.Model.Params() {
			if len(ws[k]) != p.Size() {
				t.Fatalf("%s: %d values, shape %v", p.Name, len(ws[k]), p.Shape)
			}
		}
		for name, v := range c.Tensors {
			for i, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("%s[%d] = %v accepted", name, i, x)
				}
			}
		}
		p := filepath.Join(t.TempDir(), "re.ckpt")
		if err := c.Save(p); err != nil {
			return // e.g. a header JSON cannot re-encode; reading was still safe
		}
		back, err := LoadCheckpoint(p)
		if err != nil {
			t.Fatalf("re-saved checkpoint refused: %v", err)
		}
		for name, v := range c.Tensors {
			if w := back.Tensors[name]; len(w) != len(v) || !bytes.Equal(f32le(w), f32le(v)) {
				t.Fatalf("%s differs after a round trip", name)
			}
		}
		os.Remove(p)
	})
}

func f32le(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		u := math.Float32bits(x)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return b
}
