#!/usr/bin/python3
"""make bench-ot: kenn's exact W2 engine against POT ot.emd2, side by side.

Both solve the same pairs of the same images in one run, one core each
(POT dense, as DWE and the anchors measured it: the 784-point histograms and
the full cost matrix). Each timing is the median of three runs, the two
tools alternating. Reports pairs/s per core, the ratio, and the largest
relative difference; then kenn's scaling with --workers, and the error and
speed of kenn's Sinkhorn and sliced W2 against exact.

Run with Debian's interpreter after `make data`:
    /usr/bin/python3 scripts/bench_ot.py [--quick]
"""
import gzip, os, struct, subprocess, sys, tempfile, time
os.environ.setdefault('OMP_NUM_THREADS', '1')
import numpy as np
import ot
from scipy.ndimage import zoom

KENN = os.environ.get('KENN', 'bin/kenn')
QUICK = '--quick' in sys.argv

def read_idx(path):
    raw = open(path, 'rb').read()
    if raw[:2] == b'\x1f\x8b':
        raw = gzip.decompress(raw)
    magic, n, h, w = struct.unpack('>IIII', raw[:16])
    assert magic == 0x803, path
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, h, w).astype(np.float64)

def random_pairs(n, k, seed):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < k:
        i, j = (int(v) for v in rng.integers(0, n, 2))
        if i != j:
            out.append((i, j))
    return out

def pot(X, pairs):
    h, w = X.shape[1:]
    g = np.stack(np.meshgrid(np.arange(h), np.arange(w), indexing='ij'), -1).reshape(-1, 2).astype(np.float64)
    M = ot.dist(g, g)
    Xn = X.reshape(len(X), -1)
    Xn = Xn / Xn.sum(1, keepdims=True)
    t = time.perf_counter()
    vals = [ot.emd2(Xn[i], Xn[j], M, numItermax=10**9) for i, j in pairs]
    return np.array(vals), time.perf_counter() - t

