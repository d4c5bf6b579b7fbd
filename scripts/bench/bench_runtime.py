#!/usr/bin/python3
"""make bench-runtime: kenn's onnxruntime deployment against PyTorch, exact
POT and this machine's limits, side by side in one run, on N = 10,000 MNIST
images (make data's train and test splits together).

Reported: embedding images/s, pairwise distances/s and the end-to-end time
of a 10,000 × 10,000 matrix (embed, pairwise, write .npy) for DWE and
ODE-KENN; PyTorch 1.13 (2 threads) running the same DWE encoder eagerly and
torch.cdist on the same DWE embeddings; POT's exact W2; the machine's peak
float32 FLOP rate and memory write bandwidth, and the pairs/s they allow.
Speed does not depend on the weights: the models are untrained (kenn init).

Run with Debian's interpreter after `make data`:
    /usr/bin/python3 scripts/bench/bench_runtime.py
"""
import os, re, sys, tempfile, time
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from kennscripts import read_idx, run_kenn

KENN = os.environ.get('KENN', 'bin/kenn')
THREADS = 2

# KENN_DEVICE=cuda:0 (scripts/gpu/check.sh) runs kenn's embed and pairwise
# on that device and writes docs/bench-runtime-cuda0.md instead.
DEVICE = os.environ.get('KENN_DEVICE', 'cpu')

def run(*args):
    if args[0] in ('embed', 'pairwise', 'knn') and DEVICE != 'cpu':
        args = args + ('--device', DEVICE)
    return run_kenn(KENN, *args)[0].stderr

