package progress

import (
	"strings"
	"testing"
	"time"
)

// Off a terminal: nothing in the first 30 s, then a line at most every
// 30 s with count, percentage, rate and ETA, and a last line at Finish.
func TestLinesOffTerminal(t *testing.T) {
	var out strings.Builder
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	b := newLines(&out, "pairs", 1000, "pairs", LineEvery, clock)
	for s := 1; s <= 100; s++ { // 10 pairs a second for 100 s
		now = now.Add(time.Second)
		b.Set(10 * s)
	}
	b.Finish()
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"pairs: 300/1000 pairs (30.0%), 10 pairs/s, ETA 1m10s, 30s elapsed",
		"pairs: 600/1000 pairs (60.0%), 10 pairs/s, ETA 40s, 1m0s elapsed",
		"pairs: 900/1000 pairs (90.0%), 10 pairs/s, ETA 10s, 1m30s elapsed",
		"pairs: 1000/1000 pairs (100.0%), 10 pairs/s, 1m40s elapsed",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines:\n%s\nwant %d", len(got), out.String(), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func TestShortJobQuiet(t *testing.T) {
	var out strings.Builder
	now := time.Unix(0, 0)
	b := newLines(&out, "w2", 10, "pairs", LineEvery, func() time.Time { return now })
	for s := 1; s <= 10; s++ {
		now = now.Add(time.Second)
		b.Set(s)
	}
	b.Finish()
	if out.Len() != 0 {
		t.Errorf("a 10 s job wrote %q", out.String())
	}
	Silent().Set(3) // must not panic
	var nilBar *Bar
	nilBar.Set(1)
	nilBar.Finish()
}
