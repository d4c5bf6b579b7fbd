package export

import (
	"github.com/kenn-ot/kenn/internal/onnxpb"
	"github.com/kenn-ot/kenn/models"
)

// SamplerKind is the kenn.kind of a stochastic neural network's export
// (package export/snn): a set of NAME.onnx, which samples y | x, and
// NAME.noise.onnx, the same network with its noise as inputs.
const SamplerKind = "snn"

// Builder is the graph builder of export's own compilers, for companion
// compilers of other model families (export/snn): nodes and initializers
// with unique names, in opset Opset. Each method is the one export uses
// internally.
type Builder struct{ g graph }

// Name returns a fresh name prefix_N.
func (b *Builder) Name(prefix string) string { return b.g.name(prefix) }

// Op appends a node of type typ and returns its (single) output's name.
func (b *Builder) Op(typ string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	return b.g.op(typ, inputs, attrs...)
}

// Floats adds a float32 initializer of shape dims and returns its name.
func (b *Builder) Floats(name string, dims []int, v []float32) string {
	return b.g.floats(name, dims, v)
}

// Scalar adds a float32 scalar constant.
func (b *Builder) Scalar(v float32) string { return b.g.scalar(v) }

// Ints adds an int64 initializer (shapes, axes, indices).
func (b *Builder) Ints(v ...int64) string { return b.g.ints(v...) }

// Rename makes the node that produces out write to name instead (a graph
// output).
func (b *Builder) Rename(out, name string) { b.g.rename(out, name) }

// Model wraps the graph in a model of export's IR version and opset,
// named "kenn_"+name, with its doc string, inputs, outputs and metadata.
func (b *Builder) Model(name, doc string, in, out []*onnxpb.ValueInfoProto, meta []*onnxpb.StringStringEntryProto) *onnxpb.ModelProto {
	return &onnxpb.ModelProto{
		IrVersion: IRVersion, OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}},
		ProducerName: "kenn", ProducerVersion: Version, DocString: doc,
		Graph:         &onnxpb.GraphProto{Name: "kenn_" + name, Node: b.g.nodes, Initializer: b.g.inits, Input: in, Output: out},
		MetadataProps: meta,
	}
}

// AttrInt is an INT attribute.
func AttrInt(name string, v int64) *onnxpb.AttributeProto { return attrInt(name, v) }

// TensorInfo describes a float32 graph input or output; a negative
// dimension d becomes the symbolic dimension named by params[-d-1].
func TensorInfo(name string, dims []int64, params ...string) *onnxpb.ValueInfoProto {
	return tensorInfo(name, dims, params...)
}

// Seal adds a model's kenn.model_id (id, see ModelID and ContentID),
// kenn.initializers_sha256 and kenn.file_sha256 to its metadata, as every
// kenn export has.
func Seal(mp *onnxpb.ModelProto, id string) error { return seal(mp, id) }

// WriteSet writes protos to paths as one set (the main file, paths[0],
// last; see WriteFiles), removing the files stale.
func WriteSet(paths []string, protos []*onnxpb.ModelProto, stale []string) error {
	return writeSet(paths, protos, stale)
}

// ContentID is the kenn.model_id of a model given by its description desc
// (marshalled to JSON), its parameters in order and their tensors: the
// SHA-256 that ModelID computes for an image model.
func ContentID(desc any, params []models.Param, tensors map[string][]float32) (string, error) {
	return contentID(desc, params, tensors)
}
