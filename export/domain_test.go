package export

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/models"
)

// TestDomainMetadata: a checkpoint's Domain travels into every file of
// its set as kenn.domain and back through ImageMeta; none is read from
// a checkpoint without one, and a damaged or mismatched one is refused.
func TestDomainMetadata(t *testing.T) {
	dom := &models.Domain{Source: "400 images of train-images-idx3-ubyte", Images: 400, H: 12, W: 10,
		Spread: models.Range{Lo: 1.5, Hi: 3.25}, Offset: models.Range{Hi: 0.75}, Support: models.Range{Lo: 0.125, Hi: 0.5}}
	dir := t.TempDir()
	for _, with := range []bool{true, false} {
		c, err := models.NewCheckpoint(models.DeepKENN(12, 10, models.Backbone{C1: 3, C2: 2, Hidden: 8, Out: 5}), 1)
		if err != nil {
			t.Fatal(err)
		}
		if with {
			c.Domain = dom
		}
		path := filepath.Join(dir, map[bool]string{true: "with", false: "without"}[with]+".onnx")
		if _, err := WriteFiles(c, path); err != nil {
			t.Fatal(err)
		}
		set, err := ReadSet(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append([]*File{set.Main}, set.Siblings...) {
			if _, ok := f.Meta[models.MetaDomain]; ok != with {
				t.Errorf("%s: kenn.domain present %v, want %v", f.Path, ok, with)
			}
		}
		m, err := set.Main.ImageMeta()
		if err != nil {
			t.Fatal(err)
		}
		if with && !reflect.DeepEqual(m.Domain, dom) || !with && m.Domain != nil {
			t.Errorf("with %v: read %+v, wrote %+v", with, m.Domain, dom)
		}
		if !with {
			continue
		}
		for name, value := range map[string]string{
			"not JSON":      "{",
			"unknown field": `{"source":"s","images":400,"h":12,"w":10,"spread_px":{"lo":1,"hi":2},"offset_px":{"lo":0,"hi":1},"support":{"lo":0.1,"hi":0.2},"extra":1}`,
			"two values":    `{"source":"s","images":400,"h":12,"w":10,"spread_px":{"lo":1,"hi":2},"offset_px":{"lo":0,"hi":1},"support":{"lo":0.1,"hi":0.2}} {}`,
			"empty range":   `{"source":"s","images":400,"h":12,"w":10,"spread_px":{"lo":3,"hi":2},"offset_px":{"lo":0,"hi":1},"support":{"lo":0.1,"hi":0.2}}`,
			"another size":  func() string { d := *dom; d.H = 28; b, _ := json.Marshal(d); return string(b) }(),
		} {
			f := *set.Main
			f.Meta = maps.Clone(f.Meta)
			f.Meta[models.MetaDomain] = value
			if _, err := f.ImageMeta(); err == nil {
				t.Errorf("kenn.domain %s: no error", name)
			}
		}
	}
}

// FuzzDomainMetadata: whatever kenn.domain holds, ImageMeta either refuses
// it naming the file or returns a domain that validates and fits the
// model's size.
func FuzzDomainMetadata(f *testing.F) {
	c := tinyCheckpoint(f, 1)
	c.Domain = &models.Domain{Source: "s", Images: 250, H: 6, W: 5,
		Spread: models.Range{Lo: 0.5, Hi: 2}, Offset: models.Range{Hi: 1}, Support: models.Range{Lo: 0.1, Hi: 0.9}}
	set, err := Export(c)
	if err != nil {
		f.Fatal(err)
	}
	main := filesOf(set)[0]
	meta := map[string]string{}
	for _, kv := range main.MetadataProps {
		meta[kv.Key] = kv.Value
	}
	f.Add(meta[models.MetaDomain])
	f.Add(`{"images":1e400}`)
	f.Add(`{"source":"s","images":250,"h":6,"w":5,"spread_px":{"lo":-0,"hi":7.9},"offset_px":{"lo":0,"hi":0},"support":{"lo":1,"hi":1}}`)
	f.Fuzz(func(t *testing.T, value string) {
		m := maps.Clone(meta)
		m[models.MetaDomain] = value
		file := &File{Path: "fuzz.onnx", Meta: m}
		got, err := file.ImageMeta()
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.onnx") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if got.Domain == nil || got.Domain.Validate() != nil || got.Domain.H != 6 || got.Domain.W != 5 {
			t.Fatalf("accepted %q as %+v", value, got.Domain)
		}
	})
}
