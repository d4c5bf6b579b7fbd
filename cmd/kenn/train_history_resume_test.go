package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// kenn train --history, interrupted after its first epoch and rerun, ends
// with the history an uninterrupted run writes: every epoch once, none
// lost or repeated, the same values (training resumes exactly).
func TestTrainHistoryResume(t *testing.T) {
	dir := t.TempDir()
	tr := makePairs(t, dir, "tr.txt", "--images", mnist, "--n", "300")
	va := makePairs(t, dir, "va.txt", "--images", mnistTest, "--all", "--first", "12")
	args := func(out string) []string {
		return []string{"train", "--model", "naive", "--pairs", tr, "--val", va, "--epochs", "6", "--patience", "100", "--batch", "8",
			"-o", out + ".ckpt", "--history", out + ".csv", "--history-sample", "300"}
	}
	ref := filepath.Join(dir, "ref")
	if _, stderr, err := kenn(args(ref)...); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	want, err := os.ReadFile(ref + ".csv")
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "out")
	cmd := exec.Command(kennBin, args(out)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if _, err := os.Stat(out + ".csv"); err == nil { // the first epoch is done
			break
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("the interrupted run exited %d (%v), want 130: it must stop before its last epoch for this test to mean anything; stderr: %s", code, err, stderr.String())
	}
	partial, err := os.ReadFile(out + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(want, partial) || len(partial) == len(want) {
		t.Fatalf("the interrupted run's history is not a proper prefix of the full one:\n%s\nfull:\n%s", partial, want)
	}
	if _, stderr, err := kenn(args(out)...); err != nil {
		t.Fatalf("resume: %v: %s", err, stderr)
	}
	got, err := os.ReadFile(out + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("history after the resume:\n%s\nuninterrupted:\n%s", got, want)
	}
}
