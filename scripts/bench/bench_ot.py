#!/usr/bin/python3
"""make bench-ot: kenn's exact W2 engine against POT ot.emd2 and GridOT.

All solve the same pairs of the same images in one run, one core each
(POT dense, as DWE and the anchors measured it: the full histograms and
cost matrix; GridOT, Rauch & Zanotti's shielded multiscale network simplex,
through ../shared/anchors/gridot's driver, built by make bench-ot into
.cache/gridot/gridot_w2 when GRIDOT_SRC names its source). Each timing is
the median of three runs, the tools alternating. Reports pairs/s per core,
the ratios, and the largest relative differences, on MNIST, Fashion-MNIST
and dense DOTmark-like sets (white noise, smooth random fields, upsampled
images with no zero pixel) at 32, 64 and 128; then kenn's scaling with
--workers, and the error and speed of kenn's Sinkhorn and sliced W2.

Run with Debian's interpreter after `make data`:
    /usr/bin/python3 scripts/bench/bench_ot.py [--quick]
"""
import os, subprocess, sys, tempfile, time
os.environ.setdefault('OMP_NUM_THREADS', '1')
import numpy as np
import ot
from scipy.ndimage import gaussian_filter, zoom
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
import kennscripts

KENN = os.environ.get('KENN', 'bin/kenn')
GRIDOT = os.environ.get('GRIDOT', '.cache/gridot/gridot_w2')
HAVE_GRIDOT = os.access(GRIDOT, os.X_OK)
QUICK = '--quick' in sys.argv

def read_idx(path):
    return kennscripts.read_idx(path).astype(np.float64)

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

def gridot(path, pairs, shape=None):
    """GridOT's values and its summed solve time (graph + run + cost), or
    (None, None) without the binary. path: IDX3 uint8, or with shape
    (N, H, W) a raw uint8 array."""
    if not HAVE_GRIDOT:
        return None, None
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, 'p.csv')
        with open(p, 'w') as f:
            f.write('i,j\n' + ''.join('%d,%d\n' % ij for ij in pairs))
        o = os.path.join(d, 'o.csv')
        cmd = [GRIDOT, '--images', path, '--pairs', p, '-o', o]
        if shape is not None:
            cmd += ['--raw', '%d,%d,%d' % shape]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit('gridot failed: ' + r.stderr)
        secs = float(r.stderr.split('solves ')[1].split(' s')[0])
        vals = np.loadtxt(o, delimiter=',', skiprows=1, usecols=2, ndmin=1)
        return vals, secs

GO = os.environ.get('GO', 'go')
GO_CLASSES = [('mnist28', '3x'), ('fashion28', '3x'), ('noise32', '3x'), ('smooth32', '3x'),
              ('mnistup64', '1x'), ('noise64', '1x'), ('smooth64', '1x'), ('fashionup64', '1x'),
              ('noise128', '1x'), ('smooth128', '1x'), ('fashionup128', '1x')]

def go_benchmarks():
    """The engine's Go benchmarks (ot/bench_test.go), one core, a Solver
    reused across pairs: time and pivots per class and size, as a table."""
    out = ['Engine benchmarks (`go test -run \'^$\' -bench \'W2/CLASS/warm\' -cpu 1 ./ot/`, a reused Solver, '
           'median of 3 runs; pairs from testdata or generated as in ot/bench_test.go; CPU time from getrusage, pivots over all multiscale levels):', '',
           '| class | pairs | ms/pair | CPU ms/pair | pivots/pair | fine-level pivots/pair | degenerate/pair |', '|---|---|---|---|---|---|---|']
    classes = GO_CLASSES[:4] if QUICK else GO_CLASSES
    for name, bt in classes:
        runs = []
        for _ in range(1 if QUICK else 3):
            r = subprocess.run([GO, 'test', '-run', '^$', '-bench', 'W2/%s/warm$' % name, '-benchtime', bt, '-cpu', '1', './ot/'],
                               capture_output=True, text=True)
            line = [l for l in r.stdout.splitlines() if l.startswith('BenchmarkW2/')]
            if r.returncode != 0 or not line:
                sys.exit('go test -bench failed: ' + r.stdout + r.stderr)
            f = line[0].split()
            runs.append({u: float(v) for v, u in zip(f[2::2], f[3::2])})
        med = lambda u: float(np.median([m[u] for m in runs]))
        n = {'mnist28': 32, 'fashion28': 16, 'noise32': 8, 'smooth32': 8}.get(name, 4 if '64' in name else 1)
        out.append('| %s | %d | %.4g | %.4g | %.0f | %.0f | %.0f |' % (name, n, med('ms/pair'), med('cpu-ms/pair'), med('pivots/pair'), med('fine-pivots/pair'), med('degenerate/pair')))
    return '\n'.join(out)

