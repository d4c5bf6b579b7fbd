package export

import (
	"bufio"
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/kenn-ot/kenn/internal/atomicfile"
	"github.com/kenn-ot/kenn/internal/onnxpb"
	"github.com/kenn-ot/kenn/models"
)

// tinyCheckpoint is the smallest useful model (a naive KENN on 6×5
// images), for the refusal tests and the fuzz corpus.
func tinyCheckpoint(t testing.TB, seed uint64) *models.Checkpoint {
	t.Helper()
	c, err := models.NewCheckpoint(models.Naive(6, 5, models.Backbone{C1: 2, C2: 2, Hidden: 4, Out: 3}), seed)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func marshal(t testing.TB, mp *onnxpb.ModelProto) []byte {
	t.Helper()
	raw, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func filesOf(f *Files) []*onnxpb.ModelProto {
	out := []*onnxpb.ModelProto{f.Embed, f.Pairwise, f.Pair}
	if f.Decoder != nil {
		out = append(out, f.Decoder)
	}
	return out
}

func meta(mp *onnxpb.ModelProto, key string) string {
	for _, kv := range mp.MetadataProps {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// Every file of a set carries the checkpoint's model id; another seed,
// or one weight changed by one ulp, gives another id; every file's
// checksum is that of its own initializers.
func TestModelIDSharedAndDistinct(t *testing.T) {
	for _, m := range testModels() {
		t.Run(string(m.Kind), func(t *testing.T) {
			c, err := models.NewCheckpoint(m, 1)
			if err != nil {
				t.Fatal(err)
			}
			id, err := ModelID(c)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Export(c)
			if err != nil {
				t.Fatal(err)
			}
			sums := map[string]bool{}
			for _, mp := range filesOf(f) {
				if got := meta(mp, KeyModelID); got != id {
					t.Errorf("%s: model id %q, want %q", mp.Graph.Name, got, id)
				}
				sum, err := InitializersSHA256(mp.Graph)
				if err != nil {
					t.Fatal(err)
				}
				if got := meta(mp, KeyInitializers); got != sum {
					t.Errorf("%s: recorded checksum %q, initializers hash to %q", mp.Graph.Name, got, sum)
				}
				sums[sum] = true
				if _, err := ParseModel(mp.Graph.Name+".onnx", marshal(t, mp)); err != nil {
					t.Errorf("a fresh export is refused: %v", err)
				}
			}
			if len(sums) != len(filesOf(f)) {
				t.Errorf("%d distinct checksums for %d files with different graphs", len(sums), len(filesOf(f)))
			}
			other, _ := models.NewCheckpoint(m, 2)
			if id2, _ := ModelID(other); id2 == id {
				t.Errorf("seeds 1 and 2 share the id %s", id)
			}
			p := m.Params()[0].Name
			c.Tensors[p][0] = nextUp(c.Tensors[p][0])
			if id3, _ := ModelID(c); id3 == id {
				t.Errorf("changing %s[0] by one ulp keeps the id %s", p, id)
			}
		})
	}
}

func drop(mp *onnxpb.ModelProto, keys ...string) {
	var kept []*onnxpb.StringStringEntryProto
	for _, kv := range mp.MetadataProps {
		if !slices.Contains(keys, kv.Key) {
			kept = append(kept, kv)
		}
	}
	mp.MetadataProps = kept
}

func setMeta(mp *onnxpb.ModelProto, key, value string) {
	for _, kv := range mp.MetadataProps {
		if kv.Key == key {
			kv.Value = value
			return
		}
	}
	panic("no metadata key " + key)
}

func nextUp(x float32) float32 {
	if x == 0 {
		return 1e-45
	}
	return x * (1 + 1.0/(1<<22))
}

// The checksum is the documented byte sequence: want was computed by
// Python's hashlib over the same tensors with the snippet of the package
// doc (onnx.GraphProto built field by field), not by this code.
func TestInitializersSHA256Layout(t *testing.T) {
	g := &onnxpb.GraphProto{Initializer: []*onnxpb.TensorProto{
		{Name: "w", DataType: 1, Dims: []int64{2}, RawData: []byte{0, 0, 128, 63, 0, 0, 0, 64}},
		{Name: "ax", DataType: 7, Dims: []int64{1}, Int64Data: []int64{-1}},
		{Name: "f", DataType: 1, FloatData: []float32{0.5}},
		{Name: "i", DataType: 6, Dims: []int64{3}, Int32Data: []int32{-2, 7, 1<<31 - 1}},
	}}
	got, err := InitializersSHA256(g)
	if err != nil {
		t.Fatal(err)
	}
	const want = "8483391fb16a7e0ffec7b635421d08ed611bf49a6e13432a5509cbcdd6ec74d2"
	if got != want {
		t.Fatalf("checksum %s, Python's hashlib over the documented layout gives %s", got, want)
	}
}

// kenn.file_sha256 replaces every occurrence of the value, left to right,
// as Python's bytes.replace does: want is
// hashlib.sha256(raw.replace(v, b"0"*64)).hexdigest() for these bytes.
func TestFileSHA256Layout(t *testing.T) {
	v := strings.Repeat("a", 64)
	raw := []byte("xx" + v + "yy" + v + "a")
	const want = "d77572c569019b63ba89053cef5c6952379b61a9b839f2e00d1fd34621242f2c"
	if got := FileSHA256(raw, v); got != want {
		t.Fatalf("checksum %s, Python gives %s", got, want)
	}
}

// ParseModel refuses every damaged or foreign input with an error naming
// the file and what is wrong.
func TestParseModelRefuses(t *testing.T) {
	f, err := Export(tinyCheckpoint(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	good := marshal(t, f.Embed)
	if _, err := ParseModel("tiny.onnx", good); err != nil {
		t.Fatal(err)
	}
	edit := func(fn func(mp *onnxpb.ModelProto)) []byte {
		mp := proto.Clone(f.Embed).(*onnxpb.ModelProto)
		fn(mp)
		return marshal(t, mp)
	}
	flip := func(b []byte, i int, bit uint) []byte {
		out := bytes.Clone(b)
		out[i] ^= 1 << bit
		return out
	}
	// the first weight's raw bytes, as they lie in the file
	var w *onnxpb.TensorProto
	for _, t := range f.Embed.Graph.Initializer {
		if len(t.RawData) >= 16 {
			w = t
			break
		}
	}
	at := bytes.Index(good, w.RawData)
	if at < 0 {
		t.Fatal("the weight's bytes are not in the file")
	}
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"junk", []byte("this is not a model"), "not an ONNX model"},
		{"mantissa bit flipped in a weight", flip(good, at+4, 0), "initializers (weights) hash to"},
		{"sign bit flipped in a weight", flip(good, at+7, 7), "initializers (weights) hash to"},
		{"no model id (legacy export)", edit(func(mp *onnxpb.ModelProto) { drop(mp, KeyModelID, KeyInitializers, KeyFile) }), "no kenn.model_id"},
		{"no initializer checksum", edit(func(mp *onnxpb.ModelProto) { drop(mp, KeyInitializers) }), "no kenn.initializers_sha256"},
		{"no file checksum", edit(func(mp *onnxpb.ModelProto) { drop(mp, KeyFile) }), "no kenn.file_sha256"},
		{"file checksum not hex", edit(func(mp *onnxpb.ModelProto) { setMeta(mp, KeyFile, zeroSum) }), "not a hex SHA-256"},
		{"attribute changed", edit(func(mp *onnxpb.ModelProto) {
			for _, n := range mp.Graph.Node {
				for _, a := range n.Attribute {
					if a.Name == "axis" {
						a.I++
						return
					}
				}
			}
			panic("no axis attribute")
		}), "the file's bytes hash to"},
		{"metadata value changed", edit(func(mp *onnxpb.ModelProto) { setMeta(mp, "kenn.input", "6x6") }), "the file's bytes hash to"},
		{"duplicate key", edit(func(mp *onnxpb.ModelProto) {
			mp.MetadataProps = append(mp.MetadataProps, &onnxpb.StringStringEntryProto{Key: KeyModelID, Value: strings.Repeat("0", 64)})
		}), `"kenn.model_id" appears twice`},
		{"model id not hex", edit(func(mp *onnxpb.ModelProto) { setMeta(mp, KeyModelID, "A.onnx") }), "not a hex SHA-256"},
		{"not kenn", edit(func(mp *onnxpb.ModelProto) { mp.MetadataProps = nil }), "not a kenn model"},
		{"no graph", edit(func(mp *onnxpb.ModelProto) { mp.Graph = nil }), "no graph"},
		{"initializer renamed", edit(func(mp *onnxpb.ModelProto) { mp.Graph.Initializer[0].Name += "x" }), "hash to"},
		{"dims changed", edit(func(mp *onnxpb.ModelProto) { w := mp.Graph.Initializer[0]; w.Dims = append(w.Dims, 1) }), "hash to"},
		{"initializers reordered", edit(func(mp *onnxpb.ModelProto) {
			in := mp.Graph.Initializer
			in[0], in[1] = in[1], in[0]
		}), "hash to"},
		{"external data", edit(func(mp *onnxpb.ModelProto) {
			w := mp.Graph.Initializer[0]
			w.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 14, protowire.VarintType), 1)) // data_location EXTERNAL
		}), "fields outside kenn's schema"},
		{"sparse initializer", edit(func(mp *onnxpb.ModelProto) {
			mp.Graph.ProtoReflect().SetUnknown(protowire.AppendBytes(protowire.AppendTag(nil, sparseInitializerField, protowire.BytesType), nil))
		}), "sparse initializers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseModel("tiny.onnx", tc.raw)
			if err == nil || !strings.Contains(err.Error(), "tiny.onnx") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming tiny.onnx and %q", err, tc.want)
			}
		})
	}
	t.Run("legacy is ErrNoModelID", func(t *testing.T) {
		_, err := ParseModel("tiny.onnx", edit(func(mp *onnxpb.ModelProto) { drop(mp, KeyModelID, KeyInitializers, KeyFile) }))
		if !errors.Is(err, ErrNoModelID) || !strings.Contains(err.Error(), "kenn export") {
			t.Fatalf("%v: want ErrNoModelID and the command that re-exports", err)
		}
	})
	// every bit of the file flipped, one at a time: refused, never a model
	t.Run("any bit flipped", func(t *testing.T) {
		for i := range good {
			for bit := uint(0); bit < 8; bit++ {
				if _, err := ParseModel("tiny.onnx", flip(good, i, bit)); err == nil || !strings.Contains(err.Error(), "tiny.onnx") {
					t.Fatalf("byte %d bit %d flipped: %v", i, bit, err)
				}
			}
		}
	})
	// cut at every byte: refused, never a model
	t.Run("truncated anywhere", func(t *testing.T) {
		for n := 0; n < len(good); n++ {
			if _, err := ParseModel("tiny.onnx", good[:n]); err == nil || !strings.Contains(err.Error(), "tiny.onnx") {
				t.Fatalf("cut to %d of %d bytes: %v", n, len(good), err)
			}
		}
	})
	t.Run("trailing bytes", func(t *testing.T) {
		// appended garbage either breaks the parse or adds fields that
		// are not the checksum's
		if _, err := ParseModel("tiny.onnx", append(bytes.Clone(good), 0xff, 0xff)); err == nil {
			t.Fatal("trailing junk accepted")
		}
	})
}