def main():
    tmp = tempfile.mkdtemp()
    X = np.concatenate([read_idx('data/mnist/train-images-idx3-ubyte'), read_idx('data/mnist/t10k-images-idx3-ubyte')])
    N = len(X)
    imgs = os.path.join(tmp, 'mnist10k.npy')
    np.save(imgs, X)
    rows = []
    emb = {}
    for kind in ('dwe', 'odekenn'):
        ck, onnx = os.path.join(tmp, kind + '.ckpt'), os.path.join(tmp, kind + '.onnx')
        run('init', '--model', kind, '-o', ck)
        run('export', ck, '-o', onnx)
        best = None
        for _ in range(3):  # median of three
            out = run('pairwise', '--model', onnx, '--images', imgs, '-o', os.path.join(tmp, kind + '.npy'), '--timing', '--threads', str(THREADS))
            m = re.search(r'\((\d+) images/s\); pairwise \S+ ([\d.]+) s \(([\d.e+]+) pairs/s incl. writing\); onnxruntime \S+ s for \d+ distances \(([\d.e+]+) distances/s\); total ([\d.]+) s', out)
            if not m:
                sys.exit('unexpected timing line: ' + out)
            vals = (float(m.group(1)), float(m.group(3)), float(m.group(5)), float(m.group(4)))
            best = sorted((best or []) + [vals], key=lambda v: v[2])
        img_s, pairs_s, total, dist_s = best[len(best) // 2]
        D = np.load(os.path.join(tmp, kind + '.npy'), mmap_mode='r')
        assert D.shape == (N, N) and D[5, 5] == 0 and D[3, 9] == D[9, 3]
        rows.append((kind, img_s, pairs_s, total, dist_s))
        if kind == 'dwe':
            e = os.path.join(tmp, 'dwe-emb.npy')
            run('embed', '--model', onnx, '--images', imgs, '-o', e, '--threads', str(THREADS))
            emb = np.load(e)

    import torch
    torch.set_num_threads(THREADS)
    # the DWE encoder, eager, same architecture
    enc = torch.nn.Sequential(
        torch.nn.Conv2d(1, 20, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(20, 5, 5, padding=2), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(5 * 28 * 28, 100), torch.nn.Linear(100, 50)).eval()
    Xt = torch.from_numpy(X.astype(np.float32)).unsqueeze(1)
    Xt = Xt / Xt.sum((1, 2, 3), keepdim=True) * 784
    with torch.no_grad():
        enc(Xt[:256])
        t = time.perf_counter()
        for s in range(0, N, 256):
            enc(Xt[s:s + 256])
        torch_img = N / (time.perf_counter() - t)
        E = torch.from_numpy(np.ascontiguousarray(emb))
        torch.cdist(E[:512], E[:512])
        t = time.perf_counter()
        D = torch.cdist(E, E) ** 2
        torch_cdist = N * N / (time.perf_counter() - t)
        del D
        # machine limits: float32 matmul peak, memory write bandwidth
        A = torch.randn(2048, 2048)
        A @ A
        t = time.perf_counter()
        for _ in range(5):
            A @ A
        flops = 5 * 2 * 2048 ** 3 / (time.perf_counter() - t)
    buf = np.empty(N * N, dtype=np.float32)
    buf.fill(1)
    t = time.perf_counter()
    buf.fill(2)
    bw = buf.nbytes / (time.perf_counter() - t)
    fpath = os.path.join(tmp, 'write.bin')
    t = time.perf_counter()
    with open(fpath, 'wb') as f:
        buf.tofile(f)
        f.flush()
    fbw = buf.nbytes / (time.perf_counter() - t)
    os.remove(fpath)
    del buf

    import ot
    Xf = X.reshape(N, -1).astype(np.float64)
    Xf /= Xf.sum(1, keepdims=True)
    g = np.stack(np.meshgrid(np.arange(28), np.arange(28), indexing='ij'), -1).reshape(-1, 2).astype(np.float64)
    M = ot.dist(g, g)
    rng = np.random.default_rng(0)
    P = rng.integers(0, N, size=(50, 2))
    t = time.perf_counter()
    for i, j in P:
        ot.emd2(Xf[i], Xf[j], M)
    pot = len(P) / (time.perf_counter() - t)

    lines = ['| runtime | model | embedding images/s | distances/s computed (in memory) | matrix written to .npy, pairs/s | 10,000² end to end |', '|---|---|---|---|---|---|']
    for kind, img_s, pairs_s, total, dist_s in rows:
        lines.append('| kenn (onnxruntime, %s) | %s | %.0f | %.3g | %.3g | %.2f s |' % ('%d threads' % THREADS if DEVICE == 'cpu' else DEVICE, kind, img_s, dist_s, pairs_s, total))
    lines.append('| PyTorch 1.13 eager, %d threads | dwe encoder | %.0f | | | |' % (THREADS, torch_img))
    lines.append('| PyTorch `torch.cdist`², %d threads | dwe embeddings | | %.3g | | |' % (THREADS, torch_cdist))
    lines.append('| POT `ot.emd2`, exact | | | %.0f | | %.1f days |' % (pot, N * (N - 1) / 2 / pot / 86400))
    lim = ['', 'Machine limits, measured in the same run: float32 matrix product %.1f GFLOP/s (%d threads); memory write %.1f GB/s; writing a new %d MB file (numpy `tofile`, page cache) %.2f GB/s.' % (flops / 1e9, THREADS, bw / 1e9, N * N * 4 // 10**6, fbw / 1e9),
           'A DWE distance (F = 50) costs about 2·50 FLOP in Gram form: at most %.3g pairs/s from arithmetic; a matrix in memory at 4 bytes a pair: at most %.3g pairs/s; written to a file: at most %.3g pairs/s.' % (flops / 100, bw / 4, fbw / 4)]
    text = '\n'.join(lines + lim)
    print(text)
    doc = 'docs/bench-runtime.md' if DEVICE == 'cpu' else 'docs/bench-runtime-%s.md' % DEVICE.replace(':', '')
    with open(doc + '.tmp', 'w') as f:
        f.write('# bench-runtime\n\nMade by `make bench-runtime` (scripts/bench/bench_runtime.py) on %s, %d cores; N = %d MNIST images; kenn timings are medians of 3 runs.\n\n%s\n' % (time.strftime('%Y-%m-%d'), os.cpu_count(), N, text))
    os.replace(doc + '.tmp', doc)

if __name__ == '__main__':
    main()
