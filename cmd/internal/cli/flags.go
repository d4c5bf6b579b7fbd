package cli

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// UsageError is a wrong command line: Main exits 2 on it (1 on other
// errors), as the flag package does.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Usagef is a usage error.
func Usagef(format string, a ...any) error { return UsageError{fmt.Errorf(format, a...)} }

// IsUsage reports whether err is a wrong command line.
func IsUsage(err error) bool {
	var u UsageError
	return errors.As(err, &u)
}

// NewFlags returns the flag set of command name of the binary prog (kenn,
// kenn-beam), which reports errors instead of exiting and prints its help
// with PrintFlags.
func NewFlags(prog, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(prog+" "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s %s\n", prog, strings.TrimSpace(name+" "+synopsis))
		PrintFlags(fs)
	}
	return fs
}

// Parse parses args and rejects stray positional arguments (NoArgs).
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return UsageError{err}
	}
	return NoArgs(fs)
}

// NoArgs rejects the positional arguments of a parsed fs, for a command
// that takes none.
func NoArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q (flags go before nothing else; see -h)", fs.Arg(0))
	}
	return nil
}

// AliasPrefix starts the usage of a flag made by Alias.
const AliasPrefix = "old spelling of "

// hiddenPrefix starts the usage of a flag PrintFlags does not list (the
// Beam flags kenn accepts only to say that kenn-beam has them).
const hiddenPrefix = "hidden: "

// Alias registers old as a second spelling of the flag --name (already
// defined), so command lines written before a rename keep working.
func Alias(fs *flag.FlagSet, old, name string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("cli: alias of no flag --" + name) // a programmer error
	}
	fs.Var(f.Value, old, AliasPrefix+FlagName(name))
}

// Visited reports whether --name or one of its aliases is on the command line.
func Visited(fs *flag.FlagSet, names ...string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		for _, n := range names {
			set = set || f.Name == n
		}
	})
	return set
}

// FlagName is a flag as typed: -o, --name.
func FlagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// PrintFlags lists the flags as they are typed (-o, --name), each with its
// value's type, usage, default and old spellings (flags made by Alias are
// listed with the flag they stand for, not on their own).
func PrintFlags(fs *flag.FlagSet) {
	olds := map[string][]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if t, ok := strings.CutPrefix(f.Usage, AliasPrefix); ok {
			olds[strings.TrimLeft(t, "-")] = append(olds[strings.TrimLeft(t, "-")], FlagName(f.Name))
		}
	})
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, AliasPrefix) || strings.HasPrefix(f.Usage, hiddenPrefix) {
			return
		}
		if first {
			fmt.Fprintf(fs.Output(), "\nFlags:\n")
			first = false
		}
		typ, usage := flag.UnquoteUsage(f)
		line := "  " + FlagName(f.Name)
		if typ != "" {
			line += " " + typ
		}
		usage = strings.ReplaceAll(usage, "\n", "\n    \t")
		if !isZeroDefault(f) {
			if typ == "string" {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += fmt.Sprintf(" (default %v)", f.DefValue)
			}
		}
		if o := olds[f.Name]; len(o) > 0 {
			usage += " (old spelling: " + strings.Join(o, ", ") + ")"
		}
		fmt.Fprintf(fs.Output(), "%s\n    \t%s\n", line, usage)
	})
}

// isZeroDefault reports whether f's default is its type's zero value (not
// worth printing), as the flag package decides.
func isZeroDefault(f *flag.Flag) bool {
	t := reflect.TypeOf(f.Value)
	var z reflect.Value
	if t.Kind() == reflect.Pointer {
		z = reflect.New(t.Elem())
	} else {
		z = reflect.Zero(t)
	}
	v, ok := z.Interface().(flag.Value)
	return ok && f.DefValue == v.String()
}

// Checker validates the values of a parsed flag set: each rule that fails
// adds a message naming the flag, its value and what is accepted; Err
// returns them all as one usage error. Values are never replaced.
type Checker struct {
	fs   *flag.FlagSet
	errs []string
}

// Check starts the checks of a parsed flag set.
func Check(fs *flag.FlagSet) *Checker { return &Checker{fs: fs} }

// FlagSet is the flag set being checked.
func (c *Checker) FlagSet() *flag.FlagSet { return c.fs }

// Failf adds a failed rule.
func (c *Checker) Failf(format string, a ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, a...))
}

func (c *Checker) value(name string) any {
	f := c.fs.Lookup(name)
	if f == nil {
		panic("cli: no flag --" + name) // a rule naming a flag the command lacks
	}
	return f.Value.(flag.Getter).Get()
}

// Given reports whether --name is on the command line.
func (c *Checker) Given(name string) bool {
	set := false
	c.fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// Ints requires lo ≤ --name ≤ hi (hi = math.MaxInt: no upper bound).
func (c *Checker) Ints(name string, lo, hi int) *Checker {
	v := c.value(name).(int)
	if v < lo || v > hi {
		if hi == math.MaxInt {
			c.Failf("%s %d: want an integer ≥ %d", FlagName(name), v, lo)
		} else {
			c.Failf("%s %d: want an integer from %d to %d", FlagName(name), v, lo, hi)
		}
	}
	return c
}

// IntsIfGiven is Ints for a flag whose zero default means "not given".
func (c *Checker) IntsIfGiven(name string, lo, hi int) *Checker {
	if c.Given(name) {
		c.Ints(name, lo, hi)
	}
	return c
}

// Patience requires --name ≥ 1 or -1 (never).
func (c *Checker) Patience(name string) *Checker {
	if v := c.value(name).(int); v != -1 && v < 1 {
		c.Failf("%s %d: want an integer ≥ 1, or -1 for never", FlagName(name), v)
	}
	return c
}

// Positive requires a finite --name > 0.
func (c *Checker) Positive(name string) *Checker {
	if v := c.value(name).(float64); !(v > 0) || math.IsInf(v, 0) {
		c.Failf("%s %g: want a finite number > 0", FlagName(name), v)
	}
	return c
}

// PositiveIfGiven is Positive for a flag whose zero default means "not given".
func (c *Checker) PositiveIfGiven(name string) *Checker {
	if c.Given(name) {
		c.Positive(name)
	}
	return c
}

// NonNegative requires a finite --name ≥ 0.
func (c *Checker) NonNegative(name string) *Checker {
	if v := c.value(name).(float64); !(v >= 0) || math.IsInf(v, 0) {
		c.Failf("%s %g: want a finite number ≥ 0", FlagName(name), v)
	}
	return c
}

// OneOf requires --name to be one of values.
func (c *Checker) OneOf(name string, values ...string) *Checker {
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
	c.Failf("%s %q: want one of %s", FlagName(name), v, strings.Join(q, ", "))
	return c
}

// Required requires each named string flag to be given a non-empty value.
func (c *Checker) Required(names ...string) *Checker {
	var missing []string
	for _, n := range names {
		if c.value(n).(string) == "" {
			missing = append(missing, FlagName(n))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		c.Failf("%s is required", missing[0])
	default:
		c.Failf("%s and %s are required", strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
	}
	return c
}

// Err is the usage error of every failed rule, nil if none failed.
func (c *Checker) Err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return UsageError{errors.New(strings.Join(c.errs, "; "))}
}
