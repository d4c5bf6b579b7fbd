package tiling

import (
	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

// Screen places imgs against a model's training domain d (models.Domain,
// from its kenn.domain metadata): ok is false when d is nil (the model
// records none) or of another image size than imgs (the backends refuse
// those images first).
func Screen(d *models.Domain, imgs *dataset.Images) (r models.Screening, ok bool) {
	if d == nil || imgs.H != d.H || imgs.W != d.W {
		return models.Screening{}, false
	}
	return d.Screen(imgs.Pix, imgs.N, imgs.H, imgs.W), true
}