def kenn(images, pairs, workers=1, method='exact', extra=()):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, 'p.csv')
        with open(p, 'w') as f:
            f.write('i,j\n' + ''.join('%d,%d\n' % ij for ij in pairs))
        o = os.path.join(d, 'o.csv')
        r = subprocess.run([KENN, 'w2', '--images', images, '--pairs', p, '-o', o, '--workers', str(workers),
                            '--method', method, '--timing', *extra], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit('kenn failed: ' + r.stderr)
        secs = float(r.stderr.split('timing: ')[1].split(' pairs in ')[1].split(' s')[0])
        vals = np.loadtxt(o, delimiter=',', skiprows=1, usecols=2, ndmin=1)
        return vals, secs

def upsampled(X, n, path):
    Z = np.array([np.clip(zoom(x, n / 28, order=1), 0, None) for x in X]).astype(np.float32)
    np.save(path, Z)  # both tools read exactly these float32 values
    return Z.astype(np.float64)

def main():
    rows, notes = [], []
    tmp = tempfile.mkdtemp()
    mn = 'data/mnist/train-images-idx3-ubyte'
    fa = 'data/fashion-mnist/t10k-images-idx3-ubyte'
    for f in (mn, fa):
        if not os.path.exists(f):
            sys.exit('%s missing: run make data first' % f)
    XM, XF = read_idx(mn), read_idx(fa)
    sets = [('MNIST 28×28', mn, XM, random_pairs(len(XM), 60 if QUICK else 200, 0)),
            ('Fashion-MNIST 28×28', fa, XF, random_pairs(len(XF), 30 if QUICK else 100, 1))]
    sub = XM[:12]
    up64 = os.path.join(tmp, 'up64.npy')
    sets.append(('MNIST 64×64 (bilinear)', up64, upsampled(sub, 64, up64), [(0, 1), (2, 3), (4, 5)] if QUICK else [(2 * k, 2 * k + 1) for k in range(6)]))
    print('| images | pairs | POT emd2 pairs/s | kenn pairs/s | ratio | largest rel. diff | mean W2² |')
    print('|---|---|---|---|---|---|---|')
    reps = 1 if QUICK else 3
    for name, path, X, pairs in sets:
        # alternate the two tools and keep each one's median time: this
        # machine's speed drifts between runs
        pts, kts = [], []
        for _ in range(reps):
            pv, t = pot(X, pairs)
            pts.append(t)
            kv, t = kenn(path, pairs)
            kts.append(t)
        pt, kt = float(np.median(pts)), float(np.median(kts))
        rel = np.max(np.abs(kv - pv) / pv)
        row = '| %s | %d | %.3g | %.4g | **%.1f×** | %.1e | %.3f |' % (name, len(pairs), len(pairs) / pt, len(pairs) / kt, pt / kt, rel, pv.mean())
        print(row, flush=True)
        rows.append(row)
    up128 = os.path.join(tmp, 'up128.npy')
    upsampled(XM[:8], 128, up128)
    p128 = [(0, 1), (2, 3)] if QUICK else [(2 * k, 2 * k + 1) for k in range(4)]
    kv, kt = kenn(up128, p128)
    row = '| MNIST 128×128 (bilinear) | %d | not run (a 16384² cost matrix) | %.3g (%.2f s/pair) | | | %.3f |' % (len(p128), len(p128) / kt, kt / len(p128), kv.mean())
    print(row, flush=True)
    rows.append(row)

    # scaling with workers
    sp = random_pairs(len(XM), 600 if QUICK else 2000, 2)
    _, t1 = kenn(mn, sp, workers=1)
    _, t2 = kenn(mn, sp, workers=2)
    scale = 'kenn --workers 2 on %d MNIST pairs: %.0f pairs/s vs %.0f with 1 worker, speed-up %.2f× on %d cores' % (len(sp), len(sp) / t2, len(sp) / t1, t1 / t2, os.cpu_count())
    print('\n' + scale)

    # approximations against exact
    ap = random_pairs(len(XM), 20 if QUICK else 50, 3)
    ev, et = kenn(mn, ap)
    print('\n| method (MNIST, %d pairs, 1 core) | pairs/s | mean rel. error | max rel. error |' % len(ap))
    print('|---|---|---|---|')
    approx = ['| exact (kenn) | %.4g | 0 | 0 |' % (len(ap) / et)]
    for method, extra, label in [('sinkhorn', ('--epsilon', '1'), 'Sinkhorn ε=1 px²'),
                                 ('sinkhorn', ('--epsilon', '0.25'), 'Sinkhorn ε=0.25 px²'),
                                 ('sliced', ('--slices', '64'), 'sliced W2², 64 directions (raw)')]:
        v, t = kenn(mn, ap, method=method, extra=extra)
        r = (v - ev) / ev
        approx.append('| %s | %.4g | %+.3f | %+.3f |' % (label, len(ap) / t, r.mean(), r[np.argmax(np.abs(r))]))
    print('\n'.join(approx))
    with open('docs/bench-ot.md.tmp', 'w') as f:
        f.write('# bench-ot\n\nMade by `make bench-ot` (scripts/bench_ot.py) on %s, %d cores; POT %s, one thread; each timing the median of 3 alternating runs.\n\n' % (time.strftime('%Y-%m-%d'), os.cpu_count(), ot.__version__))
        f.write('| images | pairs | POT emd2 pairs/s | kenn pairs/s | ratio | largest rel. diff | mean W2² |\n|---|---|---|---|---|---|---|\n')
        f.write('\n'.join(rows) + '\n\n' + scale + '\n\n')
        f.write('| method (MNIST, %d pairs, 1 core) | pairs/s | mean rel. error | max rel. error |\n|---|---|---|---|\n' % len(ap))
        f.write('\n'.join(approx) + '\n')
    if not QUICK:
        os.replace('docs/bench-ot.md.tmp', 'docs/bench-ot.md')
    else:
        os.remove('docs/bench-ot.md.tmp')

if __name__ == '__main__':
    main()
