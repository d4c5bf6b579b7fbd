package ot_test

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/ot"
)

// TestAgainstPOT compares the exact engine with POT's ot.emd2 on the
// committed reference pairs (scripts/anchors/pot_reference.py).
func TestAgainstPOT(t *testing.T) {
	sets := map[string]*dataset.Images{}
	for _, name := range []string{"mnist-train", "fashion-test"} {
		s, err := dataset.Load("../testdata/" + name + "-images-idx3-ubyte")
		if err != nil {
			t.Fatal(err)
		}
		sets[name] = s
	}
	f, err := os.Open("../testdata/pot_reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sol := ot.NewSolver()
	var a, b []float64
	count := map[string]int{}
	worst := 0.0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.HasPrefix(text, "#") || strings.HasPrefix(text, "set,") {
			continue
		}
		fld := strings.Split(text, ",")
		if len(fld) != 4 {
			t.Fatalf("pot_reference.csv:%d: %q", line, text)
		}
		s := sets[fld[0]]
		i, _ := strconv.Atoi(fld[1])
		j, _ := strconv.Atoi(fld[2])
		want, _ := strconv.ParseFloat(fld[3], 64)
		x, y := s.Image(i, a), s.Image(j, b)
		a, b = x.Pix, y.Pix
		got, err := sol.W2Sq(x, y)
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		rel := math.Abs(got-want) / want
		worst = math.Max(worst, rel)
		if rel > 1e-9 {
			t.Errorf("pot_reference.csv:%d %s (%d,%d): kenn %.15g, POT %.15g, rel diff %.2e", line, fld[0], i, j, got, want, rel)
		}
		count[fld[0]]++
	}
	if count["mnist-train"] < 200 || count["fashion-test"] < 100 {
		t.Fatalf("reference too small: %v", count)
	}
	t.Logf("%v pairs, largest relative difference %.2e", count, worst)
}
