#!/usr/bin/python3
"""Independent reference values for kenn's exact W2 engine.

Computes W2² with POT's ot.emd2 (Debian python3-pot 0.8.2, LEMON's network
simplex) for fixed random pairs of the committed testdata images: dense
28×28 histograms normalized to unit mass, squared Euclidean ground cost in
pixel units. Writes testdata/pot_reference.csv (set,i,j,w2sq).

Run with Debian's interpreter:  /usr/bin/python3 scripts/anchors/pot_reference.py
"""
import os, sys
import numpy as np
import ot
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
import kennscripts

def read_idx(path):
    X = kennscripts.read_idx(path)
    n, h, w = X.shape
    return X.reshape(n, h * w).astype(np.float64), h, w

def main(out='testdata/pot_reference.csv'):
    sets = [('mnist-train', 'testdata/mnist-train-images-idx3-ubyte', 200),
            ('fashion-test', 'testdata/fashion-test-images-idx3-ubyte', 100)]
    rng = np.random.default_rng(20261122)
    rows = []
    for name, path, npairs in sets:
        X, h, w = read_idx(path)
        X = X / X.sum(1, keepdims=True)
        g = np.stack(np.meshgrid(np.arange(h), np.arange(w), indexing='ij'), -1).reshape(-1, 2).astype(np.float64)
        M = ot.dist(g, g)  # squared Euclidean, pixel units
        seen = set()
        while len(seen) < npairs:
            i, j = (int(v) for v in rng.integers(0, len(X), 2))
            if i == j or (i, j) in seen:
                continue
            seen.add((i, j))
            v = ot.emd2(X[i], X[j], M, numItermax=10**8)
            rows.append((name, i, j, v))
    with open(out + '.tmp', 'w') as f:
        f.write('# W2^2 by POT %s ot.emd2 (dense histograms, squared Euclidean cost, pixel units); made by scripts/anchors/pot_reference.py\n' % ot.__version__)
        f.write('set,i,j,w2sq\n')
        for name, i, j, v in rows:
            f.write('%s,%d,%d,%.17g\n' % (name, i, j, v))
    import os
    os.replace(out + '.tmp', out)
    print('wrote %d pairs to %s' % (len(rows), out))

if __name__ == '__main__':
    main(*sys.argv[1:])
