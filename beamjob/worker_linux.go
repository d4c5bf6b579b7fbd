//go:build linux

package beamjob

import "syscall"

// dieWithParent makes the kernel kill this worker when the process that
// started it exits. Beam's boot loader starts the worker binary as its
// child, and Beam's harness, once its runner closes the control stream,
// waits forever for a kill that a PROCESS environment never sends: the
// runner kills the boot loader only, and every finished job would leave a
// worker behind.
func dieWithParent() {
	// (no check of getppid() == 1 for a parent already gone: in a
	// container the boot loader itself is process 1)
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0)
}
