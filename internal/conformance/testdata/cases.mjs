// The conformance suite's runner for the JavaScript backends: the same
// module runs in Node.js (onnxruntime-node, node.cjs) and in Chromium
// (onnxruntime-web, index.html). Each case names an ONNX file, its input
// tensors and output; the result is the output and the time per run
// (after one warm-up run), or the error that stopped the file.
export async function runCases(ort, cases, load, minSeconds) {
  const results = [];
  for (const c of cases) {
    const start = performance.now();
    try {
      const session = await ort.InferenceSession.create(await load(c.file));
      const feeds = {};
      for (const t of c.inputs) feeds[t.name] = new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
      let out = (await session.run(feeds))[c.output];
      let runs = 0;
      const t0 = performance.now();
      do {
        out = (await session.run(feeds))[c.output];
        runs++;
      } while (performance.now() - t0 < minSeconds * 1000 && runs < 20);
      const seconds = (performance.now() - t0) / 1000 / runs;
      results.push({ dims: Array.from(out.dims, Number), data: Array.from(out.data), seconds });
      if (session.release) await session.release();
      if (typeof console !== 'undefined' && globalThis.kennVerbose) console.log(`${c.file}: ${((performance.now() - start) / 1000).toFixed(2)} s`);
    } catch (e) {
      results.push({ error: String((e && e.message) || e) });
    }
  }
  return results;
}
