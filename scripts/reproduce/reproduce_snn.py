#!/usr/bin/python3
"""make reproduce-snn: stochastic neural networks with the generalized W2 loss
against MSE and cross-entropy baselines, on problems whose conditional law is
known (simulated), written to docs/results/snn/README.md with figures in docs/results/snn/figures/.

(a) mixed classification and regression: x ~ U[0,1]², c | x ~ softmax over
    3 classes, y | x, c ~ N(sin(2π x1) + c, (0.1 + 0.3 x2)²).
(b) an ODE coupled with a Markov jump process: s(t) ∈ {0, 1} jumps 0→1 at
    rate 1 + y² and 1→0 at rate 2; dy/dt = −y (s = 0), 2 − y/2 (s = 1);
    s(0) = 0; x = (y(0), t), y(0) ~ U[0, 2], t ~ U[0, 2]; output (y(t), s(t)).
(c) issue 13's toy: x ~ U(−2, 2); y = sin 1.5x + (0.1 + 0.2|x|)·N(0, 1);
    c ~ Bernoulli(sigmoid 3x), independent of y given x.
(d) three categories, bimodal at x = 0: x ~ U(−2, 2); P(c = 1 | x) =
    0.1 + 0.15|x|, P(c = 0 | x) = (1 − P(c = 1 | x))·sigmoid(−1.5x),
    P(c = 2 | x) = (1 − P(c = 1 | x))·sigmoid(1.5x) ([0.45, 0.10, 0.45] at
    x = 0); y | c, x ~ N(sin 1.5x + c − 1, 0.2²).

For each model: accuracy of the categorical output (the mode of 200 samples
against the observed value), R² of the continuous output (sample mean against
the observed value), the generalized W2 (λ = 1, data units) between 200 model
samples and 200 draws of the true conditional law at 100 test inputs, the
calibration of P̂(c | x) against the true law (Brier score Σ_k (P̂_k − p_k)²
averaged over the test inputs, and the expected calibration error: P̂_k of
every input and category in 10 equal bins, the mean |mean P̂ − mean p| of the
bins weighted by their counts), and of the predicted variance (mean predicted
/ mean true conditional variance, and the coverage of the central 90%
interval). P̂ of the SNN and the MSE baseline: the frequencies of their 200
samples; of the cross-entropy baseline: its softmax probabilities (its
samples, the argmax, are deterministic). Environment: OUT (out/snn), KENN
(bin/kenn), EPOCHS (200), GO (go).
"""
import json, os, struct, subprocess, sys, time
import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from kennscripts import run_kenn

KENN = os.environ.get('KENN', 'bin/kenn')
GO = os.environ.get('GO', 'go')
OUT = os.environ.get('OUT', 'out/snn')
EPOCHS = os.environ.get('EPOCHS', '200')
DOC = 'docs/results/snn/README.md'
FIGS = 'docs/results/snn/figures'
NS = 200  # samples per test input
NGRID, NSGRID = 41, 2000  # figure: inputs over x, samples per input

def kenn(*args):
    """Run $KENN with args (kennscripts.run_kenn): (CompletedProcess, seconds)."""
    return run_kenn(KENN, *args)

def sigmoid(v):
    return 1 / (1 + np.exp(-v))

def draw_cat(p, rng, n):
    """n draws of a category per row of p [m, K]: [m, n]."""
    u = rng.uniform(size=(len(p), n))
    return (u[:, :, None] > np.cumsum(p, 1)[:, None, :-1]).sum(2)

# ---- problem (a)
def prob_a(x):
    logits = np.stack([2 * (2 * x[:, 0] - 1), 2 * (2 * x[:, 1] - 1), np.zeros(len(x))], 1)
    p = np.exp(logits)
    return p / p.sum(1, keepdims=True)

def law_a(x, rng, n=1):
    """n draws of (y, c) for each row of x [m, 2]: arrays [m, n]."""
    c = draw_cat(prob_a(x), rng, n)
    y = np.sin(2 * np.pi * x[:, :1]) + c + (0.1 + 0.3 * x[:, 1:2]) * rng.normal(size=(len(x), n))
    return y, c

def inputs_a(n, rng):
    return rng.uniform(size=(n, 2))

