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
// update) on batches of batch images drawn from imgs, after a warm-up of
// at least two steps and benchWarmup of stepping (at most
// benchWarmupSteps steps). In ModePair a batch supervises batch/2 pairs;
// in ModeBlock all batch·(batch−1)/2. Targets are random: speed does not
// depend on them.
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
	step := func(k int) error {
		if _, err := net.Forward(bt); err != nil {
			return err
		}
		return adam.Step(net, c, k)
	}
	k := 1
	for warm := time.Now(); k <= 2 || (time.Since(warm) < benchWarmup && k <= benchWarmupSteps); k++ {
		if err := step(k); err != nil {
			return Speed{}, err
		}
	}
	start := time.Now()
	for s := 0; s < steps; s++ {
		if err := step(k + s); err != nil {
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

// The warm-up of Benchmark. The first half second or so of training in a
// process runs two to three times slower than the rest (measured with
// ODE-KENN on 28×28 Fashion-MNIST, blocks of 36: steps 3–7 took 65–79 ms,
// later ones 22 ms): timed after two steps only, 8 steps measured 8,600
// pairs/s against 26,000 steady, and kenn fit planned its epochs on half
// the real speed.
const (
	benchWarmup      = time.Second
	benchWarmupSteps = 64
)
