//go:build !amd64

package segdist

func asmGeometries() []geometry { return nil }