# ---- problem (b)
def law_b(x, rng, n=1, dt=0.01):
    m = len(x)
    y = np.repeat(x[:, :1], n, 1).astype(float)
    s = np.zeros((m, n), dtype=int)
    T = x[:, 1:2]
    t = 0.0
    while t < T.max():
        active = (t < T)
        rate = np.where(s == 0, 1 + y ** 2, 2.0)
        jump = (rng.uniform(size=y.shape) < 1 - np.exp(-rate * dt)) & active
        dy = np.where(s == 0, -y, 2 - 0.5 * y)
        y = np.where(active, y + dt * dy, y)
        s = np.where(jump, 1 - s, s)
        t += dt
    return y, s

def prob_b(x):
    """no closed form: the frequencies of 2,000 simulated draws."""
    _, s = law_b(x, np.random.default_rng(97), 2000)
    p1 = s.mean(1)
    return np.stack([1 - p1, p1], 1)

def inputs_b(n, rng):
    return np.stack([rng.uniform(0, 2, n), rng.uniform(0, 2, n)], 1)

# ---- problem (c)
def prob_c(x):
    p1 = sigmoid(3 * x[:, 0])
    return np.stack([1 - p1, p1], 1)

def law_c(x, rng, n=1):
    c = draw_cat(prob_c(x), rng, n)
    y = np.sin(1.5 * x[:, :1]) + (0.1 + 0.2 * np.abs(x[:, :1])) * rng.normal(size=(len(x), n))
    return y, c

def inputs_1d(n, rng):
    return rng.uniform(-2, 2, size=(n, 1))

# ---- problem (d)
def prob_d(x):
    p1 = 0.1 + 0.15 * np.abs(x[:, 0])
    return np.stack([(1 - p1) * sigmoid(-1.5 * x[:, 0]), p1, (1 - p1) * sigmoid(1.5 * x[:, 0])], 1)

def law_d(x, rng, n=1):
    c = draw_cat(prob_d(x), rng, n)
    y = np.sin(1.5 * x[:, :1]) + c - 1 + 0.2 * rng.normal(size=(len(x), n))
    return y, c

PROBLEMS = {
    'a': ('mixed classification and regression', ['x1', 'x2'], law_a, inputs_a, prob_a),
    'b': ('ODE coupled with a Markov jump process', ['y0', 't'], law_b, inputs_b, prob_b),
    'c': ('binary c ~ Bernoulli(sigmoid 3x), independent of y (issue 13)', ['x'], law_c, inputs_1d, prob_c),
    'd': ('three categories, bimodal [0.45, 0.10, 0.45] at x = 0, y depends on c', ['x'], law_d, inputs_1d, prob_d),
}
NAMES = {'w2': 'SNN, local generalized W2² loss', 'mse': 'MSE baseline (deterministic)', 'ce': 'cross-entropy + MSE baseline (deterministic)'}

def write_table(path, cols, rows):
    with open(path + '.tmp', 'w') as f:
        f.write(','.join(cols) + '\n')
        for r in rows:
            f.write(','.join(repr(float(v)) for v in r) + '\n')
    os.replace(path + '.tmp', path)

def read_samples(path, m):
    d = np.loadtxt(path, delimiter=',', skiprows=1)
    return d[:, 2].reshape(m, -1), d[:, 3].reshape(m, -1)

def read_curve(path):
    d = np.loadtxt(path, delimiter=',', skiprows=1, ndmin=2)
    return d  # epoch, train, val, lr, improved, cat_sigma

def load_ckpt(path):
    raw = open(path, 'rb').read()
    assert raw[:8] == b'KENNCKPT', path
    n = struct.unpack('<I', raw[12:16])[0]
    h = json.loads(raw[16:16 + n])
    data = np.frombuffer(raw[16 + n:len(raw) - 32], dtype='<f4')
    t = {e['name']: data[e['offset']:e['offset'] + int(np.prod(e['shape']))].reshape(e['shape']).astype(float) for e in h['tensors']}
    return (h.get('snn') or h['model']['snn']), t  # the snn's header (older files: under model)

def ce_probs(ck, x):
    """the cross-entropy baseline's softmax probabilities at x [m, in]."""
    s, t = load_ckpt(ck)
    a = (x - np.array(s['in_mean'])) / np.array(s['in_std'])
    L = len(s['hidden']) + 1
    for l in range(L):
        a = a @ t['snn.%d.Wmu' % l] + t['snn.%d.bmu' % l]
        if l + 1 < L:
            a = np.tanh(a)
    logits = a[:, s['cont']:s['cont'] + len(s['categories'][0])]
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)

def freqs(cs, k):
    return np.stack([(cs == j).mean(1) for j in range(k)], 1)