// A file over the limit is refused from its size alone: nothing near its
// size is allocated, nothing is read.
func TestReadModelSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.onnx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileBytes + 1); err != nil { // sparse
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = ReadModel(path)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "huge.onnx") || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("got %v", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Fatalf("allocated %d bytes to refuse an oversized file", d)
	}
	if _, err := parseModel("big.onnx", make([]byte, 101), 100); err == nil || !strings.Contains(err.Error(), "over the limit of 100") {
		t.Fatalf("in memory: %v", err)
	}
}

// The shipped pretrained sets verify, carry the model id of the committed
// checkpoint beside them, and are exactly what Export makes of it today
// (so a change to the export cannot leave them stale).
func TestPretrainedIsCurrent(t *testing.T) {
	ckpts, _ := filepath.Glob("../pretrained/*.ckpt")
	if len(ckpts) == 0 {
		t.Fatal("no pretrained/*.ckpt")
	}
	for _, ck := range ckpts {
		t.Run(filepath.Base(ck), func(t *testing.T) {
			c, err := models.LoadCheckpoint(ck)
			if err != nil {
				t.Fatal(err)
			}
			id, err := ModelID(c)
			if err != nil {
				t.Fatal(err)
			}
			path := strings.TrimSuffix(ck, ".ckpt") + ".onnx"
			set, err := ReadSet(path)
			if err != nil {
				t.Fatal(err)
			}
			if set.Main.ModelID() != id {
				t.Fatalf("%s: model id %s, but %s has %s", path, set.Main.ModelID(), ck, id)
			}
			f, err := Export(c)
			if err != nil {
				t.Fatal(err)
			}
			e, pw, pr := Paths(path)
			want := map[string]*onnxpb.ModelProto{e: f.Embed, pw: f.Pairwise, pr: f.Pair}
			if f.Decoder != nil {
				want[DecoderPath(path)] = f.Decoder
			}
			for p, mp := range want {
				got := set.File(p)
				if got == nil {
					t.Fatalf("%s: missing", p)
				}
				if !proto.Equal(got.Model, mp) {
					t.Errorf("%s is not what kenn export makes of %s today: run make pretrained-onnx", p, ck)
				}
			}
		})
	}
}

