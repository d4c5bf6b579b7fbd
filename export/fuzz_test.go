package export

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/kenn-ot/kenn/internal/onnxpb"
)

// FuzzParseModel: the pure-Go ONNX reader never panics, refuses an input
// one byte over its limit before parsing it, and whatever it accepts is a
// kenn file whose initializers' checksum holds again after a round trip
// through the bindings. Seeds: a tiny export of each file of a set
// (fresh, from the exporter of the day) and the committed corpus in
// testdata/fuzz/FuzzParseModel.
func FuzzParseModel(f *testing.F) {
	files, err := Export(tinyCheckpoint(f, 1))
	if err != nil {
		f.Fatal(err)
	}
	for _, mp := range filesOf(files) {
		raw := marshal(f, mp)
		f.Add(raw)
		f.Add(raw[:len(raw)/2])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 0 {
			if _, err := parseModel("fuzz.onnx", raw, int64(len(raw)-1)); err == nil || !strings.Contains(err.Error(), "over the limit") {
				t.Fatalf("%d bytes over a limit of %d: %v", len(raw), len(raw)-1, err)
			}
		}
		mf, err := ParseModel("fuzz.onnx", raw)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.onnx") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if !bytes.Equal(mf.Raw, raw) || !isHexSHA256(mf.ModelID()) || mf.Meta["kenn.kind"] == "" {
			t.Fatalf("accepted %d bytes as a kenn file with id %q, kind %q", len(raw), mf.ModelID(), mf.Meta["kenn.kind"])
		}
		again, err := proto.Marshal(mf.Model)
		if err != nil {
			t.Fatal(err)
		}
		// (the bytes may differ from a non-canonical input, the values not)
		var mp onnxpb.ModelProto
		if err := proto.Unmarshal(again, &mp); err != nil {
			t.Fatal(err)
		}
		if sum, err := InitializersSHA256(mp.Graph); err != nil || sum != mf.Meta[KeyInitializers] {
			t.Fatalf("round trip: initializers hash to %s (%v), recorded %s", sum, err, mf.Meta[KeyInitializers])
		}
	})
}
