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

The shipped ensemble (pretrained/odekenn-ensemble, 864 features in 27
segments) before and after the segment-distance rewrite of issue 18, in
the same run: "before" is the set committed at BEFORE_REV (default
6aa40fb, the last commit with the per-segment Where/Less floor graph), run
by that commit's kenn, built here from `git archive` (GO, default go);
"after" is the checked-out set and bin/kenn, timed twice: with its
default --pairwise auto (on a CPU with AVX2 or AVX-512, the native kernel
of runtime/segdist) and with --pairwise graph (the exported pairwise graph
in onnxruntime). Each is timed through `kenn
pairwise` (tiled runtime, alternating before/after, medians of 3) and as
the pairwise graph alone in onnxruntime-node; both matrices are compared;
torch.cdist over the same 27 segments (batched, weighted sum) is the
PyTorch reference for that formula.

Run with Debian's interpreter after `make data`:
    /usr/bin/python3 scripts/bench/bench_runtime.py
"""
import json, os, re, subprocess, sys, tempfile, time
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from kennscripts import read_idx, run_kenn

KENN = os.environ.get('KENN', 'bin/kenn')
THREADS = 2
ORT_NODE = json.load(open('.cache/node/node_modules/onnxruntime-node/package.json'))['version'] if os.path.exists('.cache/node/node_modules/onnxruntime-node/package.json') else '?'

# KENN_DEVICE=cuda:0 (scripts/gpu/check.sh) runs kenn's embed and pairwise
# on that device and writes docs/bench-runtime-cuda0.md instead.
DEVICE = os.environ.get('KENN_DEVICE', 'cpu')

BEFORE_REV = os.environ.get('BEFORE_REV', '6aa40fb')
GO = os.environ.get('GO', 'go')
ENSEMBLE = 'pretrained/odekenn-ensemble'

def run(*args, kenn=None):
    if args[0] in ('embed', 'pairwise', 'knn') and DEVICE != 'cpu':
        args = args + ('--device', DEVICE)
    return run_kenn(kenn or KENN, *args)[0].stderr

TIMING = re.compile(r'\((\d+) images/s\); pairwise \S+ ([\d.]+) s \(([\d.e+]+) pairs/s incl. writing\); (?:onnxruntime|distances \(([^)]*)\)) \S+ s for \d+ distances \(([\d.e+]+) distances/s\); total ([\d.]+) s')

def timed_pairwise(kenn, onnx, imgs, out, *flags):
    """One `kenn pairwise --timing`: (images/s, pairs/s incl. writing, total s, distances/s computed, kernel)."""
    err = run('pairwise', '--model', onnx, '--images', imgs, '-o', out, '--timing', '--threads', str(THREADS), *flags, kenn=kenn)
    m = TIMING.search(err)
    if not m:
        sys.exit('unexpected timing line: ' + err)
    return (float(m.group(1)), float(m.group(3)), float(m.group(6)), float(m.group(5)), m.group(4) or 'graph')

def cpu_name():
    """The CPU's model name and family, from /proc/cpuinfo."""
    info = {}
    try:
        for line in open('/proc/cpuinfo'):
            k, _, v = line.partition(':')
            info.setdefault(k.strip(), v.strip())
    except OSError:
        return 'unknown CPU'
    return '%s (family %s, model %s)' % (info.get('model name', '?'), info.get('cpu family', '?'), info.get('model', '?'))

