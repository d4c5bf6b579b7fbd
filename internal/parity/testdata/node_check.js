// Runs kenn's exported models in onnxruntime-node and compares with the
// outputs Go computed (make test runs it through internal/parity).
// Usage: node internal/parity/testdata/node_check.js CASES.json
// CASES.json: [{file, inputs: {name: {dims, data}}, output, expected, tol, zeros}]
'use strict';
const path = require('path');
const fs = require('fs');
const ort = require(path.resolve(__dirname, '../../../.cache/node/node_modules/onnxruntime-node'));

async function main() {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  let failed = 0;
  for (const c of cases) {
    const session = await ort.InferenceSession.create(c.file);
    const feeds = {};
    for (const [name, t] of Object.entries(c.inputs)) {
      feeds[name] = new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
    }
    const out = (await session.run(feeds))[c.output].data;
    let worst = 0, scale = 0;
    for (const v of c.expected) scale = Math.max(scale, Math.abs(v));
    if (out.length !== c.expected.length) {
      console.log(`FAIL ${c.file}: ${out.length} values, want ${c.expected.length}`);
      failed++;
      continue;
    }
    for (let i = 0; i < out.length; i++) {
      worst = Math.max(worst, Math.abs(out[i] - c.expected[i]) / Math.max(scale, 1e-30));
    }
    const nonzero = (c.zeros || []).filter((i) => out[i] !== 0);
    if (nonzero.length) console.log(`FAIL ${path.basename(c.file)}: ${nonzero.length} entries that must be exactly 0 (an image to itself) are not, e.g. ${out[nonzero[0]]}`);
    const ok = worst <= c.tol && nonzero.length === 0;
    if (!ok) failed++;
    console.log(`${ok ? 'ok' : 'FAIL'} ${path.basename(c.file)} ${c.output}: largest difference ${worst.toExponential(2)} of the output scale`);
  }
  process.exit(failed ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(2); });
