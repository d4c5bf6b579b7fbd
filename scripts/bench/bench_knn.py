#!/usr/bin/python3
"""make bench-knn: kNN of unseen MNIST test digits three ways, side by side in
one run — brute-force exact (every pair solved: kenn pairs --all), the model
alone (kenn knn) and the model's C candidates re-ranked by exact W2
(kenn knn --rerank C) — with recall@10 of both model paths against brute
force and the time of each. Writes docs/bench-knn.md.
Environment: KENN (bin/kenn), MODEL (pretrained/odekenn-ensemble.onnx),
IMAGES (testdata/mnist-test-images-idx3-ubyte: 500 digits of the test split),
C (50), K (10).
"""
import csv, os, sys, tempfile
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from kennscripts import run_kenn

KENN = os.environ.get('KENN', 'bin/kenn')
MODEL = os.environ.get('MODEL', 'pretrained/odekenn-ensemble.onnx')
IMAGES = os.environ.get('IMAGES', 'testdata/mnist-test-images-idx3-ubyte')
C = int(os.environ.get('C', 50))
K = int(os.environ.get('K', 10))

def run(*args):
    return run_kenn(KENN, *args)[1]

def exact_matrix(path):
    rows = [l for l in open(path) if not l.startswith('#')]
    r = csv.reader(rows)
    head = next(r)
    i, j, v = head.index('i'), head.index('j'), [h for h in head if h.startswith('w2')][0]
    vi = head.index(v)
    data = [(int(x[i]), int(x[j]), float(x[vi])) for x in r]
    n = max(max(a, b) for a, b, _ in data) + 1
    D = np.full((n, n), np.inf)
    for a, b, w in data:
        D[a, b] = D[b, a] = w
    return D

def neighbours(path, n):
    out = [[] for _ in range(n)]
    for row in csv.DictReader(open(path)):
        q, idx = int(row['query']), int(row['index'])
        if idx != q:
            out[q].append(idx)
    return [o[:K] for o in out]

def main():
    tmp = tempfile.mkdtemp(prefix='kenn-bench-knn-')
    exact = os.path.join(tmp, 'exact.pairs')
    t_exact = run('pairs', '--all', '--images', IMAGES, '-o', exact)
    D = exact_matrix(exact)
    n = D.shape[0]
    truth = [list(np.argsort(D[q], kind='stable')[:K]) for q in range(n)]  # D[q,q] is inf: self excluded
    model_csv, rr_csv = os.path.join(tmp, 'model.csv'), os.path.join(tmp, 'rerank.csv')
    # k+1: every digit finds itself first (distance 0), which is not counted.
    t_model = run('knn', '--model', MODEL, '--index', IMAGES, '--query', IMAGES, '-k', str(K + 1), '-o', model_csv)
    t_rr = run('knn', '--model', MODEL, '--index', IMAGES, '--query', IMAGES, '-k', str(K + 1), '--rerank', str(C), '-o', rr_csv)
    def recall(nb):
        return float(np.mean([len(set(nb[q]) & set(truth[q])) / K for q in range(n)]))
    r_model, r_rr = recall(neighbours(model_csv, n)), recall(neighbours(rr_csv, n))
    text = """# kNN: model, exact re-ranking and brute-force exact

Made by `make bench-knn` (scripts/bench/bench_knn.py) on %d cores, in one run: %d unseen MNIST test digits
(`%s`), each digit's %d nearest others by W2; model `%s`.

| method | recall@%d vs brute-force exact | seconds (whole command) | exact solves |
|---|---|---|---|
| brute-force exact (`kenn pairs --all`) | 1 | %.1f | %d |
| model alone (`kenn knn -k %d`) | %.4f | %.1f | 0 |
| model + exact re-ranking of %d candidates (`kenn knn --rerank %d`) | **%.4f** | %.1f | %d |

Re-ranking costs %.1f%% of brute force's exact solves and took %.2f× its time.
""" % (os.cpu_count(), n, IMAGES, K, MODEL, K, t_exact, n * (n - 1) // 2, K + 1, r_model, t_model, C, C, r_rr, t_rr, n * C,
       100.0 * n * C / (n * (n - 1) / 2), t_rr / t_exact)
    os.makedirs('docs', exist_ok=True)
    open('docs/bench-knn.md', 'w').write(text)
    print(text)

if __name__ == '__main__':
    main()
