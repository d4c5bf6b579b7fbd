package models

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// ImageStats are three scale-free statistics of one image read as a
// distribution of mass over its pixel centres (the model's own reading:
// every image is normalized to unit mass inside the model, so scaling an
// image changes none of them).
type ImageStats struct {
	// Spread is the root-mean-square distance of the mass from its
	// centroid, in pixels: the W2 from the image to a point mass at its
	// centroid.
	Spread float64
	// Offset is the distance of the centroid from the centre of the
	// grid, in pixels.
	Offset float64
	// Support is the share of the grid that the mass covers, exp(H)/(H·W)
	// with H the entropy of the normalized image in nats: 1 for a uniform
	// image, 1/(H·W) for a single lit pixel.
	Support float64
}

// StatsOf returns the statistics of one h×w image, pixels row-major; ok
// is false when the image has no positive finite mass (or holds a
// negative or non-finite pixel), whose statistics are undefined.
func StatsOf(pix []float32, h, w int) (s ImageStats, ok bool) {
	if len(pix) != h*w || h <= 0 || w <= 0 {
		panic(fmt.Sprintf("models: StatsOf: %d pixels for a %dx%d image", len(pix), h, w))
	}
	var mass, mx, my float64
	for i, v := range pix {
		x := float64(v)
		if !(x >= 0) || math.IsInf(x, 0) {
			return ImageStats{}, false
		}
		mass += x
		mx += x * float64(i%w)
		my += x * float64(i/w)
	}
	if !(mass > 0) || math.IsInf(mass, 0) {
		return ImageStats{}, false
	}
	cx, cy := mx/mass, my/mass
	var second, ent float64
	for i, v := range pix {
		if v == 0 {
			continue
		}
		p := float64(v) / mass
		dx, dy := float64(i%w)-cx, float64(i/w)-cy
		second += p * (dx*dx + dy*dy)
		ent -= p * math.Log(p)
	}
	s.Spread = math.Sqrt(second)
	s.Offset = math.Hypot(cx-float64(w-1)/2, cy-float64(h-1)/2)
	s.Support = math.Min(1, math.Exp(ent)/float64(h*w))
	return s, true
}

// Range is a closed interval [Lo, Hi].
type Range struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Contains reports whether v lies in the range.
func (r Range) Contains(v float64) bool { return v >= r.Lo && v <= r.Hi }

// Domain describes the images a model was trained on by the range of
// each ImageStats statistic over them: the central DomainCoverage of the
// training images (quantiles 0.1% and 99.9%; below 1,000 images, their
// minimum and maximum), from 0 for the centroid's offset (a centred
// image is never suspect). An image outside any range is unlike every one
// of all but 0.2% of the training images in that respect; a collection
// of which more than DomainWarnShare lies outside is screened as off the
// model's domain (Screening.Warning). Inside every range is no promise:
// only an exact check (runtime/hybrid.Check, --check) measures the
// model's error on a collection.
type Domain struct {
	// Source names the training images (a file and how many of its
	// images), for messages.
	Source string `json:"source"`
	Images int    `json:"images"`
	H      int    `json:"h"`
	W      int    `json:"w"`
	// Spread and Offset are in pixels; Support is a share of the grid.
	Spread  Range `json:"spread_px"`
	Offset  Range `json:"offset_px"`
	Support Range `json:"support"`
}

// DomainCoverage is the share of the training images each Domain range
// covers; DomainWarnShare the share of a collection outside its ranges,
// beyond Domain.Expected, above which Screening.Warning speaks.
const (
	DomainCoverage  = 0.998
	DomainWarnShare = 0.05
)

// MinDomainImages is the fewest images NewDomain describes. Ranges from
// fewer are too narrow, and vary too much from sample to sample, for a
// screen: from 36 MNIST training digits, 23% of the test digits lay
// outside (Expected: 13.5%); from 100, 7% (5%); from 300, 1.4% (1.7%).
const MinDomainImages = 200

