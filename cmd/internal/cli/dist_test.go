package cli

import (
	"errors"
	"strings"
	"testing"
)

// kenn's commands accept every Beam flag only to say that kenn-beam runs
// the command: a usage error (exit 2) wrapping ErrNeedsKennBeam that names
// the flag and the kenn-beam command line; without one they run locally.
func TestNoBeam(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string // "" : a local run (no runner, no error)
	}{
		{"none", nil, ""},
		{"runner", []string{"--runner", "prism"}, "--runner prism: "},
		{"endpoint", []string{"--endpoint", "h:1"}, "--endpoint: "},
		{"worker-binary", []string{"--worker-binary", "/bin/true"}, "--worker-binary: "},
		{"connect-timeout", []string{"--connect-timeout", "3s"}, "--connect-timeout: "},
		{"attempts", []string{"--attempts", "5"}, "--attempts: "},
		{"beam-opt", []string{"--beam-opt", "a=b"}, "--beam-opt: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := NewFlags("kenn", "pairs", "")
			runner := NoBeam{}.Flags(fs)
			if err := Parse(fs, c.args); err != nil {
				t.Fatal(err)
			}
			r, err := runner()
			if r != nil {
				t.Fatalf("NoBeam gave a runner %v", r)
			}
			if c.want == "" {
				if err != nil {
					t.Fatalf("no Beam flag: %v, want a local run", err)
				}
				return
			}
			if !errors.Is(err, ErrNeedsKennBeam) || !IsUsage(err) {
				t.Fatalf("%v: want a usage error wrapping ErrNeedsKennBeam", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, c.want) || !strings.Contains(msg, "run kenn-beam pairs with the same flags") {
				t.Errorf("%q: want it to start with %q and name kenn-beam pairs", msg, c.want)
			}
		})
	}
}