def gw2(y1, c1, y2, c2):
    """generalized W2² (λ = 1) between equal-size samples, exact assignment."""
    cost = (y1[:, None] - y2[None, :]) ** 2 + (c1[:, None] != c2[None, :])
    r, k = linear_sum_assignment(cost)
    return cost[r, k].mean()

def calibration(ph, p):
    brier = ((ph - p) ** 2).sum(1).mean()
    bins = np.minimum((ph.ravel() * 10).astype(int), 9)
    ece = 0.0
    for b in range(10):
        sel = bins == b
        if sel.any():
            ece += sel.mean() * abs(ph.ravel()[sel].mean() - p.ravel()[sel].mean())
    return brier, ece

def run(key, rows, curves):
    title, xcols, law, gen, prob = PROBLEMS[key]
    rng = np.random.default_rng({'a': 1, 'b': 2, 'c': 3, 'd': 4}[key])
    d = os.path.join(OUT, key)
    os.makedirs(d, exist_ok=True)
    data = {}
    for split, n in (('train', 4000), ('val', 1000), ('test', 1000)):
        x = gen(n, rng)
        y, c = law(x, rng)
        data[split] = (x, y[:, 0], c[:, 0])
        write_table('%s/%s.csv' % (d, split), xcols + ['y', 'c'], np.column_stack([x, y[:, 0], c[:, 0]]))
    xt, yt, ct = data['test']
    write_table(d + '/test-x.csv', xcols, xt)
    K = int(max(data['train'][2].max(), ct.max())) + 1
    # the true conditional law at 100 test inputs
    xw = xt[:100]
    ytrue, ctrue = law(xw, np.random.default_rng(99), NS)
    ptrue = prob(xt)
    ss = ((yt - yt.mean()) ** 2).sum()
    def score(ys, cs, ph):
        mode = np.array([np.bincount(r.astype(int), minlength=K).argmax() for r in cs])
        acc = (mode == ct).mean()
        r2 = 1 - ((yt - ys.mean(1)) ** 2).sum() / ss
        w2 = np.mean([np.sqrt(gw2(ys[i], cs[i], ytrue[i], ctrue[i])) for i in range(len(xw))])
        var_ratio = ys[:100].var(1).mean() / ytrue.var(1).mean()
        lo, hi = np.quantile(ys, 0.05, 1), np.quantile(ys, 0.95, 1)
        brier, ece = calibration(ph, ptrue)
        return acc, r2, w2, brier, ece, var_ratio, ((yt >= lo) & (yt <= hi)).mean()
    # the oracle: independent draws of the true law itself (the floor of every column)
    oy, oc = law(xt, np.random.default_rng(98), NS)
    rows.append((key, 'oracle: %d independent draws of the true law' % NS, '—', '—') + score(oy, oc, freqs(oc, K)))
    grid = None
    if len(xcols) == 1:
        grid = np.linspace(-2, 2, NGRID)[:, None]
        write_table(d + '/grid-x.csv', xcols, grid)
        fig = {'truth': prob(grid)}
    for loss in ('w2', 'mse', 'ce'):
        ck = '%s/%s.ckpt' % (d, loss)
        secs = 0.0
        if not os.path.exists(ck):
            _, secs = kenn('snn', 'train', '--table', d + '/train.csv', '--val', d + '/val.csv', '--x', ','.join(xcols),
                           '--y', 'y,c', '--categorical', 'c', '--loss', loss, '--epochs', EPOCHS, '--seed', '1', '-o', ck)
            open(ck + '.secs', 'w').write('%f' % secs)
        secs = float(open(ck + '.secs').read())
        kenn('snn', 'export', ck, '-o', '%s/%s.onnx' % (d, loss))
        kenn('snn', 'sample', '--model', '%s/%s.onnx' % (d, loss), '--x', d + '/test-x.csv', '-n', str(NS), '--seed', '5', '-o', '%s/%s-samples.csv' % (d, loss))
        ys, cs = read_samples('%s/%s-samples.csv' % (d, loss), len(xt))
        ph = ce_probs(ck, xt) if loss == 'ce' else freqs(cs, K)
        cv = read_curve(ck + '.curve.csv')
        best = int(cv[np.argmin(cv[:, 2]), 0])
        rows.append((key, NAMES[loss], '%.0f s' % secs, '%d of %d' % (best, len(cv))) + score(ys, cs, ph))
        if loss == 'w2':
            curves[key] = cv
        if grid is not None and loss != 'mse':
            if loss == 'ce':
                fig['cross-entropy softmax'] = ce_probs(ck, grid)
            else:
                out = '%s/%s-grid.csv' % (d, loss)
                kenn('snn', 'sample', '--model', '%s/%s.onnx' % (d, loss), '--x', d + '/grid-x.csv', '-n', str(NSGRID), '--seed', '6', '-o', out)
                fig['SNN (onnxruntime; %d samples)' % NSGRID] = freqs(read_samples(out, NGRID)[1], K)
    if grid is not None:
        os.makedirs(FIGS, exist_ok=True)
        names = list(fig)
        table = [[grid[i, 0], k] + [fig[n][i, k] for n in names] for i in range(NGRID) for k in range(K)]
        write_table(d + '/figure.csv', ['x', 'k'] + names, table)
        r = subprocess.run([GO, 'run', './scripts/snnplot', '-title', '(%s) P(c = k | x): truth, SNN and cross-entropy baseline' % key,
                            '-o', '%s/%s-probabilities.png' % (FIGS, key), d + '/figure.csv'], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit('snnplot failed:\n' + r.stderr)

def main():
    rows, curves = [], {}
    keys = os.environ.get('PROBLEMS', 'cdab')
    for key in keys:
        run(key, rows, curves)
    lines = []
    for key in keys:
        lines += ['', '## (%s) %s' % (key, PROBLEMS[key][0]), '']
        if key in ('c', 'd'):
            lines += ['![P(c = k | x) of the SNN and the cross-entropy baseline against the truth](figures/%s-probabilities.png)' % key, '']
        lines += ['| model | training | best epoch | accuracy (c) | R² (y) | generalized W2 to the true law | Brier of P̂(c∣x) vs true law | ECE of P̂(c∣x) vs true law | predicted / true variance | 90% interval coverage |',
                  '|---|---|---|---|---|---|---|---|---|---|']
        for r in rows:
            if r[0] == key:
                lines.append('| %s | %s | %s | %.3f | %.3f | %.3f | %.4f | %.4f | %.3f | %.3f |' % r[1:])
        cv = curves[key]
        at = lambda e: cv[min(e, len(cv)) - 1]
        lines += ['', 'SNN training curve (local W2², standardized units², true indicator cost; validation: 256 neighbourhoods × 4 draws): ' +
                  ', '.join('epoch %d: training %.4f, validation %.4f' % (at(e)[0], at(e)[1], at(e)[2]) for e in sorted({1, 10, 50, 100, len(cv)}) if e <= len(cv)) +
                  '; σ of the last layer\'s weights into the categorical scores %.4f at epoch 1, %.4f at the end.' % (cv[0, 5], cv[-1, 5])]
    text = """# Stochastic neural networks with the generalized W2 loss

Made by `make reproduce-snn` (scripts/reproduce/reproduce_snn.py) on %s, %d cores. Each problem: 4,000 training,
1,000 validation and 1,000 test rows simulated from a known conditional law (see the script's docstring);
models: `kenn snn train --loss w2|mse|ce` (hidden 64, 64; 8 neighbourhoods of 32 nearest rows per
step; at most %s epochs, early stopping on the validation local W2² with patience 40), sampled through
onnxruntime (`kenn snn export`, `kenn snn sample`, %d samples per test input). Accuracy: the mode of the samples'
category against the observed one; R²: the sample mean against the observed y; generalized W2 (λ = 1, data
units): between %d model samples and %d draws of the true law at 100 test inputs (exact assignment; the
oracle row, two independent sets of true draws, is the sampling floor of this column); Brier and ECE
(expected calibration error, 10 bins) of P̂(c | x) against the true P(c | x) at the 1,000 test inputs: 0 is
exact; P̂ is the frequency of each category among the %d samples (the oracle's floor is this sampling
noise), for the cross-entropy baseline its softmax probabilities; variance: mean predicted over mean true
conditional variance of y (1 is calibrated); coverage: observed y inside the samples' 5–95%% interval (0.9
is calibrated). Deterministic baselines sample a point: zero variance. Every SNN's training curve
(training and validation local W2² per epoch) is in OUT/KEY/w2.ckpt.curve.csv; its summary is under each
table.

## How the SNN treats categorical outputs: the paper's ideas and ours

From the paper (Xia and Shen, 2025): a network whose weights are Gaussian N(μ, σ²) with σ learned
(sampled by the local reparameterization); the generalized norm, squared distances on the standardized
continuous outputs plus λ per categorical mismatch; the local empirical W2² between the observations of a
neighbourhood of nearest inputs and one model sample at each of their inputs (exact assignment); and a
pseudo-norm with a detach for the indicator, which has no gradient: the value is the indicator, the
gradient comes from a surrogate.

Ours (issue 13: the first version collapsed P̂(c | x) to 0/1, see the git history of this file):

- **Encoding.** A categorical output with K categories is K noisy scores read by argmax (a multinomial
  probit), not one real rounded to an index: any P(c | x) in the simplex is reachable, including
  [0.45, 0.10, 0.45], which a rounded real cannot give (mass on 0 and 2 means passing through 1).
- **Which samples get the gradient.** The value of the loss stays the true generalized W2² (λ per
  mismatch). The categorical gradient comes from a matching of the categorical parts alone in each
  neighbourhood, lexicographic: fewest mismatches first (the λ-part of the optimal cost, so exactly
  Σ_k (S_k − D_k)⁺ samples, the excess of the over-represented categories, are paired across), then the
  least total hinge distance (those excess samples nearest the cell they go to are the ones paired
  across: the tie-breaking by the raw output). Those samples, and only those, get the gradient of
  λ·(s_win − s_t), which moves them toward the target cell t: the surrogate is flat inside a cell. When
  the sampled frequencies equal the observed ones, no categorical gradient is left; over neighbourhoods
  the expected net push into category k is m·(p_k − q_k), zero exactly at P̂ = P. build/snn's
  TestSNNCategoricalPushesExcessOnly works small examples by hand.
- **Mirrors.** Moving only samples of the over-represented side pulls, on average over neighbourhoods
  (which alternate in which side is in excess), the samples of both sides toward the boundary: a steady
  shrinking of the noise that makes categorical variety. Each move is therefore shared half and half
  with the nearest sample on the other side of the boundary, moved the same way, so that the pair
  estimates the gradient at the boundary itself, where the frequencies change. Measured on the binary toy
  (c), hidden 32, 32, weight σ starting at 0.1, no latent inputs: the σ of the last layer's weights into the
  scores fell 0.094 → 0.059 in 60 epochs without mirrors, 0.094 → 0.080 with them (0.075 and flat after
  150 epochs).
- **Continuous gradient.** The continuous outputs get their exact squared-distance gradient under a
  matching that first agrees on the categories (each moved sample counted in its target category), then
  minimizes the continuous distances: a sample is pulled toward observations of its own category, so
  y | c is learned through y.
- **Latent noise and a category shift.** Beside the weight noise, the first layer takes Latent (2)
  standard normal inputs z, noise shared by all outputs (independent weight noise per output in the last
  layer cannot couple y and c); and the continuous outputs get a learned shift per sampled category
  (raw y + onehot(ĉ)·shift), so that y | c can differ sharply between categories. The weights' σ start at
  0.01 and stay learned parameters, but hardly move (see the curves below): the categories' variety comes
  from z, through learned weights that nothing in the loss pulls to zero (their gradient is zero at
  P̂ = P). Measured on y | c ~ N(0.5x ± 1,
  0.3²) (c ~ Bernoulli(sigmoid 2x), modes 2 apart): without the shift, E[y | c] of the minority category
  stayed up to 0.6 off (weight noise alone, or latent inputs with σ starting at 0.1) and up to
  0.3 off (latent inputs, σ starting at 0.01); with it, at x = −0.5, 0, 0.5, 1,
  0.00–0.09 off in one run (seed 3, 60 epochs) and 0.00–0.10 in another (seed 1, two of the eight
  conditional means 0.102 and 0.104 off). internal/parity's TestSNNLearnsCategoricalLaws checks a law
  with modes 1 apart (3.3 sd), within 0.1.
- **Early stopping and curves.** The validation local W2² (true indicator) over up to 256 fixed
  neighbourhoods × 4 noise draws, the same draws every epoch, with patience; training and validation
  local W2² per epoch in the training curve, printed by `kenn snn train`.

Where the code lives: `models/snn` (the description, how raw outputs are read, the checkpoint; plain data,
no Gorgonia or ONNX), `build/snn` (the Gorgonia network, the loss and its detached categorical gradient,
training, sampling), `export/snn` (the sampling and noise-input ONNX files), `runtime.LoadSampler`
(onnxruntime sampling) and `kenn snn train|export|sample`; internal/archtest holds them to these imports.
%s
""" % (time.strftime('%Y-%m-%d'), os.cpu_count(), EPOCHS, NS, NS, NS, NS, '\n'.join(lines))
    os.makedirs(os.path.dirname(DOC), exist_ok=True)
    with open(DOC + '.tmp', 'w') as f:
        f.write(text)
    os.replace(DOC + '.tmp', DOC)
    print(text)

if __name__ == '__main__':
    main()
