package build

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/models"
)

// Gradients are recomputed, not accumulated, by each Forward.
func TestGradientsDoNotAccumulate(t *testing.T) {
	m := tiny(models.KindDeepKENN)
	net, _ := NewNet(m, 4, tensor.Float64, true)
	c, _ := models.NewCheckpoint(m, 5)
	net.SetWeights(c)
	bt := randomBatch(rand.New(rand.NewPCG(1, 1)), 4, 784, true)
	net.Forward(bt)
	g1, _ := net.GradOf("fc2.W")
	g1 = append([]float64(nil), g1...)
	net.Forward(bt)
	g2, _ := net.GradOf("fc2.W")
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("gradient changed on a second identical step: %v then %v", g1[i], g2[i])
		}
	}
}
