package models

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tinyCheckpoint is a small ODE-KENN checkpoint with training state, as
// Save writes it (a few KB).
func tinyCheckpoint(t testing.TB) (*Checkpoint, []byte) {
	t.Helper()
	m := ODEKENN(4, 4, Backbone{C1: 2, C2: 1, Hidden: 3, Out: 2}, 2, 1)
	c, err := NewCheckpoint(m, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params()[:2] {
		c.Tensors["adam.m/"+p.Name] = make([]float32, p.Size())
		c.Tensors["best/"+p.Name] = append([]float32(nil), c.Tensors[p.Name]...)
	}
	c.State = &TrainState{Epoch: 1, LR: 1e-3, Batch: 8}
	c.Metrics = map[string]float64{"pearson": 0.5}
	p := filepath.Join(t.TempDir(), "tiny.ckpt")
	if err := c.Save(p); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return c, raw
}

// The shipped checkpoints (written before the reader was tightened) still
// load, with finite weights of the model's shapes, and re-save to the same
// bytes.
func TestPretrainedCheckpointsLoad(t *testing.T) {
	paths, _ := filepath.Glob("../pretrained/*.ckpt")
	if len(paths) == 0 {
		t.Fatal("no pretrained/*.ckpt")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			c, err := LoadCheckpoint(p)
			if err != nil {
				t.Fatal(err)
			}
			w, err := c.Weights()
			if err != nil || len(w) != len(c.Model.Params()) {
				t.Fatalf("weights: %v", err)
			}
			out := filepath.Join(t.TempDir(), "re.ckpt")
			if err := c.Save(out); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(p)
			b, _ := os.ReadFile(out)
			if !bytes.Equal(a, b) {
				t.Fatalf("re-saved checkpoint differs (%d vs %d bytes)", len(b), len(a))
			}
		})
	}
}

// Cut at every offset and one bit flipped in every byte: each is refused
// with an error naming the file, never a checkpoint and never a panic.
// Checkpoints end with a SHA-256 of everything before it, so nothing
// corrupt can pass. Every case goes through decodeCheckpoint (the reader
// behind LoadCheckpoint); a spread of them through LoadCheckpoint and a
// real file.
func TestCheckpointCorruption(t *testing.T) {
	_, raw := tinyCheckpoint(t)
	const name = "/data/tiny.ckpt"
	check := func(what string, data []byte) {
		t.Helper()
		c, err := decodeCheckpoint(name, data)
		if err == nil {
			t.Fatalf("%s: accepted (%s model)", what, c.Model.Kind)
		}
		if !strings.Contains(err.Error(), name) {
			t.Fatalf("%s: %q does not name the file", what, err)
		}
	}
	t.Run("cut", func(t *testing.T) {
		for n := 0; n < len(raw); n++ {
			check("cut at "+strconv.Itoa(n), raw[:n])
		}
		check("one byte more", append(append([]byte{}, raw...), 0))
	})
	t.Run("flip", func(t *testing.T) {
		buf := make([]byte, len(raw))
		for i := range raw {
			copy(buf, raw)
			buf[i] ^= 1 << (i % 8)
			check("bit "+strconv.Itoa(i%8)+" of byte "+strconv.Itoa(i), buf)
		}
	})
	t.Run("files", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "c.ckpt")
		for k := 0; k < 50; k++ {
			i := k * (len(raw) - 1) / 49
			buf := append([]byte{}, raw...)
			buf[i] ^= 0x10
			data := buf
			if k%2 == 1 {
				data = raw[:i]
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadCheckpoint(p); err == nil || !strings.Contains(err.Error(), p) {
				t.Fatalf("case %d (byte %d): %v", k, i, err)
			}
		}
	})
}

// withHeader rebuilds a checkpoint around another JSON header and data,
// with a valid checksum: what only a crafted file holds.
func withHeader(js string, data []byte) []byte {
	var b bytes.Buffer
	b.Write(ckptMagic)
	binary.Write(&b, binary.LittleEndian, uint32(CheckpointVersion))
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.WriteString(js)
	b.Write(data)
	sum := sha256.Sum256(b.Bytes())
	return append(b.Bytes(), sum[:]...)
}

// Crafted headers with a valid checksum are refused before allocating.
func TestCheckpointCraftedHeaders(t *testing.T) {
	_, raw := tinyCheckpoint(t)
	hlen := binary.LittleEndian.Uint32(raw[12:])
	js := string(raw[16 : 16+hlen])
	data := raw[16+hlen : len(raw)-32]
	if _, err := decodeCheckpoint("x.ckpt", withHeader(js, data)); err != nil {
		t.Fatalf("the rebuilt file itself: %v", err)
	}
	first := `{"name":"conv1.W","shape":[2,1,3,3],"offset":0}`
	if !strings.Contains(js, first) {
		t.Fatalf("header lacks %s: %s", first, js)
	}
	nan := append([]byte{}, data...)
	binary.LittleEndian.PutUint32(nan[4:], math.Float32bits(float32(math.NaN())))
	cases := []struct {
		name, js string
		data     []byte
		want     string
	}{
		{"negative dim", strings.Replace(js, first, `{"name":"conv1.W","shape":[-2,1,3,3],"offset":0}`, 1), data, "has shape [-2 1 3 3]"},
		{"overflowing dim", strings.Replace(js, first, `{"name":"conv1.W","shape":[4611686018427387904,4,3,3],"offset":0}`, 1), data, "has shape"},
		{"offset gap", strings.Replace(js, first, `{"name":"conv1.W","shape":[2,1,3,3],"offset":1}`, 1), data, "at offset 1, want 0"},
		{"negative offset", strings.Replace(js, first, `{"name":"conv1.W","shape":[2,1,3,3],"offset":-5}`, 1), data, "at offset -5"},
		{"unknown tensor", strings.Replace(js, first, `{"name":"conv9.W","shape":[2,1,3,3],"offset":0}`, 1), data, `tensor "conv9.W" is not a parameter`},
		{"repeated tensor", strings.Replace(js, `"tensors":[`+first, `"tensors":[`+first+`,`+strings.Replace(first, `"offset":0`, `"offset":18`, 1), 1), data, "appears twice"},
		{"trailing data", js, append(append([]byte{}, data...), 0, 0, 0, 0), "1 values of tensor data after the last tensor"},
		{"ragged data", js, append(append([]byte{}, data...), 0), "not a whole number of float32"},
		{"short data", js, data[:len(data)-4], "lies beyond the data"},
		{"NaN weight", js, nan, "tensor conv1.W value 1 is NaN"},
		{"bad model", strings.Replace(js, `"kind":"odekenn"`, `"kind":"nosuch"`, 1), data, `unknown kind "nosuch"`},
		{"huge model", strings.Replace(js, `"h":4,"w":4`, `"h":4611686018427387904,"w":4`, 1), data, "not positive or too large"},
		{"header beyond file", "", nil, "beyond the file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.js == js && bytes.Equal(tc.data, data) {
				t.Fatal("the case changes nothing")
			}
			f := withHeader(tc.js, tc.data)
			if tc.name == "header beyond file" {
				f = withHeader(js, data)
				binary.LittleEndian.PutUint32(f[12:], uint32(len(f)))
				body := f[:len(f)-32]
				sum := sha256.Sum256(body)
				copy(f[len(f)-32:], sum[:])
			}
			_, err := decodeCheckpoint("x.ckpt", f)
			if err == nil || !strings.Contains(err.Error(), "x.ckpt") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
