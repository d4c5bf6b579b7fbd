package export

import (
	"encoding/binary"
	"fmt"
	"math"

	pb "github.com/kenn-ot/kenn/internal/onnxpb"
)

// Opset and IR version of every exported file.
const (
	Opset     = 17
	IRVersion = 8
)

// graph accumulates nodes and initializers with unique names.
type graph struct {
	nodes []*pb.NodeProto
	inits []*pb.TensorProto
	n     int
	// pfx prefixes the names of initializers added by floats: an
	// ensemble's members ("m0/", "m1/", …) keep their parameters apart.
	pfx string
}

func (g *graph) name(prefix string) string {
	g.n++
	return fmt.Sprintf("%s_%d", prefix, g.n)
}

// op appends a node and returns its (single) output name.
func (g *graph) op(typ string, inputs []string, attrs ...*pb.AttributeProto) string {
	out := g.name(typ)
	g.nodes = append(g.nodes, &pb.NodeProto{OpType: typ, Input: inputs, Output: []string{out}, Name: out, Attribute: attrs})
	return out
}

// opN appends a node with n outputs.
func (g *graph) opN(typ string, inputs []string, n int, attrs ...*pb.AttributeProto) []string {
	base := g.name(typ)
	outs := make([]string, n)
	for i := range outs {
		outs[i] = fmt.Sprintf("%s_out%d", base, i)
	}
	g.nodes = append(g.nodes, &pb.NodeProto{OpType: typ, Input: inputs, Output: outs, Name: base, Attribute: attrs})
	return outs
}

// floats adds a float32 initializer.
func (g *graph) floats(name string, dims []int, v []float32) string {
	name = g.pfx + name
	raw := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
	}
	t := &pb.TensorProto{Name: name, DataType: int32(pb.TensorProto_FLOAT), RawData: raw}
	for _, d := range dims {
		t.Dims = append(t.Dims, int64(d))
	}
	g.inits = append(g.inits, t)
	return name
}

// scalar adds a float32 scalar constant.
func (g *graph) scalar(v float32) string {
	return g.floats(g.name("const"), nil, []float32{v})
}

// ints adds an int64 initializer (shapes, axes).
func (g *graph) ints(v ...int64) string {
	name := g.name("ints")
	g.inits = append(g.inits, &pb.TensorProto{Name: name, DataType: int32(pb.TensorProto_INT64), Dims: []int64{int64(len(v))}, Int64Data: v})
	return name
}

func attrInts(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: name, Type: pb.AttributeProto_INTS, Ints: v}
}

func attrInt(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: name, Type: pb.AttributeProto_INT, I: v}
}

// tensorInfo describes a float32 graph input or output; a negative
// dimension d becomes the symbolic dimension named by params[-d-1].
func tensorInfo(name string, dims []int64, params ...string) *pb.ValueInfoProto {
	shape := &pb.TensorShapeProto{}
	for _, d := range dims {
		if d < 0 {
			shape.Dim = append(shape.Dim, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: params[-d-1]}})
		} else {
			shape.Dim = append(shape.Dim, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
		}
	}
	return &pb.ValueInfoProto{Name: name, Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
		ElemType: int32(pb.TensorProto_FLOAT), Shape: shape}}}}
}

// rename makes the node that produces out write to name instead (a graph
// output), avoiding an Identity copy.
func (g *graph) rename(out, name string) {
	for i := len(g.nodes) - 1; i >= 0; i-- {
		for k, o := range g.nodes[i].Output {
			if o == out {
				g.nodes[i].Output[k] = name
				return
			}
		}
	}
	panic("export: no node produces " + out)
}
