// The page of a kenn web site: embeds every image of the site with the
// model's NAME.onnx in onnxruntime-web (wasm, one thread), then ranks
// them against a picked or drawn image with NAME.pairwise.onnx — kenn
// knn's ranking (nearest first, ties by lower index) and units.
// window.kenn exposes the state for tests: ready, error, query (an
// index or 'drawing'), queryImage (its pixels), neighbours [{index,
// distance}], searches.
import * as ort from './ort/ort.wasm.min.mjs';

const base = new URL('.', import.meta.url);
ort.env.wasm.wasmPaths = new URL('ort/', base).href;
ort.env.wasm.numThreads = 1; // threads need cross-origin isolation; a plain static host has none
const state = (window.kenn = { ready: false, error: null, query: null, neighbours: [], searches: 0 });
const $ = (id) => document.getElementById(id);
const status = (s) => { $('status').textContent = s; };
const maxShown = 600; // thumbnails to pick from; every image is searched

function paint(canvas, img, h, w) {
  const ctx = canvas.getContext('2d');
  const data = ctx.createImageData(w, h);
  let max = 0;
  for (const v of img) max = Math.max(max, v);
  for (let i = 0; i < h * w; i++) {
    const g = 255 - Math.round((255 * img[i]) / (max || 1)); // dark ink on white
    data.data.set([g, g, g, 255], 4 * i);
  }
  ctx.putImageData(data, 0, 0);
}

function thumb(img, h, w, title) {
  const c = document.createElement('canvas');
  c.width = w; c.height = h; c.title = title;
  paint(c, img, h, w);
  return c;
}

async function main() {
  const site = await (await fetch(new URL('site.json', base))).json();
  const { n, h, w, f: F, k } = site;
  const hw = h * w;
  document.title = site.title;
  $('title').textContent = site.title;
  $('units').textContent = `(${site.units})`;
  $('count').textContent = n;
  $('about').textContent = `Model ${site.model} (${site.kind}, model id ${site.model_id.slice(0, 12)}…): distances in ${site.units}, computed in this browser by onnxruntime-web ${site.ort_version} (wasm).`;
  const pix = new Float32Array(await (await fetch(new URL(site.images, base))).arrayBuffer());
  if (pix.length !== n * hw) throw new Error(`${site.images}: ${pix.length} values, want ${n}×${h}×${w}`);
  const opts = { executionProviders: ['wasm'] };
  const embed = await ort.InferenceSession.create(new URL(site.model, base).href, opts);
  const pairwise = await ort.InferenceSession.create(new URL(site.pairwise, base).href, opts);
  const label = (i) => (site.labels ? ` (label ${site.labels[i]})` : '');

  const t0 = performance.now();
  const feats = new Float32Array(n * F);
  for (let s = 0; s < n; s += 64) {
    const m = Math.min(64, n - s);
    const { features } = await embed.run({ images: new ort.Tensor('float32', pix.slice(s * hw, (s + m) * hw), [m, 1, h, w]) });
    feats.set(features.data, s * F);
    status(`Embedding the images: ${s + m} of ${n}…`);
  }
  const embedSeconds = (performance.now() - t0) / 1000;
  const index = new ort.Tensor('float32', feats, [n, F]);

  async function search(q, query, queryImg) {
    const { distances } = await pairwise.run({ a: new ort.Tensor('float32', q, [1, F]), b: index });
    const d = distances.data;
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j] || i - j);
    const nbs = order.slice(0, k).map((i) => ({ index: i, distance: d[i] }));
    $('query').replaceChildren(thumb(queryImg, h, w, 'query'), document.createTextNode(query === 'drawing' ? ' your drawing' : ` image #${query}${label(query)}`));
    $('results').replaceChildren(...nbs.map((nb) => {
      const li = document.createElement('li');
      li.dataset.index = nb.index;
      li.dataset.distance = nb.distance;
      const text = document.createElement('span');
      text.className = 'neighbour';
      text.textContent = `#${nb.index}${label(nb.index)}: ${nb.distance.toPrecision(6)} ${site.units}`;
      li.append(thumb(pix.subarray(nb.index * hw, (nb.index + 1) * hw), h, w, `#${nb.index}`), text);
      return li;
    }));
    Object.assign(state, { query, queryImage: Array.from(queryImg), neighbours: nbs, searches: state.searches + 1 });
  }

  const grid = $('grid');
  for (let i = 0; i < Math.min(n, maxShown); i++) {
    const c = thumb(pix.subarray(i * hw, (i + 1) * hw), h, w, `#${i}${label(i)}`);
    c.dataset.index = i;
    c.addEventListener('click', async () => {
      grid.querySelectorAll('.picked').forEach((e) => e.classList.remove('picked'));
      c.classList.add('picked');
      await search(feats.slice(i * F, (i + 1) * F), i, pix.subarray(i * hw, (i + 1) * hw));
      status(`Image #${i}: its ${k} nearest of ${n} images by the model's ${site.units}.`);
    });
    grid.append(c);
  }

  // drawing pad: a soft round brush on an h×w image of intensities 0..255
  const pad = $('pad');
  const drawn = new Float32Array(hw);
  const brush = (x, y) => {
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
      const d2 = (c + 0.5 - x) ** 2 + (r + 0.5 - y) ** 2;
      if (d2 < 2.5) drawn[r * w + c] = Math.min(255, drawn[r * w + c] + 255 * Math.exp(-d2));
    }
    paint(pad, drawn, h, w);
  };
  let down = false;
  const at = (e) => { const b = pad.getBoundingClientRect(); brush(((e.clientX - b.left) / b.width) * w, ((e.clientY - b.top) / b.height) * h); };
  pad.addEventListener('pointerdown', (e) => { down = true; pad.setPointerCapture(e.pointerId); at(e); });
  pad.addEventListener('pointermove', (e) => { if (down) at(e); });
  pad.addEventListener('pointerup', () => { down = false; });
  $('clear').addEventListener('click', () => { drawn.fill(0); paint(pad, drawn, h, w); });
  paint(pad, drawn, h, w);
  $('search-drawing').disabled = false;
  $('search-drawing').addEventListener('click', async () => {
    if (!drawn.some((v) => v > 0)) { status('Draw something first: an empty image has no mass, so no W2 distance.'); return; }
    const { features } = await embed.run({ images: new ort.Tensor('float32', drawn.slice(), [1, 1, h, w]) });
    await search(features.data.slice(), 'drawing', drawn);
    status(`Your drawing: its ${k} nearest of ${n} images by the model's ${site.units}.`);
  });

  state.ready = true;
  state.embedSeconds = embedSeconds;
  status(`${n} images embedded in ${embedSeconds.toFixed(2)} s in this browser. Pick an image or draw one.`);
}

main().catch((e) => {
  state.error = String((e && e.message) || e);
  status(`Error: ${state.error}`);
});
