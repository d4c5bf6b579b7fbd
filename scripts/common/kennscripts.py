"""Helpers shared by the scripts under scripts/ (bench, reproduce, anchors).

A script in a folder below scripts/ imports them with

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
    from kennscripts import read_idx, run_kenn
"""
import gzip, json, os, struct, subprocess, sys, time
import numpy as np

IDX_IMAGES, IDX_LABELS = 0x803, 0x801

def read_idx(path, magic=IDX_IMAGES):
    """The uint8 array of an IDX file, gzip-compressed or not: images
    (n, h, w) for magic 0x803, labels (n,) for 0x801. Exits naming the file
    when the magic or the size is not what the header says."""
    raw = open(path, 'rb').read()
    if raw[:2] == b'\x1f\x8b':
        raw = gzip.decompress(raw)
    if len(raw) < 4 or struct.unpack('>I', raw[:4])[0] != magic:
        sys.exit('%s: not an IDX file with magic 0x%x' % (path, magic))
    nd = raw[3]
    dims = struct.unpack('>' + 'I' * nd, raw[4:4 + 4 * nd])
    data = raw[4 + 4 * nd:]
    if len(data) != int(np.prod(dims)):
        sys.exit('%s: %d bytes of data, the header says %s' % (path, len(data), 'x'.join(map(str, dims))))
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)

def stratified(images, per_class, skip, out):
    """Write images skip..skip+per_class-1 of every digit class of the IDX
    file images (all from skip on if per_class is None) to out, and their
    labels beside it (the labels-idx1 name of out); the labels are read
    beside images. Exits when a class has fewer than skip+per_class images.
    Does nothing when out exists: it is written last, atomically, so an
    interrupted run writes both again."""
    if os.path.exists(out):
        return out
    X = read_idx(images, IDX_IMAGES)
    y = read_idx(images.replace('images-idx3', 'labels-idx1'), IDX_LABELS)
    stop = None if per_class is None else skip + per_class
    idx = np.concatenate([np.flatnonzero(y == c)[skip:stop] for c in range(10)])
    if per_class is not None and len(idx) != 10 * per_class:
        sys.exit('%s has fewer than %d digits of some class' % (images, skip + per_class))
    lab = out.replace('images-idx3', 'labels-idx1')
    with open(lab + '.tmp', 'wb') as f:
        f.write(struct.pack('>II', IDX_LABELS, len(idx)))
        f.write(y[idx].astype(np.uint8).tobytes())
    os.replace(lab + '.tmp', lab)
    with open(out + '.tmp', 'wb') as f:
        f.write(struct.pack('>IIII', IDX_IMAGES, len(idx), X.shape[1], X.shape[2]))
        f.write(X[idx].tobytes())
    os.replace(out + '.tmp', out)
    return out

def read_timing(path):
    """The dict a script keeps its steps' seconds in (its OUT/timing.json),
    or {} before the first step."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)

def write_timing(path, timing):
    """Write timing to path as JSON, atomically (a rerun after an
    interruption reads the last complete one)."""
    with open(path + '.tmp', 'w') as f:
        json.dump(timing, f, indent=1)
    os.replace(path + '.tmp', path)

def run_kenn(kenn, *args, out=None):
    """Run the kenn binary with args; on failure exit with the tail of its
    stderr. out: a file for its stdout. Returns (CompletedProcess, seconds)."""
    t = time.perf_counter()
    r = subprocess.run([kenn, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit('kenn %s failed:\n%s' % (' '.join(args), r.stderr[-3000:]))
    if out:
        with open(out, 'w') as f:
            f.write(r.stdout)
    return r, time.perf_counter() - t

def svg_lines(path, series, title, xlabel, ylabel, logy=False, size=(640, 400)):
    """Write a line chart as SVG (no plotting library needed): series is a
    list of (label, xs, ys, colour, dash), dash an SVG stroke-dasharray or
    ''; NaN values are skipped. Written atomically."""
    import math, os
    from xml.sax.saxutils import escape
    W, H = size
    L, R, T, B = 70, 170, 36, 48
    pts = [(x, y) for _, xs, ys, _, _ in series for x, y in zip(xs, ys) if y == y and (not logy or y > 0)]
    if not pts:
        raise ValueError('svg_lines: nothing to draw in %s' % path)
    f = (lambda y: math.log10(y)) if logy else (lambda y: y)
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(f(p[1]) for p in pts), max(f(p[1]) for p in pts)
    if logy:
        y0, y1 = math.floor(y0 * 4) / 4, math.ceil(y1 * 4) / 4
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    sx = lambda x: L + (x - x0) / (x1 - x0) * (W - L - R)
    sy = lambda y: T + (1 - (f(y) - y0) / (y1 - y0)) * (H - T - B)
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="20" font-size="14">%s</text>' % (L, escape(title)),
         '<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>' % (L, T, W - L - R, H - T - B)]
    xt = [x0 + k * (x1 - x0) / 5 for k in range(6)]
    if all(float(p[0]).is_integer() for p in pts):  # e.g. epochs: whole ticks
        xt = sorted(set(round(x) for x in xt))
    for x in xt:
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%.3g</text>' % (sx(x), H - B + 16, x))
    if logy:
        ticks = [10 ** e * m for e in range(int(math.floor(y0)), int(math.ceil(y1)) + 1) for m in (1, 2, 5) if y0 <= math.log10(10 ** e * m) <= y1]
    else:
        ticks = [y0 + k * (y1 - y0) / 5 for k in range(6)]
    for y in ticks:
        o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (L, W - R, sy(y), sy(y)))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%.3g</text>' % (L - 4, sy(y) + 4, y))
    o.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' % ((L + W - R) // 2, H - 10, escape(xlabel)))
    o.append('<text transform="translate(16,%d) rotate(-90)" text-anchor="middle">%s</text>' % ((T + H - B) // 2, escape(ylabel)))
    for k, (label, xs, ys, colour, dash) in enumerate(series):
        p = ' '.join('%.1f,%.1f' % (sx(x), sy(y)) for x, y in zip(xs, ys) if y == y and (not logy or y > 0))
        if p:
            o.append('<polyline fill="none" stroke="%s" stroke-width="1.5"%s points="%s"/>' % (colour, ' stroke-dasharray="%s"' % dash if dash else '', p))
        ly = T + 8 + 16 * k
        o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="1.5"%s/>' % (W - R + 8, W - R + 32, ly, ly, colour, ' stroke-dasharray="%s"' % dash if dash else ''))
        o.append('<text x="%d" y="%d">%s</text>' % (W - R + 36, ly + 4, escape(label)))
    o.append('</svg>')
    with open(path + '.tmp', 'w') as fh:
        fh.write('\n'.join(o) + '\n')
    os.replace(path + '.tmp', path)
