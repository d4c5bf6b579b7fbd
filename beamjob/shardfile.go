package beamjob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/kenn-ot/kenn/internal/atomicfile"
)

// A shard file is its body followed by a fixed-size trailer line
//
//	#kenn-shard LLLLLLLLLLLLLLLL HHHH…HHHH\n
//
// with the body's length in bytes (16 decimal digits) and its SHA-256 (64
// hex digits). A shard cut short, extended or with a flipped bit fails the
// check and is recomputed by the next run instead of failing the merge.
const (
	trailerTag = "#kenn-shard "
	trailerLen = len(trailerTag) + 16 + 1 + 64 + 1
)

// errBadShard marks a shard file that is truncated or corrupt.
var errBadShard = errors.New("truncated or corrupt shard")

func trailer(body []byte) []byte {
	sum := sha256.Sum256(body)
	return fmt.Appendf(nil, "%s%016d %s\n", trailerTag, len(body), hex.EncodeToString(sum[:]))
}

// writeShard writes body and its trailer to path atomically.
func writeShard(path string, body []byte) error {
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		if _, err := w.Write(body); err != nil {
			return err
		}
		_, err := w.Write(trailer(body))
		return err
	})
}

// parseTrailer returns the body length a trailer declares.
func parseTrailer(path string, t []byte) (int64, []byte, error) {
	if len(t) != trailerLen || !bytes.HasPrefix(t, []byte(trailerTag)) || t[trailerLen-1] != '\n' || t[len(trailerTag)+16] != ' ' {
		return 0, nil, fmt.Errorf("beamjob: %s: %w: no trailer", path, errBadShard)
	}
	n, err := strconv.ParseInt(string(t[len(trailerTag):len(trailerTag)+16]), 10, 64)
	if err != nil || n < 0 {
		return 0, nil, fmt.Errorf("beamjob: %s: %w: bad length in the trailer", path, errBadShard)
	}
	sum, err := hex.DecodeString(string(t[len(trailerTag)+17 : trailerLen-1]))
	if err != nil {
		return 0, nil, fmt.Errorf("beamjob: %s: %w: bad checksum in the trailer", path, errBadShard)
	}
	return n, sum, nil
}

// shardComplete is the cheap check of a shard just written: it exists,
// its trailer parses and the file has the size the trailer declares (and
// bodyLen, when not negative).
func shardComplete(path string, bodyLen int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() < int64(trailerLen) {
		return false
	}
	t := make([]byte, trailerLen)
	if _, err := f.ReadAt(t, st.Size()-int64(trailerLen)); err != nil {
		return false
	}
	n, _, err := parseTrailer(path, t)
	return err == nil && n+int64(trailerLen) == st.Size() && (bodyLen < 0 || n == bodyLen)
}

// readShard returns the body of the shard at path after checking its
// length and checksum; errors on a bad shard wrap errBadShard.
func readShard(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("beamjob: %w", err)
	}
	if len(raw) < trailerLen {
		return nil, fmt.Errorf("beamjob: %s: %w: %d bytes, shorter than its trailer", path, errBadShard, len(raw))
	}
	body := raw[:len(raw)-trailerLen]
	n, sum, err := parseTrailer(path, raw[len(body):])
	if err != nil {
		return nil, err
	}
	if n != int64(len(body)) {
		return nil, fmt.Errorf("beamjob: %s: %w: a body of %d bytes, the trailer declares %d", path, errBadShard, len(body), n)
	}
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("beamjob: %s: %w: the body's sha256 differs from the trailer's", path, errBadShard)
	}
	if !bytes.Equal(raw[len(body):], trailer(body)) { // the canonical spelling, byte for byte
		return nil, fmt.Errorf("beamjob: %s: %w: a malformed trailer", path, errBadShard)
	}
	return body, nil
}

// dropBadShards removes, before a run, the shard files that check (a full
// read of each finished shard) refuses, so that the run recomputes them;
// it returns how many it removed. Missing shards are skipped.
func dropBadShards(paths []string, check func(k int, body []byte) error) (int, error) {
	dropped := 0
	for k, p := range paths {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		body, err := readShard(p)
		if err == nil {
			err = check(k, body)
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, errBadShard) {
			return dropped, err
		}
		if err := os.Remove(p); err != nil {
			return dropped, fmt.Errorf("beamjob: removing the bad shard %s: %w", p, err)
		}
		dropped++
	}
	return dropped, nil
}