// kill -9 at random moments of a loop of exports of two models to one
// path: afterwards the set either verifies as one of the two models or is
// refused as a mixed set, never loaded mixed and never refused for a
// damaged file.
func TestExportKilled(t *testing.T) {
	cs, err := killModels()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range cs {
		id, _ := ModelID(c)
		ids[id] = true
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.onnx")
	rng := rand.New(rand.NewPCG(1, 2))
	var whole, mixed int
	for run := 0; run < 30; run++ {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), loopEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil { // one set exists
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %v", err)
		}
		time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		set, err := ReadSet(path)
		switch {
		case err == nil:
			whole++
			if !ids[set.Main.ModelID()] {
				t.Fatalf("run %d: loaded a set with unknown id %s", run, set.Main.ModelID())
			}
			hasDec := set.File(DecoderPath(path)) != nil
			if (models.Kind(set.Main.Meta[models.MetaKind]) == models.KindDWE) != hasDec {
				t.Fatalf("run %d: a %s set with decoder %v", run, set.Main.Meta[models.MetaKind], hasDec)
			}
		case strings.Contains(err.Error(), "come from different models"):
			mixed++
		default:
			t.Fatalf("run %d: killed export left a damaged file: %v", run, err)
		}
	}
	temps := func() int {
		ents, err := os.ReadDir(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range ents {
			if atomicfile.IsTemp(e.Name()) {
				n++
			}
		}
		return n
	}
	left := temps()
	t.Logf("30 kills: %d sets whole, %d refused as mixed; %d temporary files left", whole, mixed, left)
	// a rerun of the export cleans up after the killed ones and makes a whole set
	if _, err := WriteFiles(cs[0], path); err != nil {
		t.Fatal(err)
	}
	if n := temps(); n != 0 {
		t.Errorf("%d temporary files left after a rerun", n)
	}
	if _, err := ReadSet(path); err != nil {
		t.Errorf("after a rerun: %v", err)
	}
}
