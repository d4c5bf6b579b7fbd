package plots

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// ImageGrid writes rows×cols images of h×w pixels (images[r][c], each
// h·w values, row-major; a nil image leaves its cell blank) as one
// grayscale PNG, each image scaled to its own maximum (white on black, as
// MNIST), magnified zoom times, with a 2-pixel gap.
func ImageGrid(path string, images [][][]float32, h, w, zoom int) error {
	if len(images) == 0 || zoom < 1 {
		return fmt.Errorf("plots: an image grid needs at least one row and zoom ≥ 1")
	}
	cols := 0
	for _, r := range images {
		cols = max(cols, len(r))
	}
	const gap = 2
	cw, ch := w*zoom+gap, h*zoom+gap
	img := image.NewGray(image.Rect(0, 0, cols*cw+gap, len(images)*ch+gap))
	for i := range img.Pix {
		img.Pix[i] = 96 // grey gaps
	}
	for r, row := range images {
		for c, im := range row {
			if im == nil {
				continue
			}
			if len(im) != h*w {
				return fmt.Errorf("plots: image (%d, %d) has %d pixels, not %d×%d", r, c, len(im), h, w)
			}
			top := float32(0)
			for _, v := range im {
				top = max(top, v)
			}
			for y := 0; y < h*zoom; y++ {
				for x := 0; x < w*zoom; x++ {
					v := float32(0)
					if top > 0 {
						v = max(im[(y/zoom)*w+x/zoom], 0) / top
					}
					img.SetGray(gap+c*cw+x, gap+r*ch+y, color.Gray{Y: uint8(255 * v)})
				}
			}
		}
	}
	return atomicfile.WriteFile(path, func(f io.Writer) error { return png.Encode(f, img) })
}
