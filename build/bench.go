package build

import (
	"fmt"
	"math/rand/v2"
	"time"

	"gorgonia.org/tensor"

	"github.com/kenn-ot/kenn/dataset"
	"github.com/kenn-ot/kenn/models"
)

// Speed reports the training throughput measured by Benchmark.
type Speed struct {
	ImagesPerSec float64 // images through forward and backward (and Adam)
	PairsPerSec  float64 // supervised pairs per second
	StepSecs     float64
}

// Benchmark times steps of training m (forward, backward and an Adam
// update) on batches of batch images drawn from imgs, after two warm-up
// steps. In ModePair a batch supervises batch/2 pairs; in ModeBlock all
// batch·(batch−1)/2. Targets are random: speed does not depend on them.
func Benchmark(m *models.Model, imgs *dataset.Images, mode string, batch, steps int, seed uint64) (Speed, error) {
	if mode != ModePair && mode != ModeBlock {
		return Speed{}, fmt.Errorf("build: unknown mode %q", mode)
	}
	if imgs.H != m.H || imgs.W != m.W {
		return Speed{}, fmt.Errorf("build: model takes %dx%d images, %s has %dx%d", m.H, m.W, imgs.Source, imgs.H, imgs.W)
	}
	net, err := NewNet(m, batch, tensor.Float32, true)
	if err != nil {
		return Speed{}, err
	}
	defer net.Close()
	c, err := models.NewCheckpoint(m, seed)
	if err != nil {
		return Speed{}, err
	}
	if err := net.SetWeights(c); err != nil {
		return Speed{}, err
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	bt := &Batch{}
	for i := 0; i < batch; i++ {
		bt.Images = append(bt.Images, imgs.Row(rng.IntN(imgs.N)))
	}
	if mode == ModeBlock {
		for i := 0; i < batch; i++ {
			for j := i + 1; j < batch; j++ {
				bt.Pairs = append(bt.Pairs, [2]int{i, j})
				bt.Targets = append(bt.Targets, 1+rng.Float64()*3)
			}
		}
	} else {
		for k := 0; k < batch/2; k++ {
			bt.Pairs = append(bt.Pairs, [2]int{k, batch/2 + k})
			bt.Targets = append(bt.Targets, 1+rng.Float64()*3)
		}
	}
	adam := DefaultAdam(1e-4)
	var start time.Time
	for s := -2; s < steps; s++ {
		if s == 0 {
			start = time.Now()
		}
		if _, err := net.Forward(bt); err != nil {
			return Speed{}, err
		}
		if err := adam.Step(net, c, s+3); err != nil {
			return Speed{}, err
		}
	}
	el := time.Since(start).Seconds()
	return Speed{
		ImagesPerSec: float64(steps*batch) / el,
		PairsPerSec:  float64(steps*len(bt.Pairs)) / el,
		StepSecs:     el / float64(steps),
	}, nil
}
