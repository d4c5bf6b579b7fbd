// Package ckptfile is the container of kenn's checkpoint files, shared by
// the image models' checkpoints (models.Checkpoint) and the stochastic
// neural networks' (models/snn.Checkpoint): version 1, little-endian,
//
//	magic    8 bytes  "KENNCKPT"
//	version  uint32   1
//	hlen     uint32   length of the JSON header
//	header   hlen bytes of JSON, with a "tensors" list of {"name", "shape", "offset"}
//	data     float32 values of every tensor, at its offset (in values)
//	sha256   32 bytes over everything above
//
// What the header holds beside the tensor list, and which tensors a file
// may have, is the caller's: this package writes and checks the bytes.
// It imports the standard library and internal/atomicfile only.
package ckptfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// Magic opens every checkpoint file.
const Magic = "KENNCKPT"

// Version is the container version this package writes and reads.
const Version = 1

// MaxBytes bounds a checkpoint file (4 GiB).
const MaxBytes = 1 << 32

// StatePrefixes name the training-state tensors kept beside each weight:
// Adam's moments and the best weights seen so far.
var StatePrefixes = []string{"adam.m/", "adam.v/", "best/"}

// ErrNotCheckpoint is returned for files that are not kenn checkpoints.
var ErrNotCheckpoint = errors.New("not a kenn checkpoint")

// Entry is one tensor of the header's "tensors" list.
type Entry struct {
	Name   string `json:"name"`
	Shape  []int  `json:"shape"`
	Offset int    `json:"offset"`
}

// Order lists the names of tensors to write: the parameters params that
// tensors holds, in order, then their training state (StatePrefixes). It
// refuses tensors that are neither.
func Order(params []string, tensors map[string][]float32) ([]string, error) {
	names := make([]string, 0, len(tensors))
	for _, p := range params {
		if _, ok := tensors[p]; ok {
			names = append(names, p)
		}
	}
	for _, p := range params { // training state after the weights
		for _, pre := range StatePrefixes {
			if _, ok := tensors[pre+p]; ok {
				names = append(names, pre+p)
			}
		}
	}
	if len(names) != len(tensors) {
		return nil, fmt.Errorf("checkpoint has %d tensors, %d of them named by the model", len(tensors), len(names))
	}
	return names, nil
}

// Layout returns the header entries of names (see Order), one after the
// other; a state tensor without a shape of its own takes its parameter's.
func Layout(names []string, tensors map[string][]float32, shapes map[string][]int) []Entry {
	var out []Entry
	off := 0
	for _, n := range names {
		shape := shapes[n]
		for _, pre := range StatePrefixes {
			if shape == nil && len(n) > len(pre) && n[:len(pre)] == pre {
				shape = shapes[n[len(pre):]]
			}
		}
		out = append(out, Entry{Name: n, Shape: shape, Offset: off})
		off += len(tensors[n])
	}
	return out
}

