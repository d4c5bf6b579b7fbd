//go:build !linux

package beamjob

// dieWithParent has no portable form outside Linux: Beam's worker
// environments run linux/amd64 binaries.
func dieWithParent() {}