// NewDomain returns the Domain of the n images of h×w pixels in pix
// (row-major, image after image); source names them. Images without
// positive mass are skipped; an error when fewer than MinDomainImages
// remain.
func NewDomain(pix []float32, n, h, w int, source string) (*Domain, error) {
	if len(pix) != n*h*w {
		panic(fmt.Sprintf("models: NewDomain: %d pixels for %d images of %dx%d", len(pix), n, h, w))
	}
	var spread, offset, support []float64
	for i := range n {
		s, ok := StatsOf(pix[i*h*w:(i+1)*h*w], h, w)
		if !ok {
			continue
		}
		spread, offset, support = append(spread, s.Spread), append(offset, s.Offset), append(support, s.Support)
	}
	if len(spread) < MinDomainImages {
		return nil, fmt.Errorf("models: a domain needs at least %d images with mass, %s has %d", MinDomainImages, source, len(spread))
	}
	d := &Domain{Source: source, Images: len(spread), H: h, W: w,
		Spread: central(spread), Offset: central(offset), Support: central(support)}
	d.Offset.Lo = 0 // a centred image is never suspect
	return d, nil
}

// central is the range between the (1−DomainCoverage)/2 and
// (1+DomainCoverage)/2 quantiles of v, nearest rank outward.
func central(v []float64) Range {
	slices.Sort(v)
	tail := (1 - DomainCoverage) / 2 * float64(len(v)-1)
	lo := int(math.Floor(tail))
	hi := len(v) - 1 - lo
	return Range{v[lo], v[hi]}
}

// Validate refuses a domain whose ranges are empty or not finite, whose
// statistics are impossible, or that describes no images.
func (d *Domain) Validate() error {
	if d.Images < MinDomainImages || d.H <= 0 || d.W <= 0 {
		return fmt.Errorf("models: domain of %d images of %dx%d: want at least %d images of a positive size", d.Images, d.H, d.W, MinDomainImages)
	}
	for _, r := range []struct {
		name string
		r    Range
		max  float64
	}{
		{"spread_px", d.Spread, math.Hypot(float64(d.H), float64(d.W))},
		{"offset_px", d.Offset, math.Hypot(float64(d.H), float64(d.W))},
		{"support", d.Support, 1},
	} {
		if !(r.r.Lo >= 0 && r.r.Lo <= r.r.Hi && r.r.Hi <= r.max) {
			return fmt.Errorf("models: domain %s range [%v, %v] is not inside [0, %.4g]", r.name, r.r.Lo, r.r.Hi, r.max)
		}
	}
	return nil
}

// Union is the smallest domain holding every range of the domains
// (those of an ensemble's members); nil when any is nil, as a member
// without a domain leaves the ensemble's unknown.
func Union(ds ...*Domain) *Domain {
	if len(ds) == 0 || slices.Contains(ds, nil) {
		return nil
	}
	u := *ds[0]
	join := func(a, b Range) Range { return Range{math.Min(a.Lo, b.Lo), math.Max(a.Hi, b.Hi)} }
	var sources []string
	for _, d := range ds {
		if !slices.Contains(sources, d.Source) {
			sources = append(sources, d.Source)
		}
	}
	for _, d := range ds[1:] {
		u.Spread, u.Offset, u.Support = join(u.Spread, d.Spread), join(u.Offset, d.Offset), join(u.Support, d.Support)
		u.Images = max(u.Images, d.Images)
	}
	u.Source = strings.Join(sources, "; ")
	return &u
}

// Screening is what Domain.Screen found in a collection.
type Screening struct {
	Domain *Domain
	// Images is the number screened (those with mass), Outside how many
	// lie outside at least one range; Spread, Offset and Support count
	// the images outside each.
	Images, Outside         int
	Spread, Offset, Support int
	// Median is each statistic's median over the collection.
	Median ImageStats
}

