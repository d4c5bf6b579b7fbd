// Package progress shows a progress bar with rate and ETA on a terminal.
// When the output is a pipe, a file or CI it writes instead a line with the
// count, rate and ETA at most every 30 seconds (LineEvery), starting once
// a job has run that long, so that short jobs stay quiet and long ones are
// never silent for minutes.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// LineEvery is the interval of the progress lines written off a terminal.
const LineEvery = 30 * time.Second

// Bar reports the progress of one job. The zero Bar ignores every call.
type Bar struct {
	bar  *progressbar.ProgressBar
	line *lines
}

// lines is the report off a terminal: a line at most every `every`.
type lines struct {
	w           io.Writer
	desc, unit  string
	total, done int
	every       time.Duration
	now         func() time.Time
	start, last time.Time
	printed     bool
}

// Interactive reports whether f is a terminal outside CI.
func Interactive(f *os.File) bool {
	return os.Getenv("CI") == "" && term.IsTerminal(int(f.Fd()))
}

// New returns a bar over total units on stderr when it is a terminal;
// otherwise a Bar that writes a progress line to stderr at most every
// LineEvery.
func New(description string, total int, unit string) *Bar {
	if !Interactive(os.Stderr) {
		return newLines(os.Stderr, description, total, unit, LineEvery, time.Now)
	}
	return newBar(os.Stderr, description, total, unit)
}

// Silent returns a Bar that ignores every call (for --quiet).
func Silent() *Bar { return &Bar{} }

func newLines(w io.Writer, description string, total int, unit string, every time.Duration, now func() time.Time) *Bar {
	t := now()
	return &Bar{line: &lines{w: w, desc: description, unit: unit, total: total, every: every, now: now, start: t, last: t}}
}

func (l *lines) set(done int) {
	l.done = done
	if t := l.now(); t.Sub(l.last) >= l.every {
		l.last = t
		l.write()
	}
}

// write prints "DESC: done/total UNIT (P%), R UNIT/s, ETA D".
func (l *lines) write() {
	el := l.now().Sub(l.start).Seconds()
	msg := fmt.Sprintf("%s: %d/%d %s", l.desc, l.done, l.total, l.unit)
	if l.total > 0 {
		msg += fmt.Sprintf(" (%.1f%%)", 100*float64(l.done)/float64(l.total))
	}
	if el > 0 {
		rate := float64(l.done) / el
		msg += fmt.Sprintf(", %.3g %s/s", rate, l.unit)
		if rate > 0 && l.total > l.done {
			eta := time.Duration(float64(l.total-l.done) / rate * float64(time.Second)).Round(time.Second)
			msg += fmt.Sprintf(", ETA %s", eta)
		}
	}
	msg += fmt.Sprintf(", %s elapsed\n", time.Duration(el*float64(time.Second)).Round(time.Second))
	io.WriteString(l.w, msg)
	l.printed = true
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
	switch {
	case b == nil:
	case b.bar != nil:
		b.bar.Set(done)
	case b.line != nil:
		b.line.set(done)
	}
}

// Finish completes the bar.
// Off a terminal, a job that printed progress lines ends with one more.
func (b *Bar) Finish() {
	switch {
	case b == nil:
	case b.bar != nil:
		b.bar.Finish()
	case b.line != nil && b.line.printed:
		b.line.write()
	}
}

// Describe replaces the text before the bar (for example a running loss).
func (b *Bar) Describe(text string) {
	switch {
	case b == nil:
	case b.bar != nil:
		b.bar.Describe(text)
	case b.line != nil:
		b.line.desc = text
	}
}
