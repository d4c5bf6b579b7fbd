#!/usr/bin/python3
"""make reproduce: the MNIST reproduction, from `make data` to docs/results/mnist-1k/README.md.

Exact W2² ground truth (kenn pairs) → each model trained in block mode
(kenn train) → evaluated on all pairs of unseen MNIST test digits and, as in
DWE's Table 1, on Fashion-MNIST (a model trained on MNIST, cross-domain)
(kenn eval) → beside them Sinkhorn and sliced W2, the latter raw and
linearly calibrated on training pairs (kenn w2, kenn score). Every step's
output stays in out/reproduce/; a rerun skips the steps already done, and
`kenn pairs` / `kenn train` resume an interrupted step.

Every subset is stratified: the make data splits are grouped by digit, so
each subset takes the first K images of every class (K = size/10), written
as IDX files in OUT. Sizes (environment): N_TRAIN (1000 train digits, all
their pairs; `all`: every train digit but the validation ones), N_VAL (200 further train digits), N_TEST (500 test digits),
N_FASHION (200 Fashion-MNIST test images), EPOCHS (60), OUT, GROUP_SIZE (if set:
the training pairs are all pairs within random groups of GROUP_SIZE digits,
kenn pairs --groups, instead of all pairs of N_TRAIN), KINDS (models to
train, comma-separated), DOC (the results file, docs/results/mnist-1k/README.md; one folder per run, docs/results/RUN/README.md), BATCH (64),
BACKBONE (kenn train --backbone C1,C2,HIDDEN,OUT for the KENN models), AUGMENT
(kenn train --augment), LOSS (kenn train --loss), SEEDS (train each kind with
seeds 1..SEEDS and add the ensemble of those members, kenn ensemble: a row
whose training time is the sum of its members').
"""
import os, sys, time
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from kennscripts import IDX_IMAGES, read_idx, read_timing, run_kenn, stratified, write_timing

KENN = os.environ.get('KENN', 'bin/kenn')
OUT = os.environ.get('OUT', 'out/reproduce')
N_VAL = int(os.environ.get('N_VAL', 200))
# N_TRAIN=all: every train-split digit but the validation ones (those come
# first in every class then), not stratified: the classes keep their sizes.
ALL_TRAIN = os.environ.get('N_TRAIN') == 'all'
N_TRAIN = 0 if ALL_TRAIN else int(os.environ.get('N_TRAIN', 1000))
N_TEST = int(os.environ.get('N_TEST', 500))
N_FASHION = int(os.environ.get('N_FASHION', 200))
EPOCHS = int(os.environ.get('EPOCHS', 60))
SEEDS = int(os.environ.get('SEEDS', 1))  # members per kind: seeds 1..SEEDS, then their ensemble
GROUPS = int(os.environ.get('GROUP_SIZE', 0))  # not GROUPS: bash ignores assignments to it
KINDS = os.environ.get('KINDS', 'dwe,deepkenn,odekenn,naive').split(',')
DOC = os.environ.get('DOC', 'docs/results/mnist-1k/README.md')
FIGS = os.environ.get('FIGS', os.path.join(os.path.dirname(DOC), 'figures'))  # figures, linked from DOC  # PATIENCE (8): early stopping
MN_TRAIN = 'data/mnist/train-images-idx3-ubyte'
MN_TEST = 'data/mnist/t10k-images-idx3-ubyte'
FA_TEST = 'data/fashion-mnist/t10k-images-idx3-ubyte'

def kenn(*args, out=None):
    return run_kenn(KENN, *args, out=out)

def step(path, *args):
    """Run a kenn command producing path unless path exists; return seconds."""
    if os.path.exists(path):
        return None
    _, s = kenn(*args)
    return s

def metrics(path):
    m = {}
    for line in open(path):
        k, v = line.split()
        m[k] = float(v)
    return m

