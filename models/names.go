package models

import "strings"

// Parameter names that the compilers (build, export) and checkpoints share.
// A layer's parameters are named by WeightParam and BiasParam; a kind's own
// parameters by the constants below. Model.Params lists them all.
const (
	// ParamBeta holds deepkenn's and naive's segment weights before
	// softplus: β_l, one per feature layer.
	ParamBeta = "beta"
	// ParamAlpha holds odekenn's segment weights before softplus: α_k, one
	// per state z(t_k), k = 0..K.
	ParamAlpha = "alpha"
	// ODE-KENN's vector field g(z, t) = W₂·tanh(W₁·[z; t] + b₁) + b₂:
	// W₁ [d+1, hidden] (its last row multiplies t), b₁ [hidden],
	// W₂ [hidden, d], b₂ [d].
	ParamODEW1 = "ode.W1"
	ParamODEB1 = "ode.b1"
	ParamODEW2 = "ode.W2"
	ParamODEB2 = "ode.b2"
	// DecoderPrefix begins the name of every parameter of DWE's decoder ψ
	// (DecoderPrefix + layer name + ".W" or ".b"): the parameters that the
	// distance does not depend on.
	DecoderPrefix = "dec."
)

// WeightParam names layer l's weights, prefix + l.Name + ".W" (prefix is
// "" for the encoder, DecoderPrefix for the decoder, MemberPrefix(k) +
// those in an ensemble).
func WeightParam(prefix string, l Layer) string { return prefix + l.Name + ".W" }

// BiasParam names layer l's bias, prefix + l.Name + ".b".
func BiasParam(prefix string, l Layer) string { return prefix + l.Name + ".b" }

// IsDecoderParam reports whether the parameter named name belongs to DWE's
// decoder.
func IsDecoderParam(name string) bool { return strings.HasPrefix(name, DecoderPrefix) }

// Metadata keys of an exported image model (ONNX metadata_props), written
// by package export and read by the runtimes; the values are described in
// export's package documentation.
const (
	MetaKind           = "kenn.kind"            // the Kind
	MetaTarget         = "kenn.target"          // TargetW2 or TargetW2Sq
	MetaUnits          = "kenn.units"           // "pixel"
	MetaInput          = "kenn.input"           // "HxW"
	MetaNormalization  = "kenn.normalization"   // the input normalization, in words
	MetaFeatures       = "kenn.features"        // segment lengths, comma-separated
	MetaSegmentWeights = "kenn.segment_weights" // segment weights, comma-separated
	MetaTrainSHA256    = "kenn.train_sha256"    // Provenance.TrainSHA256
	MetaMetrics        = "kenn.metrics"         // Checkpoint.Metrics as JSON
	MetaModel          = "kenn.model"           // the Model as JSON
	MetaVersion        = "kenn.version"         // the exporting kenn's version
	MetaCard           = "kenn.card"            // Checkpoint.Card, when there is one
	MetaDomain         = "kenn.domain"          // Checkpoint.Domain as JSON, when there is one
	MetaProfile        = "kenn.profile"         // the export profile; absent in the default one
	// The keys that tie an exported set together and verify its bytes.
	MetaModelID      = "kenn.model_id"
	MetaInitializers = "kenn.initializers_sha256"
	MetaFileSHA256   = "kenn.file_sha256"
)
