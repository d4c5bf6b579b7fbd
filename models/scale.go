package models

import (
	"fmt"
	"math"
)

// The one conversion between the two scales a model's distances come on,
// TargetW2 (W2, pixels) and TargetW2Sq (W2², pixels²), for every package
// that turns a model's output into the other scale (evaluation, checks,
// plots, the CLI). A target that is neither is refused where a model is
// loaded (CheckTarget), never guessed: treating it as W2 or as W2² would
// each give a silently wrong value.

// CheckTarget reports an error unless target is TargetW2 or TargetW2Sq.
func CheckTarget(target string) error {
	if target != TargetW2 && target != TargetW2Sq {
		return fmt.Errorf("models: target %q: want %q (W2, pixels) or %q (W2², pixels²)", target, TargetW2, TargetW2Sq)
	}
	return nil
}

// ToW2Sq converts d, a distance on the scale target, to W2² (pixels²): a
// W2 is squared, a W2² kept. It panics on another target (a programmer
// error: targets are checked when a model is loaded).
func ToW2Sq(target string, d float64) float64 {
	switch target {
	case TargetW2Sq:
		return d
	case TargetW2:
		return d * d
	}
	panic(fmt.Sprintf("models: ToW2Sq of a distance on target %q", target))
}

// ToW2 converts d, a distance on the scale target, to W2 (pixels): the
// square root of a W2² (a negative one, rounding below 0, gives 0), a W2
// kept. It panics on another target, as ToW2Sq.
func ToW2(target string, d float64) float64 {
	switch target {
	case TargetW2Sq:
		return math.Sqrt(math.Max(d, 0))
	case TargetW2:
		return d
	}
	panic(fmt.Sprintf("models: ToW2 of a distance on target %q", target))
}

// FromW2Sq converts w2sq, a W2² (pixels²), to the scale target: the
// square root for W2, w2sq itself for W2² (what a model of that target is
// trained to predict). It panics on another target, like ToW2Sq.
func FromW2Sq(target string, w2sq float64) float64 {
	switch target {
	case TargetW2Sq:
		return w2sq
	case TargetW2:
		return math.Sqrt(math.Max(w2sq, 0))
	}
	panic(fmt.Sprintf("models: FromW2Sq to target %q", target))
}
