//go:build !unix

package runtime

import (
	"errors"
	"os"
)

func mapFloats(f *os.File, off, n int64) ([]float32, func(), error) {
	return nil, nil, errors.New("runtime: no memory mapping on this platform")
}
