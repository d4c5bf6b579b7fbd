#!/usr/bin/python3
"""make bench-beam: the same exact pairs computed locally (kenn pairs) and as
an Apache Beam pipeline on the in-process prism runner (kenn-beam pairs
--runner prism), side by side in one run, with the overhead ratio; then the measured
cost of one exact pair at 64×64 and the cluster a 10⁸-pair job needs.
Writes docs/bench-beam.md. Environment: KENN (bin/kenn), KENN_BEAM
(bin/kenn-beam, the binary with Beam's runners), N (20000 pairs),
REPS (2, alternating local and prism runs; medians reported).
"""
import os, sys, tempfile, time
import numpy as np
from scipy.ndimage import zoom
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from kennscripts import read_idx, run_kenn

KENN = os.environ.get('KENN', 'bin/kenn')
KENN_BEAM = os.environ.get('KENN_BEAM', 'bin/kenn-beam')
N = int(os.environ.get('N', 20000))
REPS = int(os.environ.get('REPS', 2))
IMAGES = 'data/mnist/train-images-idx3-ubyte'

def run(*args, binary=KENN):
    return run_kenn(binary, *args)[1]

def main():
    if not os.path.exists(IMAGES):
        sys.exit('%s missing: run make data' % IMAGES)
    tmp = tempfile.mkdtemp(prefix='kenn-bench-beam-')
    loc, pri = [], []
    for r in range(REPS):
        for name, binary, extra, acc in (('local', KENN, [], loc), ('prism', KENN_BEAM, ['--runner', 'prism', '--shard', '1000'], pri)):
            out = os.path.join(tmp, '%s-%d.txt' % (name, r))
            acc.append(run('pairs', '--images', IMAGES, '--n', str(N), '--seed', '7', '-o', out, *extra, binary=binary))
    same = all(open(os.path.join(tmp, 'local-%d.txt' % r), 'rb').read() == open(os.path.join(tmp, 'prism-%d.txt' % r), 'rb').read() for r in range(REPS))
    tl, tp = float(np.median(loc)), float(np.median(pri))
    # cost of one exact pair at 64×64, one core
    X = read_idx(IMAGES)[::40][:100].astype(np.float64)
    Z = np.array([np.clip(zoom(x, 64 / 28, order=1), 0, None) for x in X]).astype(np.float32)
    up = os.path.join(tmp, 'up64.npy')
    np.save(up, Z)
    n64 = 60
    t64 = run('pairs', '--images', up, '--n', str(n64), '--seed', '1', '--workers', '1', '-o', os.path.join(tmp, 'p64.txt'))
    per = t64 / n64
    core_h = 1e8 * per / 3600
    text = """# Beam overhead and cluster estimate

Made by `make bench-beam` (scripts/bench/bench_beam.py) on %s, %d cores, in one run.

| job | runs (alternating) | median seconds | pairs/s |
|---|---|---|---|
| `kenn pairs --n %d` (local, all cores) | %s | %.2f | %.0f |
| `kenn-beam pairs --n %d --runner prism --shard 1000` | %s | %.2f | %.0f |

Overhead ratio prism / local: **%.2f×** (target ≤ 1.3×). The two files are byte-identical: %s.

Where the overhead goes: while a bundle runs, prism's progress loop (`stage.Execute` in
`runners/prism/internal/stage.go`, Beam v2.77.0) keeps selecting on its already-closed data-ready
channel until the bundle's response arrives, which keeps about one goroutine busy for the whole bundle;
on 2 cores that takes a large share of the CPU from the solver (a CPU profile of the prism job,
`go test ./beamjob -run … -cpuprofile`, puts `runtime.selectgo` under `stage.Execute` near 30%% of the
samples). The pipeline's own work — index-only shards, images read by seeking, atomic shard files, the
merge — is small against that. Runners that do not poll this way (Flink, Spark, Dataflow) or machines with
more cores do not pay it; a fix in prism (leave the closed channel out of the select) would remove it here.

## A 10⁸-pair job at 64×64

One exact pair of MNIST digits upsampled to 64×64 (bilinear) costs %.3f s on one core here
(`kenn pairs --workers 1`, %d pairs, %.1f s). 10⁸ such pairs are %.3g core-hours: about %.0f
cores for a 24-hour job, or %.0f cores for 8 hours (e.g. %.0f machines of 16 cores), before the
pipeline's overhead (the ratio above) and assuming the cluster's cores match this machine's. The work is
embarrassingly parallel (shards of independent pairs, each worker reading only its images), so it
scales with the cores until the shared file system serving the images and shard files saturates.
""" % (time.strftime('%Y-%m-%d'), os.cpu_count(), N, ', '.join('%.2f' % x for x in loc), tl, N / tl, N,
       ', '.join('%.2f' % x for x in pri), tp, N / tp, tp / tl, 'yes' if same else 'NO',
       per, n64, t64, core_h, core_h / 24, core_h / 8, core_h / 8 / 16)
    with open('docs/bench-beam.md.tmp', 'w') as f:
        f.write(text)
    os.replace('docs/bench-beam.md.tmp', 'docs/bench-beam.md')
    print(text)
    if not same:
        sys.exit('the prism output differs from the local one')

if __name__ == '__main__':
    main()