def main():
    os.makedirs(OUT, exist_ok=True)
    for f in (MN_TRAIN, MN_TEST, FA_TEST):
        if not os.path.exists(f):
            sys.exit('%s missing: run make data' % f)
    if ALL_TRAIN:
        va = stratified(MN_TRAIN, N_VAL // 10, 0, OUT + '/val-images-idx3-ubyte')
        tr = stratified(MN_TRAIN, None, N_VAL // 10, OUT + '/train-images-idx3-ubyte')
    else:
        tr = stratified(MN_TRAIN, N_TRAIN // 10, 0, OUT + '/train-images-idx3-ubyte')
        va = stratified(MN_TRAIN, N_VAL // 10, N_TRAIN // 10, OUT + '/val-images-idx3-ubyte')
    n_images = len(read_idx(tr, IDX_IMAGES))
    te = stratified(MN_TEST, N_TEST // 10, 0, OUT + '/test-images-idx3-ubyte')
    fa = stratified(FA_TEST, N_FASHION // 10, 0, OUT + '/fashion-images-idx3-ubyte')
    timing = read_timing(OUT + '/timing.json')
    def save():
        write_timing(OUT + '/timing.json', timing)
    P = {
        'train': (OUT + '/train-all.txt', tr, ['--groups', str(GROUPS)] if GROUPS else ['--all']),
        'val': (OUT + '/val-all.txt', va, ['--all']),
        'test': (OUT + '/test-all.txt', te, ['--all']),
        'fashion': (OUT + '/fashion-all.txt', fa, ['--all']),
    }
    for k, (path, imgs, sel) in P.items():
        s = step(path, 'pairs', '--images', imgs, *sel, '-o', path)
        if s is not None:
            timing['pairs-' + k] = s
            save()
    rows, frows = [], []
    def score(name):
        kenn('export', '%s/%s.ckpt' % (OUT, name), '-o', '%s/%s.onnx' % (OUT, name))
        kenn('eval', '--model', '%s/%s.onnx' % (OUT, name), '--images', te, '--pairs', P['test'][0], out='%s/eval-%s.txt' % (OUT, name))
        kenn('eval', '--model', '%s/%s.onnx' % (OUT, name), '--images', fa, '--pairs', P['fashion'][0], out='%s/eval-fashion-%s.txt' % (OUT, name))
        rows.append((name, timing['train-' + name], timing['params-' + name], metrics('%s/eval-%s.txt' % (OUT, name))))
        frows.append((name, metrics('%s/eval-fashion-%s.txt' % (OUT, name))))
    for kind in KINDS:
        names = []
        for seed in range(1, SEEDS + 1):
            name = kind if seed == 1 else '%s-s%d' % (kind, seed)
            names.append(name)
            ck = '%s/%s.ckpt' % (OUT, name)
            if not os.path.exists(ck):
                r, s = kenn('train', '--model', kind, '--pairs', P['train'][0], '--val', P['val'][0], '-o', ck, '--seed', str(seed),
                            '--epochs', str(EPOCHS), '--patience', os.environ.get('PATIENCE', '8'), '--batch', os.environ.get('BATCH', '64'),
                            *(['--backbone', os.environ['BACKBONE']] if 'BACKBONE' in os.environ and kind != 'dwe' else []),
                            *(['--augment', os.environ['AUGMENT']] if 'AUGMENT' in os.environ else []),
                            *(['--loss', os.environ['LOSS']] if 'LOSS' in os.environ else []))
                timing['train-' + name] = s
                timing['params-' + name] = int(r.stderr.split(': ')[1].split(' parameters')[0])
                save()
            score(name)
        if SEEDS > 1 and kind != 'dwe':
            name = kind + '-ensemble'
            kenn('ensemble', '-o', '%s/%s.ckpt' % (OUT, name), '--val', P['val'][0], *['%s/%s.ckpt' % (OUT, n) for n in names])
            timing['train-' + name] = sum(timing['train-' + n] for n in names)
            timing['params-' + name] = sum(timing['params-' + n] for n in names)
            save()
            score(name)

    # baselines on the test pairs: sliced (all pairs), Sinkhorn (a sample)
    rng = np.random.default_rng(0)
    def pair_lines(path):
        return [l for l in open(path) if l[0].isdigit()]
    test_lines = pair_lines(P['test'][0])
    with open(OUT + '/test-pairs.csv', 'w') as f:
        f.write('i,j\n' + ''.join(','.join(l.split(',')[:2]) + '\n' for l in test_lines))
    if not os.path.exists(OUT + '/sliced-test.csv'):
        _, timing['sliced-test'] = kenn('w2', '--images', te, '--pairs', OUT + '/test-pairs.csv', '--method', 'sliced', '-o', OUT + '/sliced-test.csv')
        save()
    # linear calibration of sliced W2² on 5,000 training pairs
    train_lines = pair_lines(P['train'][0])
    pick = rng.choice(len(train_lines), size=min(5000, len(train_lines)), replace=False)
    with open(OUT + '/calib-pairs.csv', 'w') as f:
        f.write('i,j\n' + ''.join(','.join(train_lines[k].split(',')[:2]) + '\n' for k in pick))
    kenn('w2', '--images', tr, '--pairs', OUT + '/calib-pairs.csv', '--method', 'sliced', '-o', OUT + '/calib-sliced.csv')
    sl = np.loadtxt(OUT + '/calib-sliced.csv', delimiter=',', skiprows=1)[:, 2]
    ex = np.array([float(train_lines[k].split(',')[2]) for k in pick])
    a, b = np.linalg.lstsq(np.stack([sl, np.ones_like(sl)], 1), ex, rcond=None)[0]
    kenn('score', '--pred', OUT + '/sliced-test.csv', '--exact', P['test'][0], out=OUT + '/score-sliced.txt')
    kenn('score', '--pred', OUT + '/sliced-test.csv', '--exact', P['test'][0], '--calibrate', '%r,%r' % (a, b), out=OUT + '/score-sliced-cal.txt')
    sample = rng.choice(len(test_lines), size=300, replace=False)
    with open(OUT + '/sk-pairs.csv', 'w') as f:
        f.write('i,j\n' + ''.join(','.join(test_lines[k].split(',')[:2]) + '\n' for k in sample))
    if not os.path.exists(OUT + '/sinkhorn-test.csv'):
        _, timing['sinkhorn-test'] = kenn('w2', '--images', te, '--pairs', OUT + '/sk-pairs.csv', '--method', 'sinkhorn', '--epsilon', '0.25', '-o', OUT + '/sinkhorn-test.csv')
        save()
    kenn('score', '--pred', OUT + '/sinkhorn-test.csv', '--exact', P['test'][0], out=OUT + '/score-sinkhorn.txt')

    n_train = len(train_lines)
    train_what = ('all pairs within %d random groups of %d of %d images' % (n_images // GROUPS, GROUPS, n_images)
                  if GROUPS else 'all pairs of %d images' % n_images)
    which = ('every train-split digit but the validation ones, which come first in every class' if ALL_TRAIN
             else 'the first %d digits of every class' % (N_TRAIN // 10))
    def fmt(m, k, f='%.4g'):
        return f % m[k] if k in m else '—'
    lines = ['| method | exact training pairs | training time | parameters | MSE W2² (px⁴) | relative MSE W2² | Pearson | Spearman | kNN recall@10 | pairs/s |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for kind, secs, params, m in rows:
        lines.append('| %s | %d (%s) | %.0f s | %d | %s | %s | %s | %s | %s | %s |' % (
            kind, n_train, train_what, secs, params, fmt(m, 'mse_w2sq'), fmt(m, 'rel_mse_w2sq'), fmt(m, 'pearson'), fmt(m, 'spearman'), fmt(m, 'knn_recall'), fmt(m, 'pairs_per_s', '%.3g')))
    for name, path, extra, rate in [('sliced W2², 64 directions, raw', '/score-sliced.txt', '', len(test_lines) / timing['sliced-test']),
                                    ('sliced W2², linearly calibrated (a=%.3f, b=%.3f on 5,000 training pairs)' % (a, b), '/score-sliced-cal.txt', '', len(test_lines) / timing['sliced-test']),
                                    ('Sinkhorn ε=0.25 px² (300 sampled pairs)', '/score-sinkhorn.txt', '', 300 / timing['sinkhorn-test'])]:
        m = metrics(OUT + path)
        lines.append('| %s | — | — | — | %s | %s | %s | %s | %s | %.3g |' % (name, fmt(m, 'mse_w2sq'), fmt(m, 'rel_mse_w2sq'), fmt(m, 'pearson'), fmt(m, 'spearman'), fmt(m, 'knn_recall'), rate))
    flines = ['| model (trained on MNIST) | MSE W2² (px⁴) | relative MSE W2² | Pearson | Spearman | kNN recall@10 |', '|---|---|---|---|---|---|']
    for kind, m in frows:
        flines.append('| %s | %s | %s | %s | %s | %s |' % (kind, fmt(m, 'mse_w2sq'), fmt(m, 'rel_mse_w2sq'), fmt(m, 'pearson'), fmt(m, 'spearman'), fmt(m, 'knn_recall')))
    order = sorted(rows, key=lambda r: r[3]['mse_w2sq'])
    analysis = figures(order, te, P['test'][0], len(test_lines))
    text = """# MNIST: %s trained on %s

Made by `%smake reproduce` (scripts/reproduce/reproduce.py) on %s, %d cores. Exact W2² on %s, MNIST
train-split digits (%d pairs; %s) trains every model in block
mode (batch %s, at most %d epochs, early stopping on all pairs of %d other train digits, again per
class). Test: all %d pairs of %d MNIST test-split digits (per class), never seen in training;
cross-domain: all pairs of %d Fashion-MNIST test images (per class).

## MNIST test pairs

%s

## Cross-domain: Fashion-MNIST test pairs

%s

## The KENN ordering, as measured

By test MSE on W2², best first: %s. (KENN reports ODE-KENN < DeepKENN < single-layer; this is what this
run measured at the parameter counts above, not a claim about the paper.)
%s""" % (', '.join(KINDS), train_what, ' '.join('%s=%s' % (k, os.environ[k]) for k in ('N_TRAIN', 'GROUP_SIZE', 'BATCH', 'EPOCHS', 'PATIENCE', 'BACKBONE', 'AUGMENT', 'LOSS', 'SEEDS', 'KINDS', 'DOC') if k in os.environ) + (' ' if any(k in os.environ for k in ('N_TRAIN', 'GROUP_SIZE', 'BATCH', 'EPOCHS', 'PATIENCE', 'BACKBONE', 'AUGMENT', 'LOSS', 'SEEDS', 'KINDS', 'DOC')) else ''),
       time.strftime('%Y-%m-%d'), os.cpu_count(), train_what, n_train, which, os.environ.get('BATCH', '64'), EPOCHS, N_VAL, len(test_lines), N_TEST, N_FASHION,
       '\n'.join(lines), '\n'.join(flines), ' < '.join('%s (%.4g)' % (r[0], r[3]['mse_w2sq']) for r in order), analysis)
    with open(DOC + '.tmp', 'w') as f:
        f.write(text)
    os.replace(DOC + '.tmp', DOC)
    print(text)

def figures(order, te, test_pairs, n_test):
    """Figures (issue 5) into FIGS, and the markdown that shows them."""
    os.makedirs(FIGS, exist_ok=True)
    rel = os.path.relpath(FIGS, os.path.dirname(DOC) or '.')
    md = ['', '## Figures', '']
    best = order[0][0]
    for kind in [best] + (['dwe'] if best != 'dwe' and any(r[0] == 'dwe' for r in order) else []):
        f = '%s/pred-vs-exact-%s.png' % (FIGS, kind)
        kenn('plot', 'pred', '--model', '%s/%s.onnx' % (OUT, kind), '--images', te, '--pairs', test_pairs, '-o', f,
             '--title', '%s: predicted vs exact W2², %d MNIST test pairs' % (kind, n_test))
        md.append('![%s predicted against exact W2²](%s/%s)' % (kind, rel, os.path.basename(f)))
    md += ['', 'Predicted against exact W2² on the test pairs: the median and the 25–75% and 5–95% bands of the prediction over bins of the exact value (`kenn plot pred`).', '']
    for kind, what in (('deepkenn', 'layer'), ('odekenn', 'time')):
        if any(r[0] == kind for r in order):
            f = '%s/%s-weights.png' % (FIGS, kind)
            r, _ = kenn('plot', 'weights', '--model', '%s/%s.ckpt' % (OUT, kind), '-o', f)
            md.append('![%s learned %s weights](%s/%s)' % (kind, what, rel, os.path.basename(f)))
            md.append('')
            md.append('%s %s weights (`kenn plot weights`): %s' % (kind, what, ', '.join('%s: %.3g' % tuple(l.split()[0:1] + [float(l.split()[1])]) for l in r.stdout.split('\n') if l)))
            md.append('')
    # Wassmap: exact and each model, on the test digits
    md += ['### Wassmap of the %d test digits' % N_TEST, '',
           '| W2 matrix | Procrustes disparity to the exact map (2-D) |', '|---|---|']
    f = '%s/wassmap-exact.png' % FIGS
    kenn('wassmap', '--pairs', test_pairs, '--images', te, '-o', OUT + '/wassmap-exact.csv', '--plot', f)
    md[-2:-2] = ['![Wassmap on exact W2](%s/wassmap-exact.png) ![Wassmap on %s](%s/wassmap-%s.png)' % (rel, best, rel, best), '']
    md.append('| exact | 0 |')
    for kind, _, _, _ in order:
        r, _ = kenn('wassmap', '--model', '%s/%s.onnx' % (OUT, kind), '--images', te, '--compare-pairs', test_pairs,
                    '-o', '%s/wassmap-%s.csv' % (OUT, kind), '--plot', '%s/wassmap-%s.png' % (FIGS, kind))
        disp = [l.split()[1] for l in r.stdout.split('\n') if l.startswith('procrustes_vs_exact')][0]
        md.append('| %s | %s |' % (kind, disp))
    md += ['', '(`kenn wassmap --model M.onnx --images TEST --compare-pairs TEST-ALL.txt --plot map.png`; 0 is identical up to a similarity.)', '']
    if any(r[0] == 'dwe' for r in order):
        model = '%s/dwe.onnx' % OUT
        r, s = kenn('barycenter', '--model', model, '--images', te, '--compare', '10', '-o', FIGS + '/dwe-barycenters.png')
        kenn('interpolate', '--model', model, '--images', te, '--from', '0', '--to', str(9 * (N_TEST // 10)), '-o', FIGS + '/dwe-interpolation.png')
        r2, _ = kenn('pga', '--model', model, '--images', te, '-o', FIGS + '/dwe-pga.png')
        rows = [l.split(',') for l in r.stdout.split('\n') if l and l[0].isdigit()]
        md += ['### DWE decoder: barycenters, interpolation, principal geodesics', '',
               '![DWE barycenters](%s/dwe-barycenters.png)' % rel, '',
               'Rows: decoded barycenter ψ(mean φ) of every test digit of the class; decoded barycenter of the first 10; '
               'the ot engine\'s debiased entropic barycenter (ε = 1 px²) of the same 10; their Euclidean mean (`kenn barycenter --compare 10`, %.0f s).' % s, '',
               '| class | W2² decoded vs ot (px²) | W2² Euclidean mean vs ot (px²) |', '|---|---|---|']
        md += ['| %s | %s | %s |' % (c[0], c[2], c[3]) for c in rows]
        md += ['', '![DWE interpolation](%s/dwe-interpolation.png)' % rel, '',
               'Interpolation between the first test 0 and the first test 9 (top: the two inputs; `kenn interpolate`).', '',
               '![DWE principal geodesics](%s/dwe-pga.png)' % rel, '',
               'Principal geodesics: rows are the first three components, columns −2σ … +2σ (`kenn pga`). ' + ' '.join(l for l in r2.stdout.split('\n') if l), '']
    return '\n'.join(md)

if __name__ == '__main__':
    main()
