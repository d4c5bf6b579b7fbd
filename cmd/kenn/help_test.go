package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/cmd/internal/clitest"
)

// helpCases are the command lines whose help is golden: kenn's own and
// every command's -h (plot's figures each have their own).
func helpCases() map[string][]string {
	cases := map[string][]string{"kenn": {"-h"}, "plot-pred": {"plot", "pred", "-h"}, "plot-weights": {"plot", "weights", "-h"}}
	for name := range snnCommands() {
		cases["snn-"+name] = []string{"snn", name, "-h"}
	}
	for name := range commands() {
		cases[name] = []string{name, "-h"}
	}
	return cases
}

var (
	// a flag line as printFlags writes it: the flag as typed, then its
	// value's type or a one-word placeholder (none for a bool).
	flagLine = regexp.MustCompile(`^  (-[a-z]|--[a-z0-9][a-z0-9-]*)( [A-Za-z0-9_.]+)?$`)
	// flags named in a synopsis
	synopsisFlag = regexp.MustCompile(`(?:^|[\s\[(|])(--[a-z0-9][a-z0-9-]*|-[a-z])\b`)
)

// Every command's -h exits 0, matches its golden file (clitest.GoldenHelp)
// and reads right: no placeholder taken from backquotes, no fmt artefact,
// no reference to text the reader does not see, and every flag of the
// synopsis is listed.
func TestHelpGolden(t *testing.T) {
	clitest.GoldenHelp(t, "kenn", "./cmd/kenn/", helpCases(), kenn, func(t *testing.T, _, help string) { checkHelpText(t, help) })
}

func checkHelpText(t *testing.T, help string) {
	t.Helper()
	lines := strings.Split(help, "\n")
	if !strings.HasPrefix(lines[0], "Usage: kenn") && !strings.HasPrefix(lines[0], "kenn: ") {
		t.Errorf("first line %q: want a Usage line", lines[0])
	}
	for _, bad := range []string{"`", "%!", "see above", "(MISSING)"} {
		for i, l := range lines {
			if strings.Contains(l, bad) && !strings.Contains(l, "Run `kenn") {
				t.Errorf("line %d has %q: %s", i+1, bad, l)
			}
		}
	}
	listed := map[string]bool{}
	inFlags := false
	for i, l := range lines {
		switch {
		case l == "Flags:":
			inFlags = true
		case inFlags && strings.HasPrefix(l, "  -"):
			m := flagLine.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("line %d %q: not a flag and a one-word value type (a backquoted word in the usage becomes the placeholder)", i+1, l)
				continue
			}
			listed[m[1]] = true
		case inFlags && l != "" && !strings.HasPrefix(l, "    \t"):
			t.Errorf("line %d %q: neither a flag nor its description", i+1, l)
		}
	}
	if !inFlags {
		return
	}
	for _, m := range synopsisFlag.FindAllStringSubmatch(lines[0], -1) {
		if !listed[flagName(strings.TrimLeft(m[1], "-"))] { // --n and -n are one flag
			t.Errorf("synopsis %q names %s, which the flags do not list", lines[0], m[1])
		}
	}
}

// The check above catches what it is meant to: the artefacts this test was
// written for, fed in as help text.
func TestHelpCheckCatches(t *testing.T) {
	cases := []struct{ name, help string }{
		{"backquote placeholder", "Usage: kenn train --pairs P\n\nFlags:\n  --pairs kenn pairs --all\n    \ttraining pairs\n"},
		{"see above", "Usage: kenn init -o M\n\nFlags:\n  -o string\n    \tdwe (snn: tables, see above)\n"},
		{"stale synopsis", "Usage: kenn knn --index A\n\nFlags:\n  --images string\n    \timages\n"},
		{"fmt artefact", "Usage: kenn version %!s(MISSING)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := &testing.T{}
			done := make(chan struct{})
			go func() { defer close(done); checkHelpText(ft, tc.help) }()
			<-done
			if !ft.Failed() {
				t.Errorf("no error on\n%s", tc.help)
			}
		})
	}
}
