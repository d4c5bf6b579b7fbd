// Times an exported pairwise graph (NAME.pairwise.onnx) alone in
// onnxruntime-node: one session, `runs` calls on a×b tiles of features
// read from a .npy (float32 [N, F], rows 0..a-1 against rows a..a+b-1).
// Usage: node scripts/bench/bench_pairwise_node.js PAIRWISE.onnx FEATURES.npy A B RUNS THREADS
// Prints one JSON line: {"distances_per_s": ..., "seconds": ..., "distances": ...}.
'use strict';
const path = require('path');
const fs = require('fs');
const ort = require(path.resolve(__dirname, '../../.cache/node/node_modules/onnxruntime-node'));

function readNPY(file) {
  const raw = fs.readFileSync(file);
  const hl = raw.readUInt16LE(8);
  const hdr = raw.toString('latin1', 10, 10 + hl);
  if (!hdr.includes("'<f4'") || hdr.includes("'fortran_order': True")) throw new Error(`${file}: want a C-ordered float32 .npy`);
  const [n, f] = hdr.match(/\((\d+), (\d+)\)/).slice(1).map(Number);
  const body = raw.subarray(10 + hl);
  const v = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + 4 * n * f));
  return { n, f, v };
}

async function main() {
  const [file, feats, a, b, runs, threads] = process.argv.slice(2);
  const A = Number(a), B = Number(b), R = Number(runs);
  const { n, f, v } = readNPY(feats);
  if (A + B > n) throw new Error(`${feats}: ${n} rows, want at least ${A + B}`);
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const feeds = {
    a: new ort.Tensor('float32', v.slice(0, A * f), [A, f]),
    b: new ort.Tensor('float32', v.slice(A * f, (A + B) * f), [B, f]),
  };
  await session.run(feeds); // warm-up
  const t = process.hrtime.bigint();
  for (let r = 0; r < R; r++) await session.run(feeds);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(JSON.stringify({ distances_per_s: (A * B * R) / s, seconds: s, distances: A * B * R }));
}
main().catch((e) => { console.error(e); process.exit(2); });
