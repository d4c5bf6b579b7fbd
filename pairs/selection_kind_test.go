package pairs

import "testing"

// The kind of every selection String writes is read back from a header.
func TestSelectionKind(t *testing.T) {
	for _, tc := range []struct {
		sel    Selection
		want   SelectionKind
		blocks bool
	}{
		{Selection{N: 10, Seed: 2}, SelectionRandom, false},
		{Selection{N: 10, Seed: 2, First: 50, Skip: 3}, SelectionRandom, false},
		{Selection{All: true}, SelectionAll, true},
		{Selection{All: true, First: 20, Every: 2}, SelectionAll, true},
		{Selection{Groups: 36, Seed: 1}, SelectionGroups, true},
		{Selection{Groups: 36, Seed: 1, First: 100}, SelectionGroups, true},
		{Selection{List: []Pair{{0, 1}}, ListLabel: "p.csv"}, SelectionList, false},
	} {
		t.Run(tc.sel.String(), func(t *testing.T) {
			k := Header{Selection: tc.sel.String()}.SelectionKind()
			if k != tc.want || k.Blocks() != tc.blocks {
				t.Errorf("kind %d (blocks %v), want %d (%v)", k, k.Blocks(), tc.want, tc.blocks)
			}
		})
	}
	for _, s := range []string{"", "allx", "grouped size=3"} {
		if k := (Header{Selection: s}).SelectionKind(); k != SelectionUnknown {
			t.Errorf("%q: kind %d", s, k)
		}
	}
}
