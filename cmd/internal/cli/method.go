package cli

import (
	"math"
	"strings"

	"github.com/kenn-ot/kenn/ot"
)

// MethodFlags registers --method, --epsilon, --slices and --max-memory;
// the function it returns makes the ot.Method they choose.
func MethodFlags(fs interface {
	String(string, string, string) *string
	Float64(string, float64, string) *float64
	Int(string, int, string) *int
}) func() (ot.Method, error) {
	name := fs.String("method", "exact", strings.Join(ot.MethodNames(), " | "))
	eps := fs.Float64("epsilon", 1, "Sinkhorn regularization, pixel² units")
	slices := fs.Int("slices", 64, "sliced W2: number of directions")
	maxMem := fs.Float64("max-memory", 4, "exact: the most memory one solve may take, GiB (a larger pair is refused)")
	return func() (ot.Method, error) {
		mem := int64(-1) // not positive: refused by ot.NewMethod, never replaced
		if *maxMem > 0 {
			mem = int64(min(*maxMem, 1<<32) * (1 << 30))
		}
		return ot.NewMethod(*name, ot.MethodOptions{Epsilon: *eps, Directions: *slices, MaxMemory: mem})
	}
}

// MethodUsage is the --method part of a usage line: the names of
// ot.Methods.
func MethodUsage() string { return "[--method " + strings.Join(ot.MethodNames(), "|") + "]" }

// CheckMethod adds the rules of MethodFlags' flags.
func CheckMethod(c *Checker) *Checker {
	c.OneOf("method", ot.MethodNames()...).Positive("epsilon").Ints("slices", 1, math.MaxInt)
	if c.fs.Lookup("max-memory") != nil {
		c.Positive("max-memory")
	}
	return c
}
