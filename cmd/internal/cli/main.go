package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Command is one command of a binary: its one-line summary and what runs it.
type Command struct {
	Summary string
	Run     func(ctx context.Context, args []string) error
}

// Usage writes a binary's help: about, then its commands with their summaries.
func Usage(w io.Writer, prog, about string, cmds map[string]Command) {
	fmt.Fprintf(w, "%s\n\nUsage: %s <command> [flags]\n\nCommands:\n", about, prog)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].Summary)
	}
	fmt.Fprintf(w, "\nRun `%s <command> -h` for the flags of one command.\n", prog)
}

// Main runs the command args[0] of the binary prog with the other args
// and returns its exit status: 0, 1 on an error, 2 on a wrong command
// line, 128 + the signal's number when SIGINT or SIGTERM stopped it. The
// error is printed to stderr as "prog command: message". resumable are
// the sentinels of errors that say how to resume an interrupted command
// (pairs.ErrInterrupted, build.ErrInterrupted, …): such an error is
// printed as it is, any other of an interrupted command as "no output was
// written".
func Main(prog, about string, cmds map[string]Command, args []string, resumable ...error) int {
	if len(args) < 1 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		Usage(os.Stderr, prog, about, cmds)
		if len(args) < 1 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if now, moved := movedCommand(args[0]); moved {
			fmt.Fprintf(os.Stderr, "%s: %s is now %s %s (same flags)\n", prog, args[0], prog, now)
			return 2
		}
		fmt.Fprintf(os.Stderr, "%s: unknown command %q\n\n", prog, args[0])
		Usage(os.Stderr, prog, about, cmds)
		return 2
	}
	sigs := catchSignals()
	err := cmd.Run(sigs.ctx, args[1:])
	sigs.stop()
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if sig := sigs.signal(); sig != nil {
		return interrupted(os.Stderr, prog+" "+args[0], err, sig, resumable)
	}
	fmt.Fprintf(os.Stderr, "%s %s: %v\n", prog, args[0], err)
	switch {
	case errors.Is(err, context.Canceled):
		return 130
	case IsUsage(err):
		return 2
	}
	return 1
}

// Exit statuses of an interrupted command: 128 + the signal's number, as
// shells report a process killed by it (130 for SIGINT / Ctrl-C, 143 for
// SIGTERM), the same for every command.
const (
	exitSIGINT  = 128 + int(syscall.SIGINT)
	exitSIGTERM = 128 + int(syscall.SIGTERM)
)

// signals cancels a context on the first SIGINT or SIGTERM and remembers
// which came; a second one has its default effect (the process dies at
// once), for a job that does not stop.
type signals struct {
	ctx    context.Context
	mu     sync.Mutex
	caught os.Signal
	stop   func()
}

func catchSignals() *signals {
	ctx, cancel := context.WithCancel(context.Background())
	s := &signals{ctx: ctx}
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-ch:
			s.mu.Lock()
			s.caught = sig
			s.mu.Unlock()
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			cancel()
		case <-done:
		}
	}()
	s.stop = func() { signal.Stop(ch); close(done); cancel() }
	return s
}

// signal returns the signal that cancelled the context, or nil.
func (s *signals) signal() os.Signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caught
}

// interrupted reports an error of a command stopped by a signal and
// returns the exit status: the command's own message when it wraps one of
// resumable (it says how to resume: "rerun the same command to resume from
// …"), else that nothing was kept.
func interrupted(w io.Writer, cmd string, err error, sig os.Signal, resumable []error) int {
	name, code := "SIGINT", exitSIGINT
	if sig == syscall.SIGTERM {
		name, code = "SIGTERM", exitSIGTERM
	}
	canResume := false
	for _, r := range resumable {
		canResume = canResume || errors.Is(err, r)
	}
	switch {
	case canResume:
		msg := strings.TrimSuffix(err.Error(), ": "+context.Canceled.Error())
		fmt.Fprintf(w, "%s: interrupted by %s: %s\n", cmd, name, msg)
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(w, "%s: interrupted by %s; no output was written (outputs appear only once complete): rerun the same command to start over\n", cmd, name)
	default:
		fmt.Fprintf(w, "%s: interrupted by %s: %v\n", cmd, name, err)
	}
	return code
}

// movedCommand names the command that took over a former one.
func movedCommand(name string) (now string, moved bool) {
	switch name {
	case "sample":
		return "snn sample", true
	}
	return "", false
}
