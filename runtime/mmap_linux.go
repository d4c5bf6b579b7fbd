//go:build linux

package runtime

import "syscall"

// mapFlags pre-faults the mapping: one kernel call instead of a page fault
// per 4 KiB page of a fresh matrix file.
const mapFlags = syscall.MAP_POPULATE
