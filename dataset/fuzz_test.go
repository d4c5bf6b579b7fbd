package dataset

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzz targets for every reader of the package. Each checks: no panic,
// and an accepted input gives a self-consistent value (sizes match, values
// finite and non-negative, the SHA-256 of the bytes read), re-encoding to
// the same bytes where the package has a writer. Seeds are small valid
// files made here (the committed testdata is cut to its first images) and
// the corpora under testdata/fuzz/<FuzzName>/.

// smallIDX is the first 3 images of the committed MNIST test split, as an
// IDX image file and its label file.
func smallIDX(f *testing.F) (images, labels []byte) {
	f.Helper()
	s, err := Load("../testdata/mnist-test-images-idx3-ubyte")
	if err != nil {
		f.Fatal(err)
	}
	sub := s.Subset([]int{0, 1, 2})
	dir := f.TempDir()
	if err := sub.WriteIDX(filepath.Join(dir, "s")); err != nil {
		f.Fatal(err)
	}
	images, _ = os.ReadFile(filepath.Join(dir, "s-images-idx3-ubyte"))
	labels, _ = os.ReadFile(filepath.Join(dir, "s-labels-idx1-ubyte"))
	return images, labels
}

func checkImages(t *testing.T, s *Images, data []byte) {
	t.Helper()
	if s.N <= 0 || s.H <= 0 || s.W <= 0 || len(s.Pix) != s.N*s.H*s.W {
		t.Fatalf("accepted %d×%d×%d with %d values", s.N, s.H, s.W, len(s.Pix))
	}
	for i, v := range s.Pix {
		if v != v || v < 0 || math.IsInf(float64(v), 0) {
			t.Fatalf("value %d is %v", i, v)
		}
	}
	if sum := sha256.Sum256(data); s.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("sha256 %s is not that of the bytes read", s.SHA256)
	}
}

func FuzzReadIDX(f *testing.F) {
	images, labels := smallIDX(f)
	f.Add(images)
	f.Add(labels)
	f.Add(gzipOf(images, nil))
	f.Add(idxBytes(IDXImages, []uint32{1, 1, 2}, []byte{7, 9}))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeIDXImages("fuzz-images", bytes.NewReader(data), int64(len(data)))
		// the same bytes through a pipe (size unknown) give the same answer
		p, perr := decodeIDXImages("fuzz-images", io.MultiReader(bytes.NewReader(data)), -1)
		if (err == nil) != (perr == nil) || (err != nil && !strings.Contains(err.Error(), "fuzz-images")) {
			t.Fatalf("file: %v; pipe: %v", err, perr)
		}
		if err == nil {
			checkImages(t, s, data)
			if !equalPix(s.Pix, p.Pix) {
				t.Fatal("pipe read differs")
			}
			// re-encoding gives the (gunzipped) content back
			out := filepath.Join(t.TempDir(), "re")
			if err := WriteIDXImages(out, s); err != nil {
				t.Fatalf("re-encoding: %v", err)
			}
			re, _ := os.ReadFile(out)
			if want := gunzipped(data); !bytes.Equal(re, want) {
				t.Fatalf("re-encoded %d bytes differ from the %d read", len(re), len(want))
			}
		}
		st, err := newIDXStream("fuzz-labels", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		if l, err := decodeIDXLabels(st); err == nil {
			for _, v := range l {
				if v < 0 || v > 255 {
					t.Fatalf("label %d", v)
				}
			}
			if want := gunzipped(data); len(want) != 8+len(l) {
				t.Fatalf("%d labels from %d bytes", len(l), len(want))
			}
		} else if !strings.Contains(err.Error(), "fuzz-labels") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func gunzipped(data []byte) []byte {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil
		}
		out, _ := io.ReadAll(zr)
		return out
	}
	return data
}

func FuzzReadNPY(f *testing.F) {
	f.Add(npyFile("|u1", "(2, 2, 2)", []byte{0, 1, 2, 3, 4, 5, 6, 255}))
	f.Add(npyFile("<f4", "(1, 4)", f32Bytes(0, 1.5, 2, 1e-40)))
	f.Add(npyFile("<f8", "(1, 1, 2)", f64Bytes(0.25, 3e38)))
	f.Add(npyFile("<f4", "(100000000, 28, 28)", make([]byte, 64)))
	f.Fuzz(func(t *testing.T, data []byte) {
		arr, aerr := decodeNPYArray("fuzz.npy", bytes.NewReader(data), int64(len(data)))
		if aerr != nil && !strings.Contains(aerr.Error(), "fuzz.npy") {
			t.Fatalf("error does not name the file: %v", aerr)
		}
		if aerr == nil {
			n, _, ok := npyDataSize(arr.Shape, 1)
			if !ok || n != len(arr.Values) {
				t.Fatalf("array of shape %v with %d values", arr.Shape, len(arr.Values))
			}
		}
		s, err := decodeNPY("fuzz.npy", bytes.NewReader(data), int64(len(data)))
		p, perr := decodeNPY("fuzz.npy", io.MultiReader(bytes.NewReader(data)), -1)
		if (err == nil) != (perr == nil) || (err != nil && !strings.Contains(err.Error(), "fuzz.npy")) {
			t.Fatalf("file: %v; pipe: %v", err, perr)
		}
		if err != nil {
			return
		}
		checkImages(t, s, data)
		if aerr != nil || len(arr.Values) != len(s.Pix) {
			t.Fatalf("images accepted, the array reader: %v", aerr)
		}
		for i, v := range arr.Values {
			if float32(v) != s.Pix[i] {
				t.Fatalf("value %d: array %v, images %v", i, v, s.Pix[i])
			}
		}
		if !equalPix(s.Pix, p.Pix) {
			t.Fatal("pipe read differs")
		}
		// the data is exactly what the header declares, after it
		hdr, herr := readNPYHeader(bytes.NewReader(data))
		if herr != nil {
			t.Fatalf("accepted, but the header alone: %v", herr)
		}
		item := map[string]int{"<f4": 4, "|f4": 4, "<f8": 8, "|f8": 8, "|u1": 1, "<u1": 1}[hdr.Descr]
		if int64(len(data)) != hdr.Offset+int64(item*len(s.Pix)) {
			t.Fatalf("%d bytes, header %d + %d values of %d bytes", len(data), hdr.Offset, len(s.Pix), item)
		}
	})
}