// Screen places each of the n images (h×w, as for NewDomain) against d's
// ranges. Images of another size than the domain's are a programmer
// error (the runtimes refuse them first).
func (d *Domain) Screen(pix []float32, n, h, w int) Screening {
	if h != d.H || w != d.W || len(pix) != n*h*w {
		panic(fmt.Sprintf("models: Domain.Screen: %d pixels of %d images %dx%d against a %dx%d domain", len(pix), n, h, w, d.H, d.W))
	}
	r := Screening{Domain: d}
	var spread, offset, support []float64
	for i := range n {
		s, ok := StatsOf(pix[i*h*w:(i+1)*h*w], h, w)
		if !ok {
			continue
		}
		r.Images++
		a, b, c := !d.Spread.Contains(s.Spread), !d.Offset.Contains(s.Offset), !d.Support.Contains(s.Support)
		if a {
			r.Spread++
		}
		if b {
			r.Offset++
		}
		if c {
			r.Support++
		}
		if a || b || c {
			r.Outside++
		}
		spread, offset, support = append(spread, s.Spread), append(offset, s.Offset), append(support, s.Support)
	}
	if r.Images > 0 {
		r.Median = ImageStats{Spread: median(spread), Offset: median(offset), Support: median(support)}
	}
	return r
}

func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// Share is the share of the screened images outside the domain.
func (r Screening) Share() float64 {
	if r.Images == 0 {
		return 0
	}
	return float64(r.Outside) / float64(r.Images)
}

// Expected is the share of a collection like the training images that
// falls outside the ranges by chance, at most: a new image is outside a
// range's lower (upper) end with probability (k+1)/(n+1) for n training
// images and k of them below (above) it, and the union over the five
// ends (the offset has no lower one) bounds the share. 0.5% for 1,000
// images, 2.5% for 200: ranges from few images are narrow.
func (d *Domain) Expected() float64 {
	k := math.Floor((1 - DomainCoverage) / 2 * float64(d.Images-1))
	return math.Min(1, 5*(k+1)/float64(d.Images+1))
}

// Coverage says what each range holds, in words: the central 99.8% of
// the training images, or below 1,000 images their minimum to maximum.
func (d *Domain) Coverage() string {
	if math.Floor((1-DomainCoverage)/2*float64(d.Images-1)) == 0 {
		return fmt.Sprintf("each range from the minimum to the maximum of %d images", d.Images)
	}
	return fmt.Sprintf("each range holding %.1f%% of %d images", 100*DomainCoverage, d.Images)
}

// Off reports whether the share of the images outside the domain is
// more than DomainWarnShare above what chance leaves outside (Expected).
func (r Screening) Off() bool { return r.Share() > DomainWarnShare+r.Domain.Expected() }

// Report is one line on the screening, with every range's count.
func (r Screening) Report() string {
	d := r.Domain
	return fmt.Sprintf("domain screen: %d of %d images (%.1f%%) outside the ranges of the model's training images (%s, %s; %.1f%% expected by chance): %s",
		r.Outside, r.Images, 100*r.Share(), d.Source, d.Coverage(), 100*d.Expected(), strings.Join(r.reasons(true), "; "))
}

// reasons describes each statistic's count, all of them or only those
// that place images outside.
func (r Screening) reasons(all bool) []string {
	d := r.Domain
	var why []string
	if all || r.Spread > 0 {
		why = append(why, fmt.Sprintf("spread: %d images (training %.2f–%.2f px; median here %.2f px)", r.Spread, d.Spread.Lo, d.Spread.Hi, r.Median.Spread))
	}
	if all || r.Offset > 0 {
		why = append(why, fmt.Sprintf("centroid offset: %d images (training up to %.2f px; median here %.2f px)", r.Offset, d.Offset.Hi, r.Median.Offset))
	}
	if all || r.Support > 0 {
		why = append(why, fmt.Sprintf("support: %d images (training %.3f–%.3f of the grid; median here %.3f)", r.Support, d.Support.Lo, d.Support.Hi, r.Median.Support))
	}
	return why
}

// Warning is "" for a collection within the domain (Off false), else a
// sentence saying the model's distances may be wrong here, naming each
// statistic that places images outside, with its training range and
// the collection's median.
func (r Screening) Warning() string {
	if !r.Off() {
		return ""
	}
	d := r.Domain
	return fmt.Sprintf("%.0f%% of these %d images lie outside the ranges of the model's training images (%s, %s; chance leaves %.1f%% outside). Outside by %s. The model may be off its domain here and its distances wrong: --check N measures its error on N exactly solved pairs",
		100*r.Share(), r.Images, d.Source, d.Coverage(), 100*d.Expected(), strings.Join(r.reasons(false), "; "))
}
