// Package onnxpb holds the Go bindings of the part of the ONNX schema
// (onnx/onnx.proto3, IR version 8) that kenn writes and reads: ModelProto,
// GraphProto, NodeProto, TensorProto and the value and attribute messages
// they use. Field numbers and enum values are the ONNX format's, so files
// written with these messages are byte-for-byte ONNX; messages and fields
// kenn does not use are left out, which protobuf allows (readers skip
// unknown fields).
//
// The protobuf package is kenn.onnx, not onnx, so that these messages do
// not collide in the protobuf registry with another Go binding of the
// schema linked into the same binary (github.com/owulveryck/onnx-go's, in
// the pure-Go backend).
//
// onnx.pb.go is generated from onnx.proto by protoc-gen-go v1.36.10 (do
// not edit it); `make proto` installs the generator and runs go generate
// here (the path internal/onnxpb/onnx.proto is the name it registers,
// unique in any binary). The package is internal: export writes ONNX through it, and
// tests read files back with it.
package onnxpb

//go:generate protoc --proto_path=../.. --go_out=../.. --go_opt=module=github.com/kenn-ot/kenn internal/onnxpb/onnx.proto
