package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every long command stops on SIGINT with exit status 130 (143 on
// SIGTERM), saying it was interrupted and, where it can resume, from
// which file; a rerun then completes.
func TestInterruptExitStatus(t *testing.T) {
	in := makeInputs(t)
	cases := []struct {
		name  string
		args  func(out string) []string
		ready string // a file beside -o whose appearance means the job is under way ("" : a temporary file)
		sig   syscall.Signal
		code  int
		want  string
	}{
		{"pairs SIGINT", func(o string) []string {
			return []string{"pairs", "--images", mnist, "--all", "--first", "150", "--workers", "1", "-o", o}
		}, ".partial", syscall.SIGINT, 130, "rerun the same command to resume from"},
		{"pairs SIGTERM", func(o string) []string {
			return []string{"pairs", "--images", mnist, "--all", "--first", "150", "--workers", "1", "-o", o}
		}, ".partial", syscall.SIGTERM, 143, "interrupted by SIGTERM"},
		{"train SIGINT", func(o string) []string {
			return []string{"train", "--model", "deepkenn", "--pairs", in.trainPairs, "--val", in.valPairs, "--epochs", "10000", "--patience", "10000", "--batch", "4", "-o", o}
		}, ".train", syscall.SIGINT, 130, "rerun the same command to resume from"},
		{"pairwise SIGINT", func(o string) []string {
			return []string{"pairwise", "--model", in.model, "--images", mnist, "--tile", "4", "-o", o}
		}, "", syscall.SIGINT, 130, "interrupted by SIGINT; no output was written"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			cmd := exec.Command(kennBin, tc.args(out)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for time.Now().Before(deadline) {
				if tc.ready != "" {
					if _, err := os.Stat(out + tc.ready); err == nil {
						break
					}
				} else if hasTemp(dir) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			sent := time.Now()
			cmd.Process.Signal(tc.sig)
			err := cmd.Wait()
			if el := time.Since(sent); el > 5*time.Second {
				t.Errorf("stopped %v after the signal", el)
			}
			if err == nil || cmd.ProcessState.ExitCode() != tc.code {
				t.Fatalf("exit %v (status %d), want %d; stderr: %s", err, cmd.ProcessState.ExitCode(), tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("stderr does not say %q: %s", tc.want, stderr.String())
			}
			if l := leftovers(t, dir); len(l) > 0 {
				t.Fatalf("left after the interruption: %v", l)
			}
		})
	}
}
