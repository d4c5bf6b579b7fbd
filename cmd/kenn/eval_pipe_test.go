package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kenn eval reads its --pairs once, so a pipe (e.g. <(cut …)) is scored
// whole, as the same content in a regular file: it once opened the file
// twice (as a kenn pairs file, then as a CSV) and scored only what the
// first attempt had not consumed, or waited forever for a second writer.
func TestEvalReadsPairsFromAPipe(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "m.ckpt")
	if _, stderr, err := kenn("init", "--model", "naive", "-o", ck); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	var csv strings.Builder
	csv.WriteString("i,j,w2sq\n")
	const n = 399 // about 10 KB: more than one read buffer
	for k := 0; k < n; k++ {
		fmt.Fprintf(&csv, "%d,%d,%.17g\n", k%97, 100+k, 1+float64(k%13)/3)
	}
	regular := filepath.Join(dir, "p.csv")
	if err := os.WriteFile(regular, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "p.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	go func() { // the writer end, as a shell's process substitution
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString(csv.String())
		f.Close()
	}()
	scores := map[string]map[string]float64{}
	for _, p := range []string{regular, fifo} {
		// a reader that opens the pipe again waits for a writer forever
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, kennBin, "eval", "--model", ck, "--images", mnist, "--pairs", p, "--json")
		var stdout, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &errb
		err := cmd.Run()
		timedOut := ctx.Err() != nil
		cancel()
		out, stderr := stdout.String(), errb.String()
		if timedOut {
			t.Fatalf("eval --pairs %s did not finish in 2 minutes (reading the pipe twice?)", p)
		}
		if err != nil {
			t.Fatalf("eval --pairs %s: %v: %s", p, err, stderr)
		}
		var m map[string]float64
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		delete(m, "pairs_per_s")
		scores[p] = m
	}
	if got := scores[fifo]["pairs"]; got != n {
		t.Fatalf("scored %v pairs from the pipe, want %d", got, n)
	}
	for k, v := range scores[regular] {
		if scores[fifo][k] != v {
			t.Errorf("%s: %v from the pipe, %v from the file", k, scores[fifo][k], v)
		}
	}
}
