package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
)

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
// returns the exit status: the command's own message when it says how to
// resume ("rerun the same command to resume from …"), else that nothing
// was kept.
func interrupted(cmd string, err error, sig os.Signal) int {
	name, code := "SIGINT", exitSIGINT
	if sig == syscall.SIGTERM {
		name, code = "SIGTERM", exitSIGTERM
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "rerun the same command"):
		msg = strings.TrimSuffix(msg, ": "+context.Canceled.Error())
		fmt.Fprintf(os.Stderr, "kenn %s: interrupted by %s: %s\n", cmd, name, msg)
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(os.Stderr, "kenn %s: interrupted by %s; no output was written (outputs appear only once complete): rerun the same command to start over\n", cmd, name)
	default:
		fmt.Fprintf(os.Stderr, "kenn %s: interrupted by %s: %v\n", cmd, name, err)
	}
	return code
}
