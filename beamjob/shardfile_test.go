package beamjob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kenn-ot/kenn/ot"
	"github.com/kenn-ot/kenn/pairs"
)

// A shard cut at any byte, extended, or with any one bit flipped is
// refused (errBadShard), never read as data; the intact one is read back.
func TestShardFileCorruption(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shard")
	body := []byte("0,1,20.25\n3,4,1.5\n")
	if err := writeShard(path, body); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if got, err := readShard(path); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("intact shard: %q, %v", got, err)
	}
	if !shardComplete(path, int64(len(body))) || shardComplete(path, int64(len(body))+1) {
		t.Fatal("shardComplete on the intact shard")
	}
	check := func(t *testing.T, data []byte) {
		t.Helper()
		os.WriteFile(path, data, 0o644)
		if got, err := readShard(path); !errors.Is(err, errBadShard) {
			t.Fatalf("%d bytes: read %q, %v; want errBadShard", len(data), got, err)
		}
	}
	t.Run("cut", func(t *testing.T) {
		for n := 0; n < len(raw); n++ {
			check(t, raw[:n])
			if shardComplete(path, -1) {
				t.Fatalf("cut to %d bytes: shardComplete", n)
			}
		}
	})
	t.Run("extended", func(t *testing.T) {
		check(t, append(append([]byte(nil), raw...), '\n'))
		check(t, append(append([]byte(nil), raw...), raw...))
	})
	t.Run("bit flip", func(t *testing.T) {
		for i := range raw {
			for b := 0; b < 8; b++ {
				c := append([]byte(nil), raw...)
				c[i] ^= 1 << b
				check(t, c)
			}
		}
	})
}

// A rerun finds the shards of an earlier run that are truncated or
// corrupt, removes and recomputes them, and writes the file of kenn pairs.
func TestPairsRerunRecomputesBadShards(t *testing.T) {
	sel := pairs.Selection{N: 70, Seed: 9}
	exact := ot.NewSolver()
	want := localPairs(t, sel, exact)
	dir := t.TempDir()
	job := PairsJob{Images: testImages, Sel: sel, Method: exact, Out: filepath.Join(dir, "p.txt"), ShardSize: 10, keepShards: true}
	if _, err := RunPairs(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	shard := func(k int) string { return shardPath(job.Out+".shards", k) }
	orig := map[int][]byte{}
	for k := 0; k < 7; k++ {
		orig[k], _ = os.ReadFile(shard(k))
	}
	cases := []struct {
		name    string
		corrupt func(raw []byte) []byte
	}{
		{"cut in the body", func(raw []byte) []byte { return raw[:len(raw)/2] }},
		{"cut in the trailer", func(raw []byte) []byte { return raw[:len(raw)-10] }},
		{"bit flipped in a value", func(raw []byte) []byte { c := append([]byte(nil), raw...); c[len(raw)-trailerLen-3] ^= 1; return c }},
		{"bytes appended", func(raw []byte) []byte { return append(append([]byte(nil), raw...), "1,2,3\n"...) }},
		{"empty", func(raw []byte) []byte { return nil }},
		{"another shard's file", func(raw []byte) []byte { return orig[6] }},
	}
	for k, c := range cases {
		if err := os.WriteFile(shard(k), c.corrupt(orig[k]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(job.Out, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	job.keepShards = false
	sum, err := RunPairs(context.Background(), job)
	if err != nil {
		t.Fatalf("rerun with bad shards: %v", err)
	}
	if sum.Dropped != len(cases) || sum.Resumed != 7-len(cases) || sum.Computed != len(cases) {
		t.Errorf("rerun: %+v, want %d shards dropped and recomputed, %d resumed", sum, len(cases), 7-len(cases))
	}
	got, _ := os.ReadFile(job.Out)
	if !bytes.Equal(got, want) {
		t.Fatalf("rerun output differs from kenn pairs' (%d vs %d bytes)", len(got), len(want))
	}
	if _, err := os.Stat(job.Out + ".shards"); err == nil {
		t.Error("shard folder left behind")
	}
}