def dense_set(kind, n, k, seed, tmp, src=None):
    """k pairs of n×n uint8 images without a zero pixel: white noise,
    a smooth random field (white noise blurred by a periodic Gaussian of
    width n/16, stretched to 1..255), or src upsampled bilinearly, +1.
    Saved as .npy for kenn and raw for GridOT; returns (npy, raw, X)."""
    rng = np.random.default_rng(seed)
    if kind == 'noise':
        X = rng.integers(1, 256, size=(2 * k, n, n))
    elif kind == 'smooth':
        X = []
        for _ in range(2 * k):
            f = gaussian_filter(rng.standard_normal((n, n)), n / 16, mode='wrap')
            X.append(1 + np.round(254 * (f - f.min()) / (f.max() - f.min())))
        X = np.array(X)
    else:
        X = np.array([np.clip(np.round(zoom(x, n / x.shape[0], order=1)), 0, 254) + 1 for x in src[:2 * k]])
    X = X.astype(np.uint8)
    npy = os.path.join(tmp, 'dense-%s%d.npy' % (kind, n))
    raw = os.path.join(tmp, 'dense-%s%d.raw' % (kind, n))
    np.save(npy, X)
    X.tofile(raw)
    return npy, raw, X.astype(np.float64)

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
    # (name, kenn's file, GridOT's file, GridOT's raw shape or None, images
    # as float64 (None: POT not run), pairs); a GridOT file None: not run
    # (GridOT reads uint8 only)
    sets = [('MNIST 28×28', mn, mn, None, XM, random_pairs(len(XM), 60 if QUICK else 200, 0)),
            ('Fashion-MNIST 28×28', fa, fa, None, XF, random_pairs(len(XF), 30 if QUICK else 100, 1))]
    sub = XM[:12]
    up64 = os.path.join(tmp, 'up64.npy')
    sets.append(('MNIST 64×64 (bilinear, float32)', up64, None, None, upsampled(sub, 64, up64), [(0, 1), (2, 3), (4, 5)] if QUICK else [(2 * k, 2 * k + 1) for k in range(6)]))
    dense = [('white noise', 'noise', None), ('smooth random field', 'smooth', None), ('Fashion upsampled, +1', 'up', XF)]
    for n, k, with_pot in [(32, 6 if QUICK else 20, True), (64, 2 if QUICK else 4, True)] + ([] if QUICK else [(128, 2, False)]):
        for label, kind, src in dense:
            npy, raw, X = dense_set(kind, n, k, 10 * n + len(kind), tmp, src)
            sets.append(('%s %d×%d' % (label, n, n), npy, raw, X.shape, X if with_pot else None, [(2 * i, 2 * i + 1) for i in range(k)]))
    if not QUICK:
        X = np.array([np.clip(np.round(zoom(x, 128 / 28, order=1)), 0, 255) for x in XM[:4]]).astype(np.uint8)  # zeros kept
        npy, raw = os.path.join(tmp, 'mnist-up128.npy'), os.path.join(tmp, 'mnist-up128.raw')
        np.save(npy, X)
        X.tofile(raw)
        sets.append(('MNIST upsampled 128×128 (zeros kept)', npy, raw, X.shape, None, [(0, 1), (2, 3)]))
    head = '| images | pairs | POT emd2 pairs/s | GridOT pairs/s | kenn pairs/s | kenn ÷ POT | kenn ÷ GridOT | largest rel. diff to POT, GridOT | mean W2² |'
    print(head)
    print('|---|---|---|---|---|---|---|---|---|')
    reps = 1 if QUICK else 3
    for name, path, gpath, gshape, X, pairs in sets:
        # alternate the tools and keep each one's median time: this
        # machine's speed drifts between runs
        pts, gts, kts = [], [], []
        pv = gv = None
        # POT dense takes seconds per pair from 64×64 on: at most 2 there
        npot = len(pairs) if X is None or X.shape[1] < 64 else min(len(pairs), 2)
        for _ in range(reps):
            if X is not None:
                pv, t = pot(X, pairs[:npot])
                pts.append(t)
            if gpath is not None:
                gv, t = gridot(gpath, pairs, gshape)
                if t is not None:
                    gts.append(t)
            kv, t = kenn(path, pairs)
            kts.append(t)
        kt = float(np.median(kts))
        npair = len(pairs)
        cells = ['%d' % npair]
        rels = []
        if pts:
            pt = float(np.median(pts)) * npair / npot  # per npair pairs
            cells.append('%.3g' % (npair / pt) + ('' if npot == npair else ' (%d pairs)' % npot))
            rels.append('%.1e' % np.max(np.abs(kv[:npot] - pv) / pv))
        else:
            cells.append('not run' + (' (a %d² cost matrix)' % (X.shape[1] ** 2) if X is not None else ''))
            rels.append('—')
        if gts:
            gt = float(np.median(gts))
            cells.append('%.3g' % (npair / gt))
            rels.append('%.1e' % np.max(np.abs(kv - gv) / kv))
        else:
            cells.append('not built' if gpath is not None else 'n/a (float input)')
            rels.append('—')
        cells.append('%.4g (%.3g ms/pair)' % (npair / kt, 1000 * kt / npair))
        cells.append('**%.1f×**' % (pt / kt) if pts else '')
        cells.append('**%.2f×**' % (gt / kt) if gts else '')
        cells.append(', '.join(rels))
        cells.append('%.3f' % kv.mean())
        row = '| %s | %s |' % (name, ' | '.join(cells))
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
    engine = go_benchmarks()
    print('\n' + engine)
    # The file's hand-written history (its "## " sections: measured
    # before/after comparisons of engine changes) is kept below the run.
    history = ''
    if os.path.exists('docs/bench-ot.md'):
        old = open('docs/bench-ot.md').read()
        at = old.find('\n## ')
        if at >= 0:
            history = old[at + 1:]
    with open('docs/bench-ot.md.tmp', 'w') as f:
        f.write('# bench-ot\n\nMade by `make bench-ot` (scripts/bench/bench_ot.py) on %s, %d cores; POT %s, one thread; GridOT %s; each timing the median of 3 alternating runs, one core each (kenn: `kenn w2 --workers 1 --timing`, GridOT: its driver\'s summed solve time, POT: the loop of ot.emd2 calls). kenn ÷ X is kenn\'s speed over X\'s.\n\n' % (time.strftime('%Y-%m-%d'), os.cpu_count(), ot.__version__, 'through ../shared/anchors/gridot (commit 94979d4)' if HAVE_GRIDOT else 'not built (make bench-ot GRIDOT_SRC=<an exported GridOT tree>)'))
        f.write(head + '\n|---|---|---|---|---|---|---|---|---|\n')
        f.write('\n'.join(rows) + '\n\n' + scale + '\n\n')
        f.write('| method (MNIST, %d pairs, 1 core) | pairs/s | mean rel. error | max rel. error |\n|---|---|---|---|\n' % len(ap))
        f.write('\n'.join(approx) + '\n\n')
        f.write(engine + '\n')
        if history:
            f.write('\n' + history)
    if not QUICK:
        os.replace('docs/bench-ot.md.tmp', 'docs/bench-ot.md')
    else:
        os.remove('docs/bench-ot.md.tmp')

if __name__ == '__main__':
    main()
