// Package clitest holds what the tests of kenn's binaries (cmd/kenn,
// cmd/kenn-beam, cmd/kenn-purego) share: the golden comparison of every
// command's help.
// It is imported by tests only, so the binaries do not link package
// testing.
package clitest

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// update is -update-golden (not -update: Beam's dataflow runner, linked
// into kenn-beam, defines that flag), registered once for every test
// binary that imports this package.
var update = flag.Bool("update-golden", false, "rewrite the golden files of testdata/golden from the current output")

// Run runs a binary with args and returns its stdout and stderr.
type Run func(args ...string) (stdout, stderr string, err error)

// GoldenHelp runs every case, by name in sorted order, as a subtest of
// CompareHelp, then check (when not nil) on its help.
func GoldenHelp(t *testing.T, prog, pkg string, cases map[string][]string, run Run, check func(t *testing.T, name, help string)) {
	t.Helper()
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			help := CompareHelp(t, prog, pkg, name, cases[name], run)
			if check != nil {
				check(t, name, help)
			}
		})
	}
}

// CompareHelp runs the command line args (prog's command name), which must
// exit 0, and compares its help (stdout then stderr) with
// testdata/golden/help/NAME.txt of the test's package; pkg (as in
// "./cmd/kenn/") names the package in the hint to rewrite the files:
// go test -run TestHelpGolden PKG -update-golden. With -update-golden the
// file is written first. It returns the help.
func CompareHelp(t testing.TB, prog, pkg, name string, args []string, run Run) string {
	t.Helper()
	stdout, stderr, err := run(args...)
	if err != nil {
		t.Fatalf("%s %s: %v (want exit 0)\n%s", prog, strings.Join(args, " "), err, stderr)
	}
	got := stdout + stderr
	golden := filepath.Join("testdata", "golden", "help", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestHelpGolden %s -update-golden to create it)", err, pkg)
	}
	if got != string(want) {
		t.Errorf("help differs from %s (rerun with -update-golden if the change is meant):\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
	return got
}
