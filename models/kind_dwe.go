package models

import "errors"

// KindDWE is the Deep Wasserstein Embedding (Courty, Flamary and Ducoffe,
// 2018): W2² ≈ ‖φ(x) − φ(y)‖², the embedding φ(x) one segment; a decoder
// ψ trained beside it (parameters DecoderPrefix + …) maps embeddings back
// to images and is no part of the distance.
const KindDWE Kind = "dwe"

func dweKind() kindSpec {
	return kindSpec{
		kind: KindDWE, target: TargetW2Sq, form: FormSquared,
		params: func(m *Model) []Param {
			ps := m.encoderParams()
			if len(m.Decoder) > 0 { // dense layers on φ, then conv layers on [DecoderChannels, H, W]
				var dense, conv []Layer
				for _, l := range m.Decoder {
					if l.Op == OpDense {
						dense = append(dense, l)
					} else {
						conv = append(conv, l)
					}
				}
				d, _ := layerParams(DecoderPrefix, Shape{m.EmbeddingDim(), 1, 1}, dense)
				c, _ := layerParams(DecoderPrefix, Shape{m.DecoderChannels, m.H, m.W}, conv)
				ps = append(append(ps, d...), c...)
			}
			return ps
		},
		segments: lastLayerSegment,
		validate: func(m *Model) error {
			if err := m.validateEncoder(); err != nil {
				return err
			}
			if m.Target != TargetW2Sq {
				return errors.New("models: dwe predicts w2sq")
			}
			return nil
		},
	}
}

// DWE is the Deep Wasserstein Embedding of Courty, Flamary and Ducoffe
// (2018): encoder Conv(20, 3×3) + ReLU → Conv(5, 5×5) + ReLU → Dense(100)
// → Dense(50), no activation on the dense layers (as in the reference
// code); decoder Dense(100) + ReLU → Dense(5·H·W) + ReLU → reshape 5×H×W →
// Conv(10, 5×5) + ReLU → Conv(1, 3×3) → softmax over pixels.
func DWE(h, w int) *Model {
	return &Model{
		Kind: KindDWE, H: h, W: w, Target: TargetW2Sq,
		Encoder: []Layer{
			{Name: "conv1", Op: OpConv, Out: 20, Kernel: 3, Act: ActReLU},
			{Name: "conv2", Op: OpConv, Out: 5, Kernel: 5, Act: ActReLU},
			{Name: "fc1", Op: OpDense, Out: 100},
			{Name: "fc2", Op: OpDense, Out: 50},
		},
		Decoder: []Layer{
			{Name: "fc1", Op: OpDense, Out: 100, Act: ActReLU},
			{Name: "fc2", Op: OpDense, Out: 5 * h * w, Act: ActReLU},
			{Name: "conv1", Op: OpConv, Out: 10, Kernel: 5, Act: ActReLU},
			{Name: "conv2", Op: OpConv, Out: 1, Kernel: 3},
		},
		DecoderChannels: 5,
	}
}
