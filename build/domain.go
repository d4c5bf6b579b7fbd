package build

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

// TrainingDomain is the models.Domain of the images that d's pairs use
// (each once, however many pairs hold it), which Train records in a new
// checkpoint; nil, with no error, when they are fewer than
// models.MinDomainImages (too few to describe a domain).
func TrainingDomain(d Data) (*models.Domain, error) {
	used := make([]bool, d.Images.N)
	var idx []int
	for _, p := range d.Pairs.Pairs {
		for _, i := range [2]int{p.I, p.J} {
			if i < 0 || i >= d.Images.N {
				return nil, fmt.Errorf("build: pair image %d outside the %d images", i, d.Images.N)
			}
			if !used[i] {
				used[i] = true
				idx = append(idx, i)
			}
		}
	}
	if len(idx) < models.MinDomainImages {
		return nil, nil
	}
	sub := d.Images.Subset(idx)
	source := fmt.Sprintf("%d images of %s", len(idx), filepath.Base(d.Images.Source))
	dom, err := models.NewDomain(sub.Pix, sub.N, sub.H, sub.W, source)
	if err != nil {
		return nil, nil //nolint:nilerr // fewer than MinDomainImages with mass: no domain, as documented
	}
	return dom, nil
}

// RecordDomain sets c.Domain to the models.Domain of every image of
// imgs, the collection c was trained on: for a checkpoint made before
// Train recorded domains, or to describe the whole training collection
// rather than the images its pairs use. imgs must be the images of c's
// provenance (their SHA-256, and every ensemble member's, must match),
// so that no checkpoint is given another collection's domain.
func RecordDomain(c *models.Checkpoint, imgs *dataset.Images) error {
	if c.Model.H != imgs.H || c.Model.W != imgs.W {
		return fmt.Errorf("build: the model takes %dx%d images, %s has %dx%d", c.Model.H, c.Model.W, imgs.Source, imgs.H, imgs.W)
	}
	provs := []models.Provenance{c.Provenance}
	provs = append(provs, c.Provenance.Members...)
	for _, p := range provs {
		if p.ImagesSHA256 == "" {
			return errors.New("build: the checkpoint records no training images (provenance images_sha256): its domain cannot be checked")
		}
		if p.ImagesSHA256 != imgs.SHA256 {
			return fmt.Errorf("build: %s (sha256 %.12s…) is not the collection the model was trained on (sha256 %.12s…, %d images)", imgs.Source, imgs.SHA256, p.ImagesSHA256, p.NumImages)
		}
	}
	d, err := models.NewDomain(imgs.Pix, imgs.N, imgs.H, imgs.W, fmt.Sprintf("%d images of %s", imgs.N, filepath.Base(imgs.Source)))
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	c.Domain = d
	return nil
}
