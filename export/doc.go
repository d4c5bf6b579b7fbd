// Package export compiles a models description and its weights into ONNX
// (opset 17, IR version 8), written with google.golang.org/protobuf from
// bindings generated out of kenn's own subset of the ONNX schema
// (internal/onnxpb/onnx.proto; `make proto` regenerates them).
//
// Architecture rule, checked by internal/archtest: export never imports
// Gorgonia; a deployment needs only onnxruntime.
//
// # Files
//
// Export writes three models (four with a decoder), each a standalone .onnx file with the same
// metadata, so that any ONNX runtime can use the part it needs:
//
//   - NAME.onnx, the embedding: "images" float32 [N, 1, H, W] of raw
//     non-negative intensities → "features" float32 [N, F]. Each image is
//     normalized inside the graph (x·H·W/Σx, as in training).
//   - NAME.pairwise.onnx: "a" [N, F] and "b" [M, F] → "distances" [N, M],
//     the model's distance between every row of a and every row of b in
//     Gram-matrix form: both sides are centred on the mean row of a (which
//     changes no distance and shrinks the rounding from the features'
//     magnitude to their spread), then per segment l of n features one
//     Gemm of augmented rows gives d_l² = ‖a_l‖² + ‖b_l‖² − 2·a_l·b_l
//     (clipped at 0); the d_l are weighted and summed (dwe: the squared
//     distance itself). A total below τ = Σ_l √k·(‖a_l‖ + ‖b_l‖) (dwe:
//     k·(‖a‖² + ‖b‖²)), with
//     k = (√n + 2)·2⁻²² (about ten standard deviations of that form's
//     float32 rounding), is returned as 0: identical rows give exactly 0,
//     every other value is the form's own (see pairwise in pairwise.go).
//   - NAME.pair.onnx: "x" and "y" [N, 1, H, W] → "distance" [N], the model
//     on N pairs of images, end to end.
//   - NAME.decoder.onnx, for models with a decoder (dwe) only: "features"
//     [N, F] → "images" [N, 1, H, W], DWE's ψ; each output image is a
//     probability distribution over the pixels (sums to 1). Barycenters,
//     interpolations and geodesics in the embedding decode through it.
//
// N and M are symbolic (dim_param). The ODE of ODE-KENN is unrolled into
// its K fixed RK4 steps, the same arithmetic as in training.
//
// # Metadata
//
// metadata_props carry: kenn.kind, kenn.target (w2sq or w2), kenn.units
// (pixel), kenn.input ("HxW"), kenn.normalization, kenn.features (the
// segment lengths), kenn.segment_weights, kenn.train_sha256,
// kenn.metrics (JSON), kenn.version, kenn.card (JSON, only for a model
// made by kenn fit: its model card, see package fit), kenn.domain (JSON,
// when the checkpoint has one: models.Domain, the range of three image
// statistics over the training images, against which the runtimes screen
// a collection), and the three keys that tie a set
// together and protect each file, kenn.model_id, kenn.initializers_sha256
// and kenn.file_sha256 (below). An snn export (package export/snn,
// built with Builder: NAME.onnx and NAME.noise.onnx, kind SamplerKind) carries kenn.kind, kenn.inputs, kenn.outputs, kenn.snn,
// kenn.seed, kenn.metrics, kenn.version and the same three keys.
//
// # Model id and checksums
//
// Every file of a set carries the same kenn.model_id: the lowercase hex
// SHA-256 of the checkpoint it was exported from, over
//
//	"kenn model id 1\n"
//	u64(len(desc)) ‖ desc       desc: the JSON of the models.Model description (kenn.model)
//	for each parameter, in models.Model.Params order:
//	    u64(len(name)) ‖ name ‖ u64(n) ‖ n float32 values
//
// where u64 is 8 bytes little-endian and float32 values are their IEEE 754
// bits, 4 bytes little-endian each. ModelID computes it; it identifies the
// model (the files hold its weights rearranged, so it is checked for
// equality between files, not recomputed from one).
//
// Every file also carries kenn.initializers_sha256, the lowercase hex
// SHA-256 of its own graph.initializer list, in graph order, each tensor
// contributing
//
//	u64(len(name)) ‖ name (UTF-8)
//	i64(data_type)
//	u64(len(dims)) ‖ i64(dim) for each dim
//	u64(len(raw_data)) ‖ raw_data
//	u64(len(float_data)) ‖ float32 bits of each value (4 bytes LE)
//	u64(len(int32_data)) ‖ each value as int32 (4 bytes LE)
//	u64(len(int64_data)) ‖ each value as int64 (8 bytes LE)
//
// (u64 and i64 are 8 bytes little-endian, two's complement for i64;
// doc_string is not covered). In Python with the onnx package:
//
//	h = hashlib.sha256()
//	for t in model.graph.initializer:
//	    name = t.name.encode()
//	    h.update(struct.pack("<Q", len(name)) + name)
//	    h.update(struct.pack("<q", t.data_type))
//	    h.update(struct.pack("<Q", len(t.dims)) + struct.pack("<%dq" % len(t.dims), *t.dims))
//	    h.update(struct.pack("<Q", len(t.raw_data)) + t.raw_data)
//	    h.update(struct.pack("<Q", len(t.float_data)) + struct.pack("<%df" % len(t.float_data), *t.float_data))
//	    h.update(struct.pack("<Q", len(t.int32_data)) + struct.pack("<%di" % len(t.int32_data), *t.int32_data))
//	    h.update(struct.pack("<Q", len(t.int64_data)) + struct.pack("<%dq" % len(t.int64_data), *t.int64_data))
//	assert h.hexdigest() == meta["kenn.initializers_sha256"]
//
// Last, kenn.file_sha256 covers every other byte of the file (graph,
// attributes, metadata): the lowercase hex SHA-256 of the file's bytes in
// which every occurrence of the value itself (64 ASCII characters) is
// replaced by 64 ASCII zeros ("0", 0x30). In Python:
//
//	raw = open(path, "rb").read()
//	v = meta["kenn.file_sha256"]
//	assert hashlib.sha256(raw.replace(v.encode(), b"0" * 64)).hexdigest() == v
//
// So a bit flipped anywhere in a file is refused, whether it breaks the
// protobuf, a weight (kenn.initializers_sha256, which says so) or
// anything else (kenn.file_sha256); re-saving a file with another ONNX
// writer also changes its bytes. The three keys are the last entries of
// metadata_props, the last field of the file, so a file cut at any byte
// lacks at least kenn.file_sha256 (or does not parse) and is refused.
// Initializers with values in any other field (external data,
// double_data, string_data, …) and sparse initializers are refused: kenn
// never writes them and kenn.initializers_sha256 would not cover them.
//
// # Writing and verifying a set
//
// WriteFiles writes every file of a set to a temporary name beside it,
// syncs them all, then renames them into place, the main file last; a kill
// between two renames can still mix an old and a new set, and ReadSet
// (used by package runtime at load) then refuses the set, naming the file
// whose kenn.model_id differs. ReadModel and ParseModel read one file with
// the generated bindings alone (no onnxruntime), refuse a file over
// MaxFileBytes before reading it, a truncated or corrupt file, duplicate
// metadata keys, a file without kenn.model_id (ErrNoModelID: files
// exported before ids were recorded are refused, with the command that
// re-exports them from their checkpoint), initializers that do not hash
// to the recorded checksum (a flipped bit in a weight) and bytes that do
// not hash to kenn.file_sha256. WriteFiles verifies each file so before
// writing it.
package export
