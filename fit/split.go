package fit

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// minTest is the fewest test images a fit accepts: fewer give intervals
// too wide to promise anything.
const minTest = 50

// Split assigns every image of a collection to one of train, validation
// and test, by index into the collection.
type Split struct {
	Images     string `json:"images"` // the collection as given
	SHA256     string `json:"sha256"` // of the collection's bytes
	N          int    `json:"n"`
	H          int    `json:"h"`
	W          int    `json:"w"`
	Seed       uint64 `json:"seed"`
	Stratified bool   `json:"stratified"` // by label
	Train      []int  `json:"train"`
	Val        []int  `json:"val"`
	Test       []int  `json:"test"`
}

// SplitSummary is a Split without its indices (for cards and metadata).
type SplitSummary struct {
	Images           string
	SHA256           string
	N, H, W          int
	Seed             uint64
	Stratified       bool
	Train, Val, Test int // images in each part
}

// Summary counts the images of each part.
func (s Split) Summary() SplitSummary {
	return SplitSummary{Images: s.Images, SHA256: s.SHA256, N: s.N, H: s.H, W: s.W, Seed: s.Seed, Stratified: s.Stratified,
		Train: len(s.Train), Val: len(s.Val), Test: len(s.Test)}
}

// MinImages is the smallest collection MakeSplit accepts for a group size.
func MinImages(group int) int { return minTest + group + 2*group }

// MakeSplit splits n images into test (a tenth, between 50 and testCap),
// validation (a tenth, between group and valCap) and train (the rest, at
// least two groups), seeded. With labels (nil for none) every part keeps the
// collection's label proportions to within one image per label, and so does
// every prefix of the training part (the images a smaller budget uses).
func MakeSplit(n int, labels []int, group, testCap, valCap int, seed uint64) (Split, error) {
	if need := MinImages(group); n < need {
		return Split{}, fmt.Errorf("fit: %d images are too few to split: a fit needs at least %d (%d test, %d validation and %d training images for groups of %d)", n, need, minTest, group, 2*group, group)
	}
	if labels != nil && len(labels) != n {
		return Split{}, fmt.Errorf("fit: %d labels for %d images", len(labels), n)
	}
	nTest := min(testCap, max(minTest, n/10))
	nVal := min(valCap, max(group, n/10))
	order := stratifiedOrder(n, labels, seed)
	s := Split{N: n, Seed: seed, Stratified: labels != nil}
	s.Test = append([]int(nil), order[:nTest]...)
	s.Val = append([]int(nil), order[nTest:nTest+nVal]...)
	s.Train = append([]int(nil), order[nTest+nVal:]...)
	return s, nil
}

// stratifiedOrder is a random order of 0..n-1 in which every label's
// images are spread evenly: image r of a label with c images sits at
// position (r + u)/c of the way, u uniform, so that every prefix holds each
// label in proportion.
func stratifiedOrder(n int, labels []int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0x73706c6974)) // "split"
	order := rng.Perm(n)
	if labels == nil {
		return order
	}
	byLabel := map[int][]int{}
	for _, i := range order { // shuffled within each label
		byLabel[labels[i]] = append(byLabel[labels[i]], i)
	}
	keys := make([]int, 0, len(byLabel))
	for k := range byLabel {
		keys = append(keys, k)
	}
	sort.Ints(keys) // map order must not decide anything
	pos := make([]float64, n)
	for _, k := range keys {
		idx := byLabel[k]
		for r, i := range idx {
			pos[i] = (float64(r) + rng.Float64()) / float64(len(idx))
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return pos[order[a]] < pos[order[b]] })
	return order
}

// check verifies that the split is a partition of 0..N-1.
func (s Split) check() error {
	seen := make([]bool, s.N)
	for _, part := range [][]int{s.Train, s.Val, s.Test} {
		for _, i := range part {
			if i < 0 || i >= s.N || seen[i] {
				return fmt.Errorf("fit: split: image %d is out of range or in two parts", i)
			}
			seen[i] = true
		}
	}
	if len(s.Train)+len(s.Val)+len(s.Test) != s.N {
		return fmt.Errorf("fit: split: %d+%d+%d images of %d", len(s.Train), len(s.Val), len(s.Test), s.N)
	}
	return nil
}