func FuzzDecodePNG(f *testing.F) {
	g := image.NewGray(image.Rect(0, 0, 3, 2))
	g.Pix = []uint8{0, 10, 20, 30, 40, 255}
	g16 := image.NewGray16(image.Rect(0, 0, 2, 1))
	g16.Pix = []uint8{0xff, 0xfe, 0, 1}
	for _, img := range []image.Image{g, g16, image.NewRGBA(image.Rect(0, 0, 1, 1))} {
		var b bytes.Buffer
		png.Encode(&b, img)
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pix, h, w, err := decodeGrayPNG("fuzz.png", data, -1, -1)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.png") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if h <= 0 || w <= 0 || h*w > MaxPNGPixels || len(pix) != h*w {
			t.Fatalf("accepted %d×%d with %d pixels", h, w, len(pix))
		}
		eight := true
		for _, v := range pix {
			if v < 0 || v > 65535 || v != float32(int(v)) {
				t.Fatalf("pixel %v", v)
			}
			eight = eight && v <= 255
		}
		// an 8-bit image re-encodes (WritePNG) and decodes to the same pixels
		cfg, _ := png.DecodeConfig(bytes.NewReader(data))
		if eight && cfg.ColorModel == color.GrayModel {
			s := &Images{N: 1, H: h, W: w, Pix: pix}
			out := filepath.Join(t.TempDir(), "re.png")
			if err := s.WritePNG(out, 0); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(out)
			back, _, _, err := decodeGrayPNG(out, raw, h, w)
			if err != nil || !equalPix(back, pix) {
				t.Fatalf("round trip: %v", err)
			}
		}
	})
}

func FuzzReadMNISTJSON(f *testing.F) {
	f.Add([]byte(`{"data":[` + strings.Repeat("0,", 783) + `0.5]}`))
	f.Add([]byte("\xef\xbb\xbf{\"data\": [" + strings.Repeat("1, ", 783) + "0.25]}\n"))
	f.Add([]byte(`{"data":[0.5, 2]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeMNISTJSON("fuzz.json", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		checkImages(t, s, data)
		for i, v := range s.Pix {
			if v > 255 || v != float32(int(v)) {
				t.Fatalf("pixel %d is %v, want an integer 0..255", i, v)
			}
		}
	})
}

func FuzzReadTable(f *testing.F) {
	f.Add([]byte("x,y\n1,2\n3.5,-4e3\n"))
	f.Add([]byte("\xef\xbb\xbf\"a,b\", c\r\n1, 2\r\n"))
	f.Add([]byte("x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := decodeTable("fuzz.csv", bytes.NewReader(data))
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(tab.Columns) == 0 || len(tab.Rows) == 0 {
			t.Fatalf("accepted %d columns, %d rows", len(tab.Columns), len(tab.Rows))
		}
		for i, r := range tab.Rows {
			if len(r) != len(tab.Columns) {
				t.Fatalf("row %d has %d cells, %d columns", i, len(r), len(tab.Columns))
			}
			for _, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("row %d: %v", i, v)
				}
			}
		}
		// WriteTable then ReadTable: the same columns, values to 10 digits
		out := filepath.Join(t.TempDir(), "re.csv")
		if err := WriteTable(out, tab.Columns, tab.Rows); err != nil {
			t.Fatal(err)
		}
		back, err := ReadTable(out)
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if strings.Join(back.Columns, "\x00") != strings.Join(tab.Columns, "\x00") || len(back.Rows) != len(tab.Rows) {
			t.Fatalf("round trip: columns %q, want %q; %d rows, want %d", back.Columns, tab.Columns, len(back.Rows), len(tab.Rows))
		}
		for i, r := range tab.Rows {
			for k, v := range r {
				if d := math.Abs(back.Rows[i][k] - v); d > 1e-9*math.Abs(v) {
					t.Fatalf("row %d col %d: %v, want %v", i, k, back.Rows[i][k], v)
				}
			}
		}
	})
}

func FuzzReadLabels(f *testing.F) {
	_, labels := smallIDX(f)
	f.Add(labels)
	f.Add([]byte("label\n3\n1\n4\n"))
	f.Add(gzipOf([]byte("\xef\xbb\xbf7\r\n8\r\n"), nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "labels")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := ReadLabels(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(l) == 0 {
			t.Fatal("accepted no labels")
		}
	})
}
