package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/pairs"
)

// headerImages loads the images a pairs file's header names. A relative
// path is resolved against the folder of the pairs file first (so that a
// data folder can be moved or used from anywhere), then against the current
// folder (files written before kenn recorded paths that way); the first
// candidate whose content matches the header's sha256 and sizes wins.
func headerImages(pairsPath string, h pairs.Header) (*dataset.Images, error) {
	if h.Images == "" {
		return nil, fmt.Errorf("%s: the header names no images; pass --images", pairsPath)
	}
	cands := []string{h.Images}
	if !filepath.IsAbs(h.Images) {
		cands = []string{filepath.Join(filepath.Dir(pairsPath), h.Images)}
		if c := filepath.Clean(h.Images); c != cands[0] {
			cands = append(cands, c)
		}
	}
	var errs []error
	for _, c := range cands {
		if _, err := os.Stat(c); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c, err))
			continue
		}
		imgs, err := dataset.Load(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := h.CheckImages(imgs); err != nil {
			errs = append(errs, err)
			continue
		}
		return imgs, nil
	}
	return nil, fmt.Errorf("%s: the images of its header (%s), resolved against its folder and the current folder: %w; pass --images", pairsPath, h.Images, errors.Join(errs...))
}

// evalData reads the pairs to score and their images: --images when given
// (the pairs may then be a kenn pairs file or a CSV i,j,w2sq, read in one
// pass), else the images named by the pairs file's header.
func evalData(pairsPath, imagesPath string) (*dataset.Images, *pairs.File, error) {
	if imagesPath != "" {
		imgs, err := dataset.Load(imagesPath)
		if err != nil {
			return nil, nil, err
		}
		pf, err := readEvalPairs(pairsPath, imgs)
		return imgs, pf, err
	}
	pf, err := pairs.ReadFile(pairsPath)
	if err != nil {
		return nil, nil, fmt.Errorf("no --images, so --pairs must be a kenn pairs file whose header names them: %w", err)
	}
	imgs, err := headerImages(pairsPath, pf.Header)
	if err != nil {
		return nil, nil, err
	}
	return imgs, pf, nil
}
