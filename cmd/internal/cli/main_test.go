package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// An interrupted command's error is told apart by errors.Is against the
// resumable sentinels, not by its text: a wrapped sentinel prints the
// command's own message (without the trailing context error), another
// error — even one whose text says "rerun the same command" — that
// nothing was kept; the status is 128 + the signal.
func TestInterrupted(t *testing.T) {
	errJob := errors.New("interrupted")
	resumable := fmt.Errorf("%w after 3 of 9 pairs; rerun the same command to resume from o.partial: %w", errJob, context.Canceled)
	lookalike := fmt.Errorf("rerun the same command to resume from nowhere: %w", context.Canceled)
	for _, c := range []struct {
		name string
		err  error
		sig  syscall.Signal
		code int
		want string
	}{
		{"resumable SIGINT", resumable, syscall.SIGINT, 130, "kenn pairs: interrupted by SIGINT: interrupted after 3 of 9 pairs; rerun the same command to resume from o.partial\n"},
		{"resumable SIGTERM", resumable, syscall.SIGTERM, 143, "kenn pairs: interrupted by SIGTERM: interrupted after 3 of 9 pairs; rerun the same command to resume from o.partial\n"},
		{"look-alike text", lookalike, syscall.SIGINT, 130, "kenn pairs: interrupted by SIGINT; no output was written"},
		{"other", errors.New("disk full"), syscall.SIGINT, 130, "kenn pairs: interrupted by SIGINT: disk full\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if code := interrupted(&b, "kenn pairs", c.err, c.sig, []error{errJob}); code != c.code {
				t.Errorf("exit status %d, want %d", code, c.code)
			}
			if !strings.HasPrefix(b.String(), c.want) {
				t.Errorf("printed %q, want it to start with %q", b.String(), c.want)
			}
		})
	}
}
