"""Helpers shared by the scripts under scripts/ (bench, reproduce, anchors).

A script in a folder below scripts/ imports them with

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
    from kennscripts import read_idx, run_kenn
"""
import gzip, struct, subprocess, sys, time
import numpy as np

IDX_IMAGES, IDX_LABELS = 0x803, 0x801

def read_idx(path, magic=IDX_IMAGES):
    """The uint8 array of an IDX file, gzip-compressed or not: images
    (n, h, w) for magic 0x803, labels (n,) for 0x801. Exits naming the file
    when the magic or the size is not what the header says."""
    raw = open(path, 'rb').read()
    if raw[:2] == b'\x1f\x8b':
        raw = gzip.decompress(raw)
    if len(raw) < 4 or struct.unpack('>I', raw[:4])[0] != magic:
        sys.exit('%s: not an IDX file with magic 0x%x' % (path, magic))
    nd = raw[3]
    dims = struct.unpack('>' + 'I' * nd, raw[4:4 + 4 * nd])
    data = raw[4 + 4 * nd:]
    if len(data) != int(np.prod(dims)):
        sys.exit('%s: %d bytes of data, the header says %s' % (path, len(data), 'x'.join(map(str, dims))))
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)

def run_kenn(kenn, *args, out=None):
    """Run the kenn binary with args; on failure exit with the tail of its
    stderr. out: a file for its stdout. Returns (CompletedProcess, seconds)."""
    t = time.perf_counter()
    r = subprocess.run([kenn, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit('kenn %s failed:\n%s' % (' '.join(args), r.stderr[-3000:]))
    if out:
        with open(out, 'w') as f:
            f.write(r.stdout)
    return r, time.perf_counter() - t
