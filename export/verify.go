package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/kenn-ot/kenn/internal/onnxpb"
	"github.com/kenn-ot/kenn/models"
)

// Metadata keys that tie an exported set together (see the package doc).
const (
	KeyModelID      = models.MetaModelID
	KeyInitializers = models.MetaInitializers
	KeyFile         = models.MetaFileSHA256
)

// zeroSum stands for kenn.file_sha256's own value while the file is hashed.
var zeroSum = strings.Repeat("0", 64)

// MaxFileBytes is the largest file ReadModel and ParseModel accept: 2 GiB,
// protobuf's limit for one message (kenn writes no external data).
const MaxFileBytes int64 = 2 << 30

// ErrNoModelID is returned (wrapped) for a file without kenn.model_id:
// exported before model ids were recorded, or not by kenn.
var ErrNoModelID = errors.New("no kenn.model_id metadata")

// ModelID returns the model id of c (see the package doc): the hex
// SHA-256 over the model description and every weight.
func ModelID(c *models.Checkpoint) (string, error) {
	return contentID(c.Model, c.Model.Params(), c.Tensors)
}

func contentID(model any, params []models.Param, tensors map[string][]float32) (string, error) {
	desc, err := json.Marshal(model)
	if err != nil {
		return "", fmt.Errorf("export: model description: %w", err)
	}
	h := sha256.New()
	io.WriteString(h, "kenn model id 1\n")
	putBytes(h, desc)
	var b [8]byte
	for _, p := range params {
		v, ok := tensors[p.Name]
		if !ok || len(v) != p.Size() {
			return "", fmt.Errorf("export: checkpoint parameter %s: %d values, want %d", p.Name, len(v), p.Size())
		}
		putBytes(h, []byte(p.Name))
		putU64(h, uint64(len(v)))
		for _, x := range v {
			binary.LittleEndian.PutUint32(b[:4], math.Float32bits(x))
			h.Write(b[:4])
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func putU64(h hash.Hash, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	h.Write(b[:])
}

func putBytes(h hash.Hash, p []byte) {
	putU64(h, uint64(len(p)))
	h.Write(p)
}

// sparseInitializerField is GraphProto.sparse_initializer in onnx.proto
// (not in kenn's subset): values the checksum would not cover.
const sparseInitializerField = 15

// InitializersSHA256 returns the checksum of g's initializers (see the
// package doc). It refuses initializers whose values lie in fields the
// checksum does not cover (external data, double_data, string_data, …, all
// outside kenn's subset of the schema) and sparse initializers.
func InitializersSHA256(g *onnxpb.GraphProto) (string, error) {
	if g == nil {
		return "", errors.New("no graph")
	}
	for b := g.ProtoReflect().GetUnknown(); len(b) > 0; {
		num, _, n := protowire.ConsumeField(b)
		if n < 0 {
			return "", fmt.Errorf("graph: malformed unknown field: %w", protowire.ParseError(n))
		}
		if num == sparseInitializerField {
			return "", errors.New("graph has sparse initializers, which kenn never writes and its checksum does not cover")
		}
		b = b[n:]
	}
	h := sha256.New()
	var b [8]byte
	for i, t := range g.Initializer {
		if len(t.ProtoReflect().GetUnknown()) > 0 {
			return "", fmt.Errorf("initializer %d (%q) has fields outside kenn's schema (external data, double_data, string_data, …), which its checksum does not cover", i, t.Name)
		}
		putBytes(h, []byte(t.Name))
		putU64(h, uint64(int64(t.DataType)))
		putU64(h, uint64(len(t.Dims)))
		for _, d := range t.Dims {
			putU64(h, uint64(d))
		}
		putBytes(h, t.RawData)
		putU64(h, uint64(len(t.FloatData)))
		for _, x := range t.FloatData {
			binary.LittleEndian.PutUint32(b[:4], math.Float32bits(x))
			h.Write(b[:4])
		}
		putU64(h, uint64(len(t.Int32Data)))
		for _, x := range t.Int32Data {
			binary.LittleEndian.PutUint32(b[:4], uint32(x))
			h.Write(b[:4])
		}
		putU64(h, uint64(len(t.Int64Data)))
		for _, x := range t.Int64Data {
			putU64(h, uint64(x))
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// seal gives mp its own copy of meta plus, last, kenn.model_id,
// kenn.initializers_sha256 and kenn.file_sha256 (computed over mp's
// serialization with the value zeroed; see the package doc).
func seal(mp *onnxpb.ModelProto, id string) error {
	sum, err := InitializersSHA256(mp.Graph)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	meta := make([]*onnxpb.StringStringEntryProto, 0, len(mp.MetadataProps)+3)
	for _, kv := range mp.MetadataProps {
		if kv.Key != KeyModelID && kv.Key != KeyInitializers && kv.Key != KeyFile {
			meta = append(meta, kv)
		}
	}
	file := &onnxpb.StringStringEntryProto{Key: KeyFile, Value: zeroSum}
	mp.MetadataProps = append(meta, &onnxpb.StringStringEntryProto{Key: KeyModelID, Value: id},
		&onnxpb.StringStringEntryProto{Key: KeyInitializers, Value: sum}, file)
	raw, err := proto.Marshal(mp)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	h := sha256.Sum256(raw)
	file.Value = hex.EncodeToString(h[:])
	return nil
}

// FileSHA256 returns the checksum kenn.file_sha256 of a file's bytes raw
// that records value (non-empty): the SHA-256 of raw with every
// occurrence of value, left to right, replaced by 64 ASCII zeros (as
// Python's bytes.replace does), hashed in place without a copy.
func FileSHA256(raw []byte, value string) string {
	h := sha256.New()
	v := []byte(value)
	for len(v) > 0 {
		i := bytes.Index(raw, v)
		if i < 0 {
			break
		}
		h.Write(raw[:i])
		io.WriteString(h, zeroSum)
		raw = raw[i+len(v):]
	}
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil))
}

// File is one exported file, read and verified by ReadModel or ParseModel.
type File struct {
	Path  string
	Raw   []byte // the file's bytes, exactly as verified
	Model *onnxpb.ModelProto
	Meta  map[string]string // metadata_props
}

// ModelID is the file's kenn.model_id.
func (f *File) ModelID() string { return f.Meta[KeyModelID] }

// ReadModel reads and verifies an exported file (see ParseModel). A file
// over MaxFileBytes is refused before it is read.
func ReadModel(path string) (*File, error) { return readModel(path, MaxFileBytes) }

func readModel(path string, limit int64) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("export: %s: not a regular file", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("export: %s: %d bytes, over the limit of %d for an ONNX model", path, st.Size(), limit)
	}
	raw := make([]byte, st.Size())
	if _, err := io.ReadFull(f, raw); err != nil {
		return nil, fmt.Errorf("export: %s: reading %d bytes: %w", path, st.Size(), err)
	}
	if n, _ := f.Read(make([]byte, 1)); n > 0 {
		return nil, fmt.Errorf("export: %s: the file grew while it was read", path)
	}
	return parseModel(path, raw, limit)
}

// ParseModel parses raw (the bytes of the file named path) as an ONNX
// model with the internal/onnxpb bindings, without onnxruntime, and
// verifies it: the metadata keys are unique, kenn.model_id is present
// (else ErrNoModelID), the initializers hash to the recorded
// kenn.initializers_sha256 and the bytes to kenn.file_sha256. Inputs over
// MaxFileBytes are refused before anything is allocated.
func ParseModel(path string, raw []byte) (*File, error) { return parseModel(path, raw, MaxFileBytes) }

func parseModel(path string, raw []byte, limit int64) (*File, error) {
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("export: %s: %d bytes, over the limit of %d for an ONNX model", path, len(raw), limit)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("export: %s: empty file, not an ONNX model", path)
	}
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(raw, &mp); err != nil {
		return nil, fmt.Errorf("export: %s: not an ONNX model (truncated or corrupt): %w", path, err)
	}
	if mp.Graph == nil {
		return nil, fmt.Errorf("export: %s: not an ONNX model (no graph; truncated or corrupt)", path)
	}
	f := &File{Path: path, Raw: raw, Model: &mp, Meta: map[string]string{}}
	for _, kv := range mp.MetadataProps {
		if _, dup := f.Meta[kv.Key]; dup {
			return nil, fmt.Errorf("export: %s: metadata key %q appears twice", path, kv.Key)
		}
		f.Meta[kv.Key] = kv.Value
	}
	if f.Meta[models.MetaKind] == "" {
		return nil, fmt.Errorf("export: %s: not a kenn model (no kenn.kind metadata)", path)
	}
	id, ok := f.Meta[KeyModelID]
	if !ok {
		return nil, fmt.Errorf("export: %s: %w: the file is truncated, or was exported before kenn recorded model ids (then re-export it from its checkpoint: kenn export M.ckpt -o NAME.onnx)", path, ErrNoModelID)
	}
	if !isHexSHA256(id) {
		return nil, fmt.Errorf("export: %s: kenn.model_id %q is not a hex SHA-256", path, id)
	}
	want, ok := f.Meta[KeyInitializers]
	if !ok {
		return nil, fmt.Errorf("export: %s: no %s metadata to verify its weights against (the file is truncated, or was not written by kenn export)", path, KeyInitializers)
	}
	got, err := InitializersSHA256(mp.Graph)
	if err != nil {
		return nil, fmt.Errorf("export: %s: %w", path, err)
	}
	if got != want {
		return nil, fmt.Errorf("export: %s: the initializers (weights) hash to %s, but the file records %s %s: its weights are corrupt or were changed after export", path, got, KeyInitializers, want)
	}
	want, ok = f.Meta[KeyFile]
	if !ok {
		return nil, fmt.Errorf("export: %s: no %s metadata to verify its bytes against (the file is truncated, or was not written by kenn export)", path, KeyFile)
	}
	if !isHexSHA256(want) || want == zeroSum {
		return nil, fmt.Errorf("export: %s: %s %q is not a hex SHA-256", path, KeyFile, want)
	}
	if got := FileSHA256(raw, want); got != want {
		return nil, fmt.Errorf("export: %s: the file's bytes hash to %s, but it records %s %s: the file (its graph or metadata) is corrupt or was changed after export", path, got, KeyFile, want)
	}
	return f, nil
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// Set is an exported set read and verified by ReadSet: Main is the file
// named (NAME.onnx), Siblings the other files of its set that exist, in
// the order of SetPaths.
type Set struct {
	Main     *File
	Siblings []*File
}

// File returns the file of the set at path, or nil.
func (s *Set) File(path string) *File {
	if s.Main.Path == path {
		return s.Main
	}
	for _, f := range s.Siblings {
		if f.Path == path {
			return f
		}
	}
	return nil
}

// SetPaths returns the sibling files an export of kind writes beside
// NAME.onnx: NAME.pairwise.onnx, NAME.pair.onnx and NAME.decoder.onnx,
// or NAME.noise.onnx for snn.
func SetPaths(path, kind string) []string {
	if kind == SamplerKind {
		return []string{NoisePath(path)}
	}
	_, pw, pr := Paths(path)
	return []string{pw, pr, DecoderPath(path)}
}

// ReadSet reads and verifies NAME.onnx (path) and every sibling of its set
// that exists (SetPaths), each with ReadModel, and checks that every
// sibling has the main file's kenn.model_id: a set mixed from two models
// (another model's file copied in, an export killed between two renames)
// is refused, naming both files and ids.
func ReadSet(path string) (*Set, error) {
	main, err := ReadModel(path)
	if err != nil {
		return nil, err
	}
	s := &Set{Main: main}
	for _, p := range SetPaths(path, main.Meta[models.MetaKind]) {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		f, err := ReadModel(p)
		if err != nil {
			return nil, err
		}
		if f.ModelID() != main.ModelID() {
			return nil, fmt.Errorf("export: %s has %s %s but %s has %s: the files come from different models (a mixed set, or an export interrupted between renames); export the set again", p, KeyModelID, f.ModelID(), path, main.ModelID())
		}
		s.Siblings = append(s.Siblings, f)
	}
	return s, nil
}
