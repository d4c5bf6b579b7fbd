//go:build !unix

package ot_test

import "time"

// cpuTime is not measured here: cpu-ms/pair reads 0.
func cpuTime() time.Duration { return 0 }
