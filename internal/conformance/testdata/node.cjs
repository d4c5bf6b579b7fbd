// onnxruntime-node backend of the conformance suite.
// Usage: node node.cjs ONNXRUNTIME-NODE-DIR CASES.json RESULTS.json
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

async function main() {
  const [ortDir, casesFile, outFile] = process.argv.slice(2);
  const ort = require(path.resolve(ortDir));
  const { cases, minSeconds } = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
  const { runCases } = await import(pathToFileURL(path.join(__dirname, 'cases.mjs')).href);
  const results = await runCases(ort, cases, async (f) => fs.readFileSync(f), minSeconds);
  fs.writeFileSync(outFile, JSON.stringify(results));
}
main().catch((e) => { console.error(e); process.exit(1); });
