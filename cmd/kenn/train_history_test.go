package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// kenn train --history writes one CSV row per epoch whose values are
// those of an independent evaluation: the best epoch's validation MSE is
// the one the checkpoint records, and its --monitor MSE is what kenn eval
// measures of the checkpoint on those pairs.
func TestTrainHistory(t *testing.T) {
	dir := t.TempDir()
	test := "../../testdata/mnist-test-images-idx3-ubyte"
	tr, va, mon := filepath.Join(dir, "tr.txt"), filepath.Join(dir, "va.txt"), filepath.Join(dir, "mon.txt")
	for _, p := range [][]string{
		{"pairs", "--images", mnist, "--n", "256", "-o", tr},
		{"pairs", "--images", test, "--n", "64", "-o", va},
		{"pairs", "--images", test, "--n", "48", "--seed", "2", "-o", mon},
	} {
		if _, stderr, err := kenn(p...); err != nil {
			t.Fatal(stderr)
		}
	}
	evalMSE := func(t *testing.T, ck, pairs string) float64 {
		out, stderr, err := kenn("eval", "--model", ck, "--images", test, "--pairs", pairs, "--json")
		if err != nil {
			t.Fatalf("%v: %s", err, stderr)
		}
		var m map[string]float64
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		return m["mse_w2sq"]
	}
	near := func(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b)) }
	for _, tc := range []struct {
		name    string
		extra   []string
		sampled bool // train columns filled
		monitor bool
	}{
		{"sample and monitor", []string{"--history-sample", "100", "--monitor", mon}, true, true},
		{"no sample, no monitor", []string{"--history-sample", "0"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ck, hist := filepath.Join(dir, tc.name+".ckpt"), filepath.Join(dir, tc.name+".csv")
			args := append([]string{"train", "--model", "odekenn", "--pairs", tr, "--val", va, "-o", ck, "--epochs", "3", "--patience", "10", "--batch", "32", "--history", hist}, tc.extra...)
			if _, stderr, err := kenn(args...); err != nil {
				t.Fatalf("%v: %s", err, stderr)
			}
			raw, err := os.ReadFile(hist)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
			if lines[0] != historyColumns || len(lines) != 4 {
				t.Fatalf("history:\n%s", raw)
			}
			col := map[string]int{}
			for k, c := range strings.Split(historyColumns, ",") {
				col[c] = k
			}
			var best []string
			for k, l := range lines[1:] {
				f := strings.Split(l, ",")
				if f[col["epoch"]] != strconv.Itoa(k+1) {
					t.Errorf("row %d: %s", k+1, l)
				}
				if (f[col["train_mse_w2sq_px4"]] != "") != tc.sampled || (f[col["monitor_mse_w2sq_px4"]] != "") != tc.monitor {
					t.Errorf("row %d: train or monitor columns filled where they should not be (or empty where they should not be): %s", k+1, l)
				}
				if f[col["improved"]] == "true" {
					best = f
				}
			}
			if best == nil {
				t.Fatalf("no improved epoch:\n%s", raw)
			}
			val, _ := strconv.ParseFloat(best[col["val_mse_w2sq_px4"]], 64)
			if got := evalMSE(t, ck, va); !near(val, got, 1e-6) {
				t.Errorf("best epoch %s: history validation MSE %g px⁴, kenn eval of the checkpoint %g", best[0], val, got)
			}
			if tc.monitor {
				m, _ := strconv.ParseFloat(best[col["monitor_mse_w2sq_px4"]], 64)
				if got := evalMSE(t, ck, mon); !near(m, got, 1e-6) {
					t.Errorf("best epoch %s: history monitor MSE %g px⁴, kenn eval of the checkpoint %g", best[0], m, got)
				}
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"monitor without history refused", []string{"--monitor", mon}},
		{"history-sample without history refused", []string{"--history-sample", "100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"train", "--model", "odekenn", "--pairs", tr, "--val", va, "-o", filepath.Join(dir, "x.ckpt")}, tc.args...)
			_, stderr, err := kenn(args...)
			if err == nil || !strings.Contains(stderr, "give --history FILE.csv") {
				t.Fatalf("%v: %s", err, stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "x.ckpt")); err == nil {
				t.Fatal("a refused command line wrote the checkpoint")
			}
		})
	}
}
