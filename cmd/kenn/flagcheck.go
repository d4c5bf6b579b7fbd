package main

import (
	"flag"

	"github.com/kenn-ot/kenn/cmd/internal/cli"
)

// The flag vocabulary of every command is package cli's (shared with
// kenn-beam); these are the short names this package's commands use.

// usageError is a wrong command line: main exits 2 on it.
type usageError = cli.UsageError

func usagef(format string, a ...any) error { return cli.Usagef(format, a...) }

func newFlags(name, synopsis string) *flag.FlagSet { return cli.NewFlags("kenn", name, synopsis) }

func parse(fs *flag.FlagSet, args []string) error { return cli.Parse(fs, args) }

func alias(fs *flag.FlagSet, old, name string) { cli.Alias(fs, old, name) }

func flagName(name string) string { return cli.FlagName(name) }

// checker is cli.Checker with the method names of this package.
type checker struct {
	c  *cli.Checker
	fs *flag.FlagSet
}

func check(fs *flag.FlagSet) *checker { return &checker{c: cli.Check(fs), fs: fs} }

func (c *checker) failf(format string, a ...any)         { c.c.Failf(format, a...) }
func (c *checker) err() error                            { return c.c.Err() }
func (c *checker) ints(name string, lo, hi int) *checker { c.c.Ints(name, lo, hi); return c }
func (c *checker) intsIfGiven(name string, lo, hi int) *checker {
	c.c.IntsIfGiven(name, lo, hi)
	return c
}
func (c *checker) patience(name string) *checker        { c.c.Patience(name); return c }
func (c *checker) positive(name string) *checker        { c.c.Positive(name); return c }
func (c *checker) positiveIfGiven(name string) *checker { c.c.PositiveIfGiven(name); return c }
func (c *checker) nonNegative(name string) *checker     { c.c.NonNegative(name); return c }
func (c *checker) oneOf(name string, values ...string) *checker {
	c.c.OneOf(name, values...)
	return c
}
func (c *checker) required(names ...string) *checker { c.c.Required(names...); return c }

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// positional splits a leading argument that is not a flag (the
// checkpoint of kenn export M.ckpt -o …) from the flags after it; "" when
// the arguments start with a flag.
func positional(args []string) (first string, rest []string) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		return args[0], args[1:]
	}
	return "", args
}
