package build

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/models"
)

// kenn train's defaults (matched ODE-KENN, K = 8, 64 hidden units, 64
// images per block) hit Gorgonia's float32 gradient fault; trainingNet
// must notice and train on a padded graph whose gradients are float64's,
// and leave a graph alone whose gradients are right.
func TestTrainingNetFallsBack(t *testing.T) {
	b := models.DefaultBackbone
	m, err := models.Matched(models.KindODEKENN, 28, 28, models.DeepKENN(28, 28, b).NumDistanceParams(), b, 64, 8)
	if err != nil {
		t.Fatal(err)
	}
	c, err := models.NewCheckpoint(m, 9)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		images, graph int
	}{{64, 65}, {63, 63}} {
		t.Run(fmt.Sprintf("%d-images", tc.images), func(t *testing.T) {
			bt := randomBatch(rand.New(rand.NewPCG(3, 4)), tc.images, 28*28, true)
			ref, err := referenceGradients(m, c, tc.images, false, bt)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := newNet(m, tc.images, tensor.Float32, true, false)
			if err != nil {
				t.Fatal(err)
			}
			rawWorst, where, err := compareGradients(raw, c, bt, ref)
			raw.Close()
			if err != nil {
				t.Fatal(err)
			}
			var notices []string
			net, err := trainingNet(m, c, tc.images, false, bt, func(msg string) { notices = append(notices, msg) })
			if err != nil {
				t.Fatal(err)
			}
			defer net.Close()
			if padded := net.B != tc.images; len(notices) != btoi(padded) || (padded && !strings.Contains(notices[0], fmt.Sprintf("a graph for %d", net.B))) {
				t.Errorf("%d images, graph for %d: notices %q, want one naming the padded graph exactly when padded", tc.images, net.B, notices)
			}
			if net.B != tc.graph {
				t.Fatalf("%d images: graph for %d, want %d (unpadded float32 graph off by %.3g at %s)", tc.images, net.B, tc.graph, rawWorst, where)
			}
			worst, where2, err := compareGradients(net, c, bt, ref)
			if err != nil {
				t.Fatal(err)
			}
			if worst > 1e-4 {
				t.Errorf("%d images: trained graph's gradient of %s off float64's by %.3g", tc.images, where2, worst)
			}
			if padded := tc.graph != tc.images; padded != (rawWorst > gradTolerance) {
				t.Errorf("%d images: padded %v, but the unpadded graph is off by %.3g (%s)", tc.images, padded, rawWorst, where)
			}
			t.Logf("%d images: unpadded float32 graph off float64's by %.3g (%s); trained graph for %d images off by %.3g", tc.images, rawWorst, where, net.B, worst)
		})
	}
}

// A graph for more images than the batch gives the batch's own loss and
// gradients: the padding images are in no pair.
func TestForwardPadding(t *testing.T) {
	for _, m := range smallModels(8, 6)[1:] { // no decoder: DWE is never padded
		t.Run(string(m.Kind), func(t *testing.T) {
			c, _ := models.NewCheckpoint(m, 5)
			bt := randomBatch(rand.New(rand.NewPCG(1, 2)), 5, m.H*m.W, true)
			want, err := referenceGradients(m, c, 5, false, bt)
			if err != nil {
				t.Fatal(err)
			}
			net, err := newNet(m, 7, tensor.Float64, true, false)
			if err != nil {
				t.Fatal(err)
			}
			defer net.Close()
			got, err := gradients(net, c, bt)
			if err != nil {
				t.Fatal(err)
			}
			for name, w := range want {
				for i := range w {
					if d := math.Abs(got[name][i] - w[i]); d > 1e-12*math.Max(1, math.Abs(w[i])) {
						t.Fatalf("%s[%d]: padded %.15g, unpadded %.15g", name, i, got[name][i], w[i])
					}
				}
			}
		})
	}
	dwe := smallModels(8, 6)[0]
	net, err := newNet(dwe, 7, tensor.Float64, true, false)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	if _, err := net.Forward(randomBatch(rand.New(rand.NewPCG(1, 2)), 5, dwe.H*dwe.W, true)); err == nil {
		t.Error("a DWE graph for 7 images took a batch of 5")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