// Write writes the file atomically: header (JSON holding Layout's
// entries), then the tensors names in that order, then the checksum.
func Write(path string, header []byte, names []string, tensors map[string][]float32) error {
	var buf bytes.Buffer
	buf.WriteString(Magic)
	binary.Write(&buf, binary.LittleEndian, uint32(Version))
	binary.Write(&buf, binary.LittleEndian, uint32(len(header)))
	buf.Write(header)
	var b [4]byte
	for _, n := range names {
		for _, v := range tensors[n] {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			buf.Write(b[:])
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// Read reads a whole file, once (a pipe works), refusing one over
// MaxBytes.
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than a checkpoint may have (%d)", path, st.Size(), int64(MaxBytes))
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > MaxBytes {
		return nil, fmt.Errorf("%s: more than the %d bytes a checkpoint may have", path, int64(MaxBytes))
	}
	return raw, nil
}

// Open checks the magic, checksum and version of raw (the bytes of file
// path) and returns its JSON header and tensor data.
func Open(path string, raw []byte) (header, data []byte, err error) {
	if len(raw) < 16+32 || !bytes.Equal(raw[:8], []byte(Magic)) {
		return nil, nil, fmt.Errorf("%s: %w", path, ErrNotCheckpoint)
	}
	body, sum := raw[:len(raw)-32], raw[len(raw)-32:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, nil, fmt.Errorf("%s: checksum mismatch: the file is corrupt or truncated", path)
	}
	if v := binary.LittleEndian.Uint32(body[8:]); v != Version {
		return nil, nil, fmt.Errorf("%s: checkpoint version %d, this kenn reads version %d", path, v, Version)
	}
	hlen := int64(binary.LittleEndian.Uint32(body[12:]))
	if 16+hlen > int64(len(body)) {
		return nil, nil, fmt.Errorf("%s: header length %d beyond the file", path, hlen)
	}
	data = body[16+hlen:]
	if len(data)%4 != 0 {
		return nil, nil, fmt.Errorf("%s: %d bytes of tensor data is not a whole number of float32 values", path, len(data))
	}
	return body[16 : 16+hlen], data, nil
}

// Decode checks raw (the bytes of file path, see Open), unmarshals its
// JSON header into h (a pointer to the caller's header struct) and
// returns the tensor data.
func Decode(path string, raw []byte, h any) ([]byte, error) {
	js, data, err := Open(path, raw)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(js, h); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	return data, nil
}

// allowed maps the names a checkpoint of a model with these parameters
// may hold, the parameters and their training state, to their shapes. It
// refuses a parameter whose shape is not positive or too large.
func allowed(path string, names []string, shapes [][]int) (map[string][]int, error) {
	out := map[string][]int{}
	for i, n := range names {
		if _, ok := CheckedSize(shapes[i]); !ok {
			return nil, fmt.Errorf("%s: model parameter %s has shape %v, not positive or too large", path, n, shapes[i])
		}
		out[n] = shapes[i]
		for _, pre := range StatePrefixes {
			out[pre+n] = shapes[i]
		}
	}
	return out, nil
}

// Tensors reads the entries from data (see Open) of a checkpoint of a
// model whose parameters are names with shapes, refusing, naming the
// file: a parameter shape that is not positive or too large, a name that
// is neither a parameter nor its training state (kind names the model in
// the message), a repeated name, a shape other than the parameter's,
// entries that do not follow each other or lie beyond the data, trailing
// data and non-finite values.
func Tensors(path string, entries []Entry, data []byte, names []string, shapes [][]int, kind string) (map[string][]float32, map[string][]int, error) {
	allowed, err := allowed(path, names, shapes)
	if err != nil {
		return nil, nil, err
	}
	return readTensors(path, entries, data, allowed, kind)
}

func readTensors(path string, entries []Entry, data []byte, allowed map[string][]int, kind string) (map[string][]float32, map[string][]int, error) {
	tensors, shapes := map[string][]float32{}, map[string][]int{}
	off := int64(0)
	total := int64(len(data) / 4)
	for _, t := range entries {
		want, ok := allowed[t.Name]
		switch {
		case !ok:
			return nil, nil, fmt.Errorf("%s: tensor %q is not a parameter of the %s model (nor its training state)", path, t.Name, kind)
		case tensors[t.Name] != nil:
			return nil, nil, fmt.Errorf("%s: tensor %s appears twice", path, t.Name)
		case !slices.Equal(t.Shape, want):
			return nil, nil, fmt.Errorf("%s: tensor %s has shape %v, the model's is %v", path, t.Name, t.Shape, want)
		case int64(t.Offset) != off:
			return nil, nil, fmt.Errorf("%s: tensor %s at offset %d, want %d (tensors follow each other)", path, t.Name, t.Offset, off)
		}
		n, _ := CheckedSize(t.Shape) // checked with the model's shapes
		if n > total-off {
			return nil, nil, fmt.Errorf("%s: tensor %s (%d values at %d) lies beyond the data (%d values)", path, t.Name, n, off, total)
		}
		v := make([]float32, n)
		for i := range v {
			x := math.Float32frombits(binary.LittleEndian.Uint32(data[4*(off+int64(i)):]))
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, nil, fmt.Errorf("%s: tensor %s value %d is %v", path, t.Name, i, x)
			}
			v[i] = x
		}
		off += n
		tensors[t.Name] = v
		shapes[t.Name] = t.Shape
	}
	if off != total {
		return nil, nil, fmt.Errorf("%s: %d values of tensor data after the last tensor", path, total-off)
	}
	return tensors, shapes, nil
}

// CheckedSize is the number of values of shape: positive dimensions whose
// product stays below 2^40.
func CheckedSize(shape []int) (int64, bool) {
	n := int64(1)
	for _, d := range shape {
		if d <= 0 || int64(d) > (1<<40)/n {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}
