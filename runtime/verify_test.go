package runtime

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/kenn-ot/kenn/export"
	esnn "github.com/kenn-ot/kenn/export/snn"
	"github.com/kenn-ot/kenn/internal/onnxpb"
	"github.com/kenn-ot/kenn/models"
	msnn "github.com/kenn-ot/kenn/models/snn"
)

// writeSet exports kind (seed) as dir/name.onnx and returns its files by
// role: "main", "pairwise", "pair", "decoder" (dwe only).
func writeSet(t *testing.T, dir, name string, kind models.Kind, seed uint64) map[string]string {
	t.Helper()
	bb := models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}
	m := map[models.Kind]*models.Model{models.KindDWE: models.DWE(12, 10), models.KindNaive: models.Naive(12, 10, bb)}[kind]
	c, err := models.NewCheckpoint(m, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".onnx")
	if _, err := export.WriteFiles(c, path); err != nil {
		t.Fatal(err)
	}
	e, pw, pr := export.Paths(path)
	out := map[string]string{"main": e, "pairwise": pw, "pair": pr}
	if kind == models.KindDWE {
		out["decoder"] = export.DecoderPath(path)
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// flipWeightBit flips the lowest bit of the first float of the file's
// largest initializer, where it lies in the file's bytes.
func flipWeightBit(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(raw, &mp); err != nil {
		t.Fatal(err)
	}
	var w []byte
	for _, in := range mp.Graph.Initializer {
		if len(in.RawData) > len(w) {
			w = in.RawData
		}
	}
	at := bytes.Index(raw, w)
	if len(w) < 4 || at < 0 {
		t.Fatalf("%s: no weight bytes found", path)
	}
	raw[at] ^= 1
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// stripIDs rewrites path as kenn exported it before model ids.
func stripIDs(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(raw, &mp); err != nil {
		t.Fatal(err)
	}
	var kept []*onnxpb.StringStringEntryProto
	for _, kv := range mp.MetadataProps {
		if kv.Key != export.KeyModelID && kv.Key != export.KeyInitializers && kv.Key != export.KeyFile {
			kept = append(kept, kv)
		}
	}
	mp.MetadataProps = kept
	if raw, err = proto.Marshal(&mp); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// replaceBytes replaces the first occurrence of from in the file by to.
func replaceBytes(t *testing.T, path, from, to string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(from)) {
		t.Fatalf("%s: no %q", path, from)
	}
	if err := os.WriteFile(path, bytes.Replace(raw, []byte(from), []byte(to), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, path string, frac float64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(float64(st.Size())*frac)); err != nil {
		t.Fatal(err)
	}
}

// Load verifies the whole set: a sibling from another model, a flipped
// weight bit, a changed metadata byte, a truncated file, a legacy id-less export and a missing
// pairwise file are each refused, naming the file and what differs; an
// intact set loads.
func TestLoadVerifiesSet(t *testing.T) {
	rt, err := Open(Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	cases := []struct {
		name   string
		kind   models.Kind
		damage func(t *testing.T, a, b map[string]string) // a: the set loaded, b: another model's
		file   string                                     // role of the file the error must name; "" = loads
		want   string
	}{
		{"intact naive", models.KindNaive, func(*testing.T, map[string]string, map[string]string) {}, "", ""},
		{"intact dwe with decoder", models.KindDWE, func(*testing.T, map[string]string, map[string]string) {}, "", ""},
		{"pairwise from another model", models.KindNaive, func(t *testing.T, a, b map[string]string) { copyFile(t, b["pairwise"], a["pairwise"]) }, "pairwise", "come from different models"},
		{"pair from another model", models.KindNaive, func(t *testing.T, a, b map[string]string) { copyFile(t, b["pair"], a["pair"]) }, "pair", "come from different models"},
		{"decoder from another model", models.KindDWE, func(t *testing.T, a, b map[string]string) { copyFile(t, b["decoder"], a["decoder"]) }, "decoder", "come from different models"},
		{"embedding from another model", models.KindNaive, func(t *testing.T, a, b map[string]string) { copyFile(t, b["main"], a["main"]) }, "main", "come from different models"},
		{"weight bit flipped in the embedding", models.KindNaive, func(t *testing.T, a, _ map[string]string) { flipWeightBit(t, a["main"]) }, "main", "initializers (weights) hash to"},
		{"weight bit flipped in pairwise", models.KindNaive, func(t *testing.T, a, _ map[string]string) { flipWeightBit(t, a["pairwise"]) }, "pairwise", "initializers (weights) hash to"},
		{"weight bit flipped in the decoder", models.KindDWE, func(t *testing.T, a, _ map[string]string) { flipWeightBit(t, a["decoder"]) }, "decoder", "initializers (weights) hash to"},
		{"metadata byte changed in the embedding", models.KindNaive, func(t *testing.T, a, _ map[string]string) { replaceBytes(t, a["main"], "12x10", "12x11") }, "main", "the file's bytes hash to"},
		{"embedding truncated", models.KindNaive, func(t *testing.T, a, _ map[string]string) { truncate(t, a["main"], 0.9) }, "main", "truncated"},
		{"pairwise truncated", models.KindNaive, func(t *testing.T, a, _ map[string]string) { truncate(t, a["pairwise"], 0.5) }, "pairwise", "truncated"},
		{"pairwise empty", models.KindNaive, func(t *testing.T, a, _ map[string]string) { truncate(t, a["pairwise"], 0) }, "pairwise", "empty file"},
		{"pairwise missing", models.KindNaive, func(t *testing.T, a, _ map[string]string) { os.Remove(a["pairwise"]) }, "pairwise", "missing"},
		{"legacy export without ids", models.KindNaive, func(t *testing.T, a, _ map[string]string) {
			for _, p := range a {
				stripIDs(t, p)
			}
		}, "main", "kenn export M.ckpt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a := writeSet(t, dir, "A", tc.kind, 1)
			b := writeSet(t, dir, "B", tc.kind, 2)
			tc.damage(t, a, b)
			m, err := rt.Load(a["main"])
			if tc.file == "" {
				if err != nil {
					t.Fatal(err)
				}
				if (m.decoder != nil) != (tc.kind == models.KindDWE) {
					t.Fatalf("decoder loaded: %v", m.decoder != nil)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded; want an error naming %s and %q", a[tc.file], tc.want)
			}
			if !strings.Contains(err.Error(), a[tc.file]+" ") && !strings.Contains(err.Error(), a[tc.file]+":") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want an error naming %s and %q", err, a[tc.file], tc.want)
			}
			if tc.name == "legacy export without ids" && !errors.Is(err, export.ErrNoModelID) {
				t.Fatalf("%v: not ErrNoModelID", err)
			}
		})
	}
}

// LoadSampler verifies the snn export and its noise sibling the same way.
func TestLoadSamplerVerifies(t *testing.T) {
	rt, err := Open(Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	write := func(dir string, seed uint64) string {
		sn := &msnn.Model{Inputs: []string{"x1", "x2"}, Outputs: []string{"y"}, Cont: 1, Hidden: []int{4}, Loss: msnn.LossMSE,
			InMean: []float64{0, 0}, InStd: []float64{1, 1}, OutMean: []float64{0}, OutStd: []float64{1}}
		c, err := msnn.NewCheckpoint(sn, seed)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "s"+string(rune('0'+seed))+".onnx")
		if _, err := esnn.Write(c, path, seed); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cases := []struct {
		name   string
		damage func(a, b string)
		file   func(a string) string
		want   string
	}{
		{"intact", func(a, b string) {}, nil, ""},
		{"noise model from another snn", func(a, b string) { copyFile(t, export.NoisePath(b), export.NoisePath(a)) }, export.NoisePath, "come from different models"},
		{"weight bit flipped", func(a, b string) { flipWeightBit(t, a) }, func(a string) string { return a }, "initializers (weights) hash to"},
		{"truncated", func(a, b string) { truncate(t, a, 0.7) }, func(a string) string { return a }, "truncated"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := write(dir, 1), write(dir, 2)
			tc.damage(a, b)
			_, err := rt.LoadSampler(a, 3)
			if tc.file == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.file(a)) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want an error naming %s and %q", err, tc.file(a), tc.want)
			}
		})
	}
}
