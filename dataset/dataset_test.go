package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func idxBytes(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(payload)
	return b.Bytes()
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIDXRoundTripAndGzip(t *testing.T) {
	s, err := Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 500 || s.H != 28 || s.W != 28 || len(s.Labels) != 500 {
		t.Fatalf("got %d×%d×%d with %d labels", s.N, s.H, s.W, len(s.Labels))
	}
	raw, _ := os.ReadFile("../testdata/mnist-test-images-idx3-ubyte")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	g, err := ReadIDXImages(write(t, "x-images.gz", gz.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Pix {
		if s.Pix[i] != g.Pix[i] {
			t.Fatalf("gzip pixel %d differs", i)
		}
	}
	out := filepath.Join(t.TempDir(), "rt")
	if err := s.WriteIDX(out); err != nil {
		t.Fatal(err)
	}
	back, err := Load(out + "-images-idx3-ubyte")
	if err != nil || back.N != s.N || len(back.Labels) != s.N || back.Labels[499] != s.Labels[499] {
		t.Fatalf("round trip: %v", err)
	}
}

func TestBadIDX(t *testing.T) {
	good := idxBytes(IDXImages, []uint32{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"truncated", "truncated IDX file", good[:len(good)-3]},
		{"labels", "is an IDX label file", idxBytes(IDXLabels, []uint32{8}, make([]byte, 8))},
		{"garbage", "not an IDX file", []byte("hello world, not idx")},
		{"short-header", "truncated IDX header", good[:9]},
		{"trailing", "header promises", append(append([]byte{}, good...), 9)},
		{"zero-dim", "dimension", idxBytes(IDXImages, []uint32{0, 2, 2}, nil)},
	}
	for _, tc := range cases {
		p := write(t, tc.name+"-images-idx3-ubyte", tc.data)
		_, err := ReadIDXImages(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: got %v, want an error naming %s and saying %q", tc.name, err, p, tc.want)
		}
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(good)
	zw.Close()
	p := write(t, "cut.gz", gz.Bytes()[:gz.Len()-10])
	if _, err := ReadIDXImages(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("truncated gzip: %v", err)
	}
}

func TestLabelCountMismatch(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a-images-idx3-ubyte"), idxBytes(IDXImages, []uint32{2, 1, 1}, []byte{1, 2}), 0o644)
	os.WriteFile(filepath.Join(dir, "a-labels-idx1-ubyte"), idxBytes(IDXLabels, []uint32{3}, []byte{1, 2, 3}), 0o644)
	if _, err := Load(filepath.Join(dir, "a-images-idx3-ubyte")); err == nil || !strings.Contains(err.Error(), "3 labels") {
		t.Fatalf("got %v", err)
	}
}

func TestCheckNamesImage(t *testing.T) {
	s := &Images{N: 3, H: 1, W: 2, Pix: []float32{1, 0, 0, 0, 2, 1}, Source: "x.idx"}
	if err := s.Check(); err == nil || !strings.Contains(err.Error(), "image 1 is all zero") {
		t.Fatalf("got %v", err)
	}
	s.Pix[2] = -1
	if err := s.Check(); err == nil || !strings.Contains(err.Error(), "image 1, pixel 0") {
		t.Fatalf("got %v", err)
	}
}

func TestPNGDir(t *testing.T) {
	dir := t.TempDir()
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	g.SetGray(2, 1, color.Gray{200})
	for _, name := range []string{"b.png", "a.png"} {
		f, _ := os.Create(filepath.Join(dir, name))
		png.Encode(f, g)
		f.Close()
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 2 || s.H != 2 || s.W != 3 || s.Pix[5] != 200 {
		t.Fatalf("got %+v", s)
	}
	// a colour PNG is refused, by name
	rgb := image.NewRGBA(image.Rect(0, 0, 3, 2))
	f, _ := os.Create(filepath.Join(dir, "c.png"))
	png.Encode(f, rgb)
	f.Close()
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "c.png") || !strings.Contains(err.Error(), "not grayscale") {
		t.Fatalf("colour PNG: %v", err)
	}
	os.Remove(filepath.Join(dir, "c.png"))
	// a different size is refused, by name
	f, _ = os.Create(filepath.Join(dir, "d.png"))
	png.Encode(f, image.NewGray(image.Rect(0, 0, 4, 4)))
	f.Close()
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "d.png") {
		t.Fatalf("size mismatch: %v", err)
	}
}

// One PNG is a collection of one image: the image the folder holding it
// reads, with the file's SHA-256, from a file or a pipe.
func TestPNGFile(t *testing.T) {
	dir := t.TempDir()
	g := image.NewGray16(image.Rect(0, 0, 3, 2))
	g.SetGray16(2, 1, color.Gray16{40000})
	g.SetGray16(0, 0, color.Gray16{7})
	p := filepath.Join(dir, "a.png")
	f, _ := os.Create(p)
	png.Encode(f, g)
	f.Close()
	one, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	all, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := FileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	if one.N != 1 || one.H != 2 || one.W != 3 || !slices.Equal(one.Pix, all.Pix) || one.Pix[5] != 40000 || one.SHA256 != sum || one.Source != p {
		t.Fatalf("got %+v, want the folder's image %v with sha256 %s", one, all.Pix, sum)
	}
	raw, _ := os.ReadFile(p)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() { w.Write(raw); w.Close() }()
	defer r.Close()
	piped, err := Load(fmt.Sprintf("/dev/fd/%d", r.Fd()))
	if err != nil || !slices.Equal(piped.Pix, one.Pix) || piped.SHA256 != sum {
		t.Fatalf("from a pipe: %+v, %v", piped, err)
	}
}

func TestMNISTJSON(t *testing.T) {
	vals := make([]string, 784*2)
	for i := range vals {
		vals[i] = "0"
	}
	vals[5] = "0.5"
	p := write(t, "3.json", []byte(`{"data":[`+strings.Join(vals, ",")+`]}`))
	s, err := Load(p)
	if err != nil || s.N != 2 || s.Pix[5] != 128 {
		t.Fatalf("got %v %v", s, err)
	}
	p = write(t, "bad.json", []byte(`{"data":[0.5, 2]}`))
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("got %v", err)
	}
}

func TestReadLabels(t *testing.T) {
	dir := t.TempDir()
	idx := filepath.Join(dir, "l-idx1-ubyte")
	if err := WriteIDXLabels(idx, []int{3, 1, 4}); err != nil {
		t.Fatal(err)
	}
	txt := filepath.Join(dir, "labels.csv")
	os.WriteFile(txt, []byte("label\n3\n1\n4\n"), 0o644)
	for _, p := range []string{idx, txt} {
		got, err := ReadLabels(p)
		if err != nil || len(got) != 3 || got[0] != 3 || got[1] != 1 || got[2] != 4 {
			t.Errorf("%s: %v %v", p, got, err)
		}
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("1\n2\nseven\n"), 0o644)
	if _, err := ReadLabels(bad); err == nil || !strings.Contains(err.Error(), "bad.txt:3") {
		t.Errorf("bad label: %v, want an error naming bad.txt:3", err)
	}
}

// Random access reads the same pixels as a full load, for IDX (seeking)
// and other formats (loaded whole).
func TestReadImagesAt(t *testing.T) {
	path := "../testdata/mnist-test-images-idx3-ubyte"
	all, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	idx := []int{499, 0, 37, 37}
	got, err := ReadImagesAt(path, idx)
	if err != nil {
		t.Fatal(err)
	}
	want := all.Subset(idx)
	if got.N != 4 || got.H != 28 || len(got.Pix) != len(want.Pix) {
		t.Fatalf("got %d images %dx%d", got.N, got.H, got.W)
	}
	for i := range want.Pix {
		if got.Pix[i] != want.Pix[i] {
			t.Fatalf("pixel %d: %v, want %v", i, got.Pix[i], want.Pix[i])
		}
	}
	if _, err := ReadImagesAt(path, []int{500}); err == nil || !strings.Contains(err.Error(), "image 500") {
		t.Fatalf("out of range: %v", err)
	}
}

// The labels beside a set of images are found by the file's name alone:
// a folder named with idx3 does not hide them, and labels gzipped beside
// plain images (or the reverse) are found too.
func TestLabelsBesideImages(t *testing.T) {
	imgs := idxBytes(IDXImages, []uint32{2, 1, 1}, []byte{1, 2})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(imgs)
	zw.Close()
	for _, c := range []struct{ name, dir, images, labels string }{
		{"plain", "d", "a-images-idx3-ubyte", "a-labels-idx1-ubyte"},
		{"folder named idx3", "mnist-idx3", "a-images-idx3-ubyte", "a-labels-idx1-ubyte"},
		{"labels gzipped", "d", "a-images-idx3-ubyte", "a-labels-idx1-ubyte.gz"},
		{"images gzipped", "d", "a-images-idx3-ubyte.gz", "a-labels-idx1-ubyte"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), c.dir)
			os.Mkdir(dir, 0o755)
			data := imgs
			if strings.HasSuffix(c.images, ".gz") {
				data = gz.Bytes()
			}
			os.WriteFile(filepath.Join(dir, c.images), data, 0o644)
			if err := WriteIDXLabels(filepath.Join(dir, c.labels), []int{7, 3}); err != nil {
				t.Fatal(err)
			}
			s, err := Load(filepath.Join(dir, c.images))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Labels) != 2 || s.Labels[0] != 7 || s.Labels[1] != 3 {
				t.Errorf("labels %v, want [7 3] from %s", s.Labels, c.labels)
			}
		})
	}
}
