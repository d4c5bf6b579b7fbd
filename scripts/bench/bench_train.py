#!/usr/bin/python3
"""make bench-train: Gorgonia (kenn) against PyTorch 1.13 (2 threads) on the
DWE architecture, side by side in one run, on the committed MNIST digits.

  1. DWE encoder, forward + backward + Adam, batch 64: images/s;
  2. full DWE (encoder + decoder, MSE + KL + sparsity), pair mode, batch of
     100 pairs: pairs/s;
  3. full DWE in block mode, 64 images supervising all 2,016 of their pairs:
     pairs/s (PyTorch too, and the ratio to PyTorch's pair mode).

Run with Debian's interpreter: /usr/bin/python3 scripts/bench/bench_train.py
"""
import os, re, subprocess, sys, time
import numpy as np
import torch, torch.nn as nn
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
import kennscripts

KENN = os.environ.get('KENN', 'bin/kenn')
IMAGES = 'testdata/mnist-train-images-idx3-ubyte'
torch.set_num_threads(2)

def read_idx(path):
    X = kennscripts.read_idx(path)
    return X.reshape(len(X), 1, *X.shape[1:]).astype(np.float32)

class Enc(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 20, 3, padding=1); s.c2 = nn.Conv2d(20, 5, 5, padding=2)
        s.f1 = nn.Linear(5 * 28 * 28, 100); s.f2 = nn.Linear(100, 50)
    def forward(s, x):  # no activation on the dense layers, as kenn's DWE
        x = torch.relu(s.c1(x)); x = torch.relu(s.c2(x)); return s.f2(s.f1(x.flatten(1)))

class Dec(nn.Module):
    def __init__(s):
        super().__init__()
        s.f1 = nn.Linear(50, 100); s.f2 = nn.Linear(100, 5 * 28 * 28)
        s.c1 = nn.Conv2d(5, 10, 5, padding=2); s.c2 = nn.Conv2d(10, 1, 3, padding=1)
    def forward(s, z):
        z = torch.relu(s.f1(z)); z = torch.relu(s.f2(z)).view(-1, 5, 28, 28)
        z = torch.relu(s.c1(z)); return torch.softmax(s.c2(z).flatten(1), 1)

X = read_idx(IMAGES)
X = torch.from_numpy(X / X.sum((1, 2, 3), keepdims=True) * 784)
rng = np.random.default_rng(0)

STEPS = 20  # timed steps per measurement, after 5 warm-up steps
REPEATS = 3  # kenn and PyTorch alternate; medians are reported

def timeit(step, n=STEPS):
    for _ in range(5):
        step()
    t = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t) / n

def torch_encoder(b=64):
    enc = Enc(); opt = torch.optim.Adam(enc.parameters(), 1e-4)
    x = X[rng.integers(0, len(X), b)]
    y = torch.rand(b // 2) * 20
    def step():
        e = enc(x); d = ((e[:b // 2] - e[b // 2:]) ** 2).sum(1)
        l = ((d - y) ** 2).mean(); opt.zero_grad(); l.backward(); opt.step()
    return b / timeit(step)

def dwe_loss(enc, dec, x, pairs_i, pairs_j, y):
    e = enc(x); d = ((e[pairs_i] - e[pairs_j]) ** 2).sum(1)
    psi = dec(e); xt = x.flatten(1) / 784
    kl = (xt * (torch.log(xt + 1e-30) - torch.log(psi + 1e-12))).sum(1).mean()
    return ((d - y) ** 2).mean() + 20 * kl + 2e-3 * torch.sqrt(psi + 1e-12).sum(1).mean()

def torch_full(block, b):
    enc, dec = Enc(), Dec(); opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), 1e-4)
    x = X[rng.integers(0, len(X), b)]
    if block:
        pi, pj = np.triu_indices(b, 1)
    else:
        pi, pj = np.arange(b // 2), np.arange(b // 2, b)
    pi, pj = torch.from_numpy(pi), torch.from_numpy(pj)
    y = torch.rand(len(pi)) * 20
    def step():
        l = dwe_loss(enc, dec, x, pi, pj, y); opt.zero_grad(); l.backward(); opt.step()
    return len(pi) / timeit(step)

def kenn(model, mode, batch):
    out = subprocess.run([KENN, 'bench-train', '--model', model, '--mode', mode, '--batch', str(batch), '--images', IMAGES, '--steps', str(STEPS)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    m = re.search(r'([\d.]+) images/s, ([\d.]+) pairs/s', out.stdout)
    return float(m.group(1)), float(m.group(2))

def median(xs):
    return sorted(xs)[len(xs) // 2]

def main():
    rows = []
    ki, ti, kp, tp, kb, tb = [], [], [], [], [], []
    for _ in range(REPEATS):  # alternating, so that drifts of the machine hit both
        ki.append(kenn('dwe-encoder', 'pair', 64)[0])
        ti.append(torch_encoder(64))
        kp.append(kenn('dwe', 'pair', 200)[1])
        tp.append(torch_full(False, 200))
        kb.append(kenn('dwe', 'block', 64)[1])
        tb.append(torch_full(True, 64))
    spread = lambda xs: '%.0f–%.0f' % (min(xs), max(xs))
    ki, ti, kp, tp, kb, tb = [(median(x), spread(x)) for x in (ki, ti, kp, tp, kb, tb)]
    rows.append('| DWE encoder, fwd+bwd+Adam, batch 64 | images/s | %.0f (%s) | %.0f (%s) | %.2f× |' % (ki[0], ki[1], ti[0], ti[1], ki[0] / ti[0]))
    rows.append('| full DWE, pair mode, 100 pairs | pairs/s | %.0f (%s) | %.0f (%s) | %.2f× |' % (kp[0], kp[1], tp[0], tp[1], kp[0] / tp[0]))
    rows.append('| full DWE, block mode, 64 images (2,016 pairs) | pairs/s | %.0f (%s) | %.0f (%s) | %.2f× |' % (kb[0], kb[1], tb[0], tb[1], kb[0] / tb[0]))
    rows.append('| kenn block mode against PyTorch pair mode | pairs/s | %.0f | %.0f | **%.1f×** |' % (kb[0], tp[0], kb[0] / tp[0]))
    text = '| measurement | unit | kenn (Gorgonia) | PyTorch 1.13 | ratio |\n|---|---|---|---|---|\n' + '\n'.join(rows)
    print(text)
    blas = os.environ.get('KENN_BLAS', '')
    doc = 'docs/bench-train%s.md' % ('-' + blas if blas else '')
    with open(doc + '.tmp', 'w') as f:
        f.write('# bench-train\n\nMade by `make bench-train%s` (scripts/bench/bench_train.py) on %s, %d cores, 2 threads each; BLAS: %s. Medians of %d alternating runs of %d timed steps (range in brackets).\n\n%s\n' % (
            ' BLAS=' + blas if blas else '', time.strftime('%Y-%m-%d'), os.cpu_count(), blas or 'gonum (pure Go)', REPEATS, STEPS, text))
    os.replace(doc + '.tmp', doc)

if __name__ == '__main__':
    main()
