package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strings"
)

// usageError is a wrong command line: main exits 2 on it (1 on other
// errors), as the flag package does.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef is a usage error.
func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// isUsage reports whether err is a wrong command line.
func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

// checker validates the values of a parsed flag set: each rule that fails
// adds a message naming the flag, its value and what is accepted; err
// returns them all as one usage error. Values are never replaced.
type checker struct {
	fs   *flag.FlagSet
	errs []string
}

func check(fs *flag.FlagSet) *checker { return &checker{fs: fs} }

func (c *checker) failf(format string, a ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, a...))
}

func (c *checker) value(name string) any {
	f := c.fs.Lookup(name)
	if f == nil {
		panic("kenn: no flag --" + name) // a rule naming a flag the command lacks
	}
	return f.Value.(flag.Getter).Get()
}

// given reports whether --name is on the command line.
func (c *checker) given(name string) bool {
	set := false
	c.fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// ints requires lo ≤ --name ≤ hi (hi = math.MaxInt: no upper bound).
func (c *checker) ints(name string, lo, hi int) *checker {
	v := c.value(name).(int)
	if v < lo || v > hi {
		if hi == math.MaxInt {
			c.failf("%s %d: want an integer ≥ %d", flagName(name), v, lo)
		} else {
			c.failf("%s %d: want an integer from %d to %d", flagName(name), v, lo, hi)
		}
	}
	return c
}

// intsIfGiven is ints for a flag whose zero default means "not given".
func (c *checker) intsIfGiven(name string, lo, hi int) *checker {
	if c.given(name) {
		c.ints(name, lo, hi)
	}
	return c
}

// patience requires --name ≥ 1 or -1 (never).
func (c *checker) patience(name string) *checker {
	if v := c.value(name).(int); v != -1 && v < 1 {
		c.failf("%s %d: want an integer ≥ 1, or -1 for never", flagName(name), v)
	}
	return c
}

// positive requires a finite --name > 0.
func (c *checker) positive(name string) *checker {
	if v := c.value(name).(float64); !(v > 0) || math.IsInf(v, 0) {
		c.failf("%s %g: want a finite number > 0", flagName(name), v)
	}
	return c
}

// positiveIfGiven is positive for a flag whose zero default means "not given".
func (c *checker) positiveIfGiven(name string) *checker {
	if c.given(name) {
		c.positive(name)
	}
	return c
}

// nonNegative requires a finite --name ≥ 0.
func (c *checker) nonNegative(name string) *checker {
	if v := c.value(name).(float64); !(v >= 0) || math.IsInf(v, 0) {
		c.failf("%s %g: want a finite number ≥ 0", flagName(name), v)
	}
	return c
}

// oneOf requires --name to be one of values.
func (c *checker) oneOf(name string, values ...string) *checker {
	v := c.value(name).(string)
	for _, w := range values {
		if v == w {
			return c
		}
	}
	var q []string
	for _, w := range values {
		if w == "" {
			w = `"" (the default)`
		}
		q = append(q, w)
	}
	c.failf("%s %q: want one of %s", flagName(name), v, strings.Join(q, ", "))
	return c
}

// flagName is a flag as typed: -o, --name.
func flagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// required requires each named string flag to be given a non-empty value.
func (c *checker) required(names ...string) *checker {
	var missing []string
	for _, n := range names {
		if c.value(n).(string) == "" {
			missing = append(missing, flagName(n))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		c.failf("%s is required", missing[0])
	default:
		c.failf("%s and %s are required", strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
	}
	return c
}

// err is the usage error of every failed rule, nil if none failed.
func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return usageError{errors.New(strings.Join(c.errs, "; "))}
}

// alias registers old as a second spelling of the flag --name (already
// defined), so command lines written before a rename keep working.
func alias(fs *flag.FlagSet, old, name string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("kenn: alias of no flag --" + name) // a programmer error
	}
	fs.Var(f.Value, old, aliasPrefix+flagName(name))
}

// aliasPrefix starts the usage of a flag made by alias.
const aliasPrefix = "old spelling of "

// visited reports whether --name or one of its aliases is on the command line.
func visited(fs *flag.FlagSet, names ...string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		for _, n := range names {
			set = set || f.Name == n
		}
	})
	return set
}
