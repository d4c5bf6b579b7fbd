package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/cmd/internal/clitest"
)

// kennBeamBin is this command built; kennBin is cmd/kenn, whose local runs
// the distributed ones must equal.
var kennBeamBin, kennBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kenn-beam-cli")
	if err != nil {
		panic(err)
	}
	kennBeamBin, kennBin = filepath.Join(dir, "kenn-beam"), filepath.Join(dir, "kenn")
	for _, b := range [][2]string{{kennBeamBin, "."}, {kennBin, "../kenn"}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			panic(string(out))
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(bin string, args ...string) (string, string, error) {
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func kenn(args ...string) (string, string, error)     { return run(kennBin, args...) }
func kennBeam(args ...string) (string, string, error) { return run(kennBeamBin, args...) }

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// kenn-beam's help and every command's -h match their golden files
// (clitest.GoldenHelp); each command has kenn's flags plus the Beam
// runner's.
func TestHelpGolden(t *testing.T) {
	cases := map[string][]string{"kenn-beam": {"-h"}}
	for name := range commands() {
		cases[name] = []string{name, "-h"}
	}
	clitest.GoldenHelp(t, "kenn-beam", "./cmd/kenn-beam/", cases, kennBeam, func(t *testing.T, name, got string) {
		if name == "kenn-beam" {
			return
		}
		// the same flags as kenn's command, plus the runner's
		kennOut, kennErr, err := kenn(name, "-h")
		if err != nil {
			t.Fatalf("kenn %s -h: %v\n%s", name, err, kennErr)
		}
		kennFlags := flagsOf(kennOut + kennErr)
		if len(kennFlags) < 5 {
			t.Fatalf("kenn %s -h lists %d flags: %q", name, len(kennFlags), kennOut+kennErr)
		}
		for _, f := range kennFlags {
			if !strings.Contains(got, "\n  "+f) {
				t.Errorf("kenn %s has %s, kenn-beam %s has not", name, f, name)
			}
		}
		for _, f := range []string{"--runner", "--endpoint", "--worker-binary", "--connect-timeout", "--attempts", "--beam-opt"} {
			if !strings.Contains(got, "\n  "+f+" ") {
				t.Errorf("kenn-beam %s -h does not list %s", name, f)
			}
		}
	})
}

// flagsOf lists the flags of a help text ("  --name type" lines).
func flagsOf(help string) []string {
	var out []string
	for _, l := range strings.Split(help, "\n") {
		if strings.HasPrefix(l, "  -") {
			out = append(out, strings.Fields(l)[0])
		}
	}
	return out
}
