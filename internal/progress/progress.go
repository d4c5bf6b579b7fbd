// Package progress shows a progress bar with rate and ETA on a terminal
// and stays silent when the output is a pipe, a file or CI.
package progress

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar reports the progress of one job. The zero Bar (from New when output
// is not a terminal) ignores every call.
type Bar struct {
	bar *progressbar.ProgressBar
}

// Interactive reports whether f is a terminal outside CI.
func Interactive(f *os.File) bool {
	return os.Getenv("CI") == "" && term.IsTerminal(int(f.Fd()))
}

// New returns a bar over total units, written to stderr when it is a
// terminal; otherwise a silent bar.
func New(description string, total int, unit string) *Bar {
	if !Interactive(os.Stderr) {
		return &Bar{}
	}
	return newBar(os.Stderr, description, total, unit)
}

func newBar(w io.Writer, description string, total int, unit string) *Bar {
	return &Bar{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionOnCompletion(func() { io.WriteString(w, "\n") }),
	)}
}

// Set moves the bar to done units. A nil Bar ignores every call.
func (b *Bar) Set(done int) {
	if b != nil && b.bar != nil {
		b.bar.Set(done)
	}
}

// Finish completes the bar.
func (b *Bar) Finish() {
	if b != nil && b.bar != nil {
		b.bar.Finish()
	}
}

// Describe replaces the text before the bar (for example a running loss).
func (b *Bar) Describe(text string) {
	if b != nil && b.bar != nil {
		b.bar.Describe(text)
	}
}