def median_by_total(vals):
    return sorted(vals, key=lambda v: v[2])[len(vals) // 2]

def before_set(tmp):
    """The shipped ensemble's files at BEFORE_REV and that commit's kenn."""
    d = os.path.join(tmp, 'before')
    os.makedirs(os.path.join(d, 'src'))
    base = os.path.basename(ENSEMBLE)
    for suf in ('.onnx', '.pairwise.onnx', '.pair.onnx'):
        with open(os.path.join(d, base + suf), 'wb') as f:
            f.write(subprocess.run(['git', 'show', '%s:%s%s' % (BEFORE_REV, ENSEMBLE, suf)], check=True, capture_output=True).stdout)
    src = subprocess.run(['git', 'archive', BEFORE_REV], check=True, capture_output=True).stdout
    subprocess.run(['tar', '-x', '-C', os.path.join(d, 'src')], input=src, check=True)
    kenn = os.path.join(d, 'kenn')
    subprocess.run([GO, 'build', '-o', kenn, './cmd/kenn'], cwd=os.path.join(d, 'src'), check=True)
    return kenn, os.path.join(d, base + '.onnx')

def node_graph(pairwise_onnx, feats, a, b, runs):
    """distances/s of a pairwise graph alone in onnxruntime-node, a×b tiles."""
    r = subprocess.run(['node', 'scripts/bench/bench_pairwise_node.js', pairwise_onnx, feats, str(a), str(b), str(runs), str(THREADS)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit('bench_pairwise_node.js failed: ' + r.stderr[-2000:])
    return json.loads(r.stdout)['distances_per_s']

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
            m = TIMING.search(out)
            if not m:
                sys.exit('unexpected timing line: ' + out)
            vals = (float(m.group(1)), float(m.group(3)), float(m.group(6)), float(m.group(5)), m.group(4) or 'graph')
            best = sorted((best or []) + [vals], key=lambda v: v[2])
        img_s, pairs_s, total, dist_s, kernel = best[len(best) // 2]
        D = np.load(os.path.join(tmp, kind + '.npy'), mmap_mode='r')
        assert D.shape == (N, N) and D[5, 5] == 0 and D[3, 9] == D[9, 3]
        rows.append((kind, img_s, pairs_s, total, dist_s, kernel))
        if kind == 'dwe':
            e = os.path.join(tmp, 'dwe-emb.npy')
            run('embed', '--model', onnx, '--images', imgs, '-o', e, '--threads', str(THREADS))
            emb = np.load(e)

    # the shipped ensemble, before and after, alternating
    env_lib = os.path.abspath('.cache/onnxruntime/libonnxruntime.so.1')
    os.environ.setdefault('ONNXRUNTIME_SHARED_LIBRARY_PATH', env_lib)  # the before binary has no recorded library
    kenn_before, onnx_before = before_set(tmp)
    sets = {'before': (kenn_before, onnx_before, ()), 'graph': (KENN, ENSEMBLE + '.onnx', ('--pairwise', 'graph')), 'after': (KENN, ENSEMBLE + '.onnx', ())}
    ens = {k: [] for k in sets}
    for _ in range(3):
        for k, (kn, onnx, flags) in sets.items():
            ens[k].append(timed_pairwise(kn, onnx, imgs, os.path.join(tmp, 'ens-%s.npy' % k), *flags))
    ens = {k: median_by_total(v) for k, v in ens.items()}
    Db, Da = np.load(os.path.join(tmp, 'ens-before.npy'), mmap_mode='r'), np.load(os.path.join(tmp, 'ens-after.npy'), mmap_mode='r')
    assert Da.shape == (N, N) and Da[5, 5] == 0 and Da[3, 9] == Da[9, 3]
    blk = slice(0, 2000)
    ens_diff = float(np.max(np.abs(Da[blk] - Db[blk])) / np.max(Db[blk]))
    Dg = np.load(os.path.join(tmp, 'ens-graph.npy'), mmap_mode='r')
    graph_diff = float(np.max(np.abs(Da[blk] - Dg[blk])) / np.max(Dg[blk]))
    ens_zero = int(np.count_nonzero(np.diagonal(Da)))
    feats = os.path.join(tmp, 'ens-emb.npy')
    run('embed', '--model', ENSEMBLE + '.onnx', '--images', imgs, '-o', feats, '--threads', str(THREADS))
    graph = {}
    for shape in ((1024, 1024), (256, 1024)):
        for k, onnx in (('before', onnx_before), ('after', ENSEMBLE + '.onnx')):
            graph[k, shape] = node_graph(onnx.replace('.onnx', '.pairwise.onnx'), feats, shape[0], shape[1], max(2, 10 * 2**20 // (shape[0] * shape[1])))
    meta = subprocess.run([sys.executable, '-c', 'import onnx,sys; m=onnx.load(sys.argv[1]); print(dict((p.key,p.value) for p in m.metadata_props)["kenn.segment_weights"]); print(dict((p.key,p.value) for p in m.metadata_props)["kenn.features"])', ENSEMBLE + '.onnx'], check=True, capture_output=True, text=True).stdout.split()
    seg_w = np.array([float(v) for v in meta[0].split(',')], dtype=np.float32)
    seg_n = [int(v) for v in meta[1].split(',')]

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
        # the ensemble's formula Σ_l w_l‖x_l − y_l‖ with torch.cdist, all
        # 27 segments in one batched call, on 2048 rows against all N
        assert len(set(seg_n)) == 1
        S, n = len(seg_n), seg_n[0]
        Es = torch.from_numpy(np.load(feats)).reshape(N, S, n).transpose(0, 1).contiguous()
        W = torch.from_numpy(seg_w).reshape(S, 1, 1)
        (torch.cdist(Es[:, :256], Es[:, :256]) * W).sum(0)
        t = time.perf_counter()
        for r in range(0, 2048, 256):
            (torch.cdist(Es[:, r:r + 256], Es) * W).sum(0)
        torch_ens = 2048 * N / (time.perf_counter() - t)
        del Es
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
    for kind, img_s, pairs_s, total, dist_s, kernel in rows:
        lines.append('| kenn (onnxruntime, %s; distances: %s) | %s | %.0f | %.3g | %.3g | %.2f s |' % ('%d threads' % THREADS if DEVICE == 'cpu' else DEVICE, kernel, kind, img_s, dist_s, pairs_s, total))
    dev = '%d threads' % THREADS if DEVICE == 'cpu' else DEVICE
    for k, label in (('before', 'before (%s)' % BEFORE_REV), ('graph', 'after, --pairwise graph'), ('after', 'after, --pairwise auto')):
        img_s, pairs_s, total, dist_s, kernel = ens[k]
        lines.append('| kenn pairwise (onnxruntime, %s; distances: %s), %s | shipped odekenn-ensemble | %.0f | %.3g | %.3g | %.2f s |' % (dev, kernel, label, img_s, dist_s, pairs_s, total))
    for shape in ((1024, 1024), (256, 1024)):
        for k in ('before', 'after'):
            lines.append('| pairwise graph alone, onnxruntime-node %s, %d threads, %d×%d tiles, %s | shipped odekenn-ensemble | | %.3g | | |' % (ORT_NODE, THREADS, shape[0], shape[1], k if k == 'after' else 'before (%s)' % BEFORE_REV, graph[k, shape]))
    lines.append('| PyTorch `torch.cdist` over the 27 segments (batched) · w, summed, %d threads | shipped odekenn-ensemble embeddings | | %.3g | | |' % (THREADS, torch_ens))
    lines.append('| PyTorch 1.13 eager, %d threads | dwe encoder | %.0f | | | |' % (THREADS, torch_img))
    lines.append('| PyTorch `torch.cdist`², %d threads | dwe embeddings | | %.3g | | |' % (THREADS, torch_cdist))
    lines.append('| POT `ot.emd2`, exact | | | %.0f | | %.1f days |' % (pot, N * (N - 1) / 2 / pot / 86400))
    lim = ['', 'CPU: %s. Machine limits, measured in the same run: float32 matrix product %.1f GFLOP/s (%d threads); memory write %.1f GB/s; writing a new %d MB file (numpy `tofile`, page cache) %.2f GB/s.' % (cpu_name(), flops / 1e9, THREADS, bw / 1e9, N * N * 4 // 10**6, fbw / 1e9),
           'A DWE distance (F = 50) costs about 2·50 FLOP in Gram form: %.3g pairs/s at that matrix product\'s rate; a matrix in memory at 4 bytes a pair: at most %.3g pairs/s; written to a file: at most %.3g pairs/s.' % (flops / 100, bw / 4, fbw / 4),
           'A shipped-ensemble distance (F = 864 in 27 segments of 32) costs 2·27·33 FLOP in the augmented Gram form (the native kernel adds the norms as one more multiply-add group per segment): %.3g distances/s at that matrix product\'s rate, i.e. a 10,000² all-pairs matrix (one triangle computed) %.3g matrix entries/s. The rate is PyTorch\'s, not the CPU\'s peak: where kenn\'s AVX-512 kernel runs (runtime/segdist BenchmarkBlock, about 210 GFLOP/s a core on Zen 5 in cache) it can exceed it.' % (flops / (2 * 27 * 33), 2 * flops / (2 * 27 * 33)),
           '',
           'Shipped ensemble, after against before: %.3g× the distances/s of `kenn pairwise` (%s; %.3g× with --pairwise graph), %.3g× (1024×1024) and %.3g× (256×1024) of the graph alone; the 10,000² matrices after and before differ by at most %.2g of the largest distance, after and after with --pairwise graph by at most %.2g (first 2,000 rows); %d nonzero diagonal entries after. "before" is commit %s: its committed pretrained/odekenn-ensemble*.onnx run by its own kenn, built in this run.' % (
               ens['after'][3] / ens['before'][3], ens['after'][4], ens['graph'][3] / ens['before'][3], graph['after', (1024, 1024)] / graph['before', (1024, 1024)], graph['after', (256, 1024)] / graph['before', (256, 1024)], ens_diff, graph_diff, ens_zero, BEFORE_REV)]
    text = '\n'.join(lines + lim)
    print(text)
    doc = 'docs/bench-runtime.md' if DEVICE == 'cpu' else 'docs/bench-runtime-%s.md' % DEVICE.replace(':', '')
    with open(doc + '.tmp', 'w') as f:
        f.write('# bench-runtime\n\nMade by `make bench-runtime` (scripts/bench/bench_runtime.py) on %s, %d cores; N = %d MNIST images; kenn timings are medians of 3 runs.\n\n%s\n' % (time.strftime('%Y-%m-%d'), os.cpu_count(), N, text))
    os.replace(doc + '.tmp', doc)

if __name__ == '__main__':
    main()
