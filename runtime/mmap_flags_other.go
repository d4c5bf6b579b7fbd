//go:build unix && !linux

package runtime

const mapFlags = 0
