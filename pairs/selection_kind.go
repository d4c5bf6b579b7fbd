package pairs

import "strings"

// SelectionKind is what a header's selection chose (see the format above
// and Selection.String): random pairs, every pair, every pair within
// groups, or a given list.
type SelectionKind int

const (
	SelectionUnknown SelectionKind = iota // a selection this version does not name
	SelectionRandom                       // "random n=N seed=S"
	SelectionAll                          // "all"
	SelectionGroups                       // "groups size=G seed=S"
	SelectionList                         // "list LABEL"
)

// SelectionKind reads the kind of h.Selection from its first word.
func (h Header) SelectionKind() SelectionKind {
	word, _, _ := strings.Cut(h.Selection, " ")
	switch word {
	case "random":
		return SelectionRandom
	case "all":
		return SelectionAll
	case "groups":
		return SelectionGroups
	case "list":
		return SelectionList
	}
	return SelectionUnknown
}

// Blocks reports whether a selection of this kind holds every pair within
// sets of images (all pairs, or all pairs within each group): the pairs
// that block-mode training supervises whole.
func (k SelectionKind) Blocks() bool { return k == SelectionAll || k == SelectionGroups }
