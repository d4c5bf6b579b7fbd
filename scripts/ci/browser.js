// Drives Debian's Chromium (headless) with puppeteer-core over the
// DevTools protocol, for kenn's browser tests (internal/conformance,
// cmd/kenn's web test).
//
//   node scripts/ci/browser.js --url URL --wait EXPR --result EXPR
//        [--drag SELECTOR --path "X,Y X,Y ..."] [--click SELECTOR] [--wait-after EXPR]
//        [--screenshot PNG] [--timeout MS]
//
// Opens URL, waits until the page expression --wait is truthy, drags the
// mouse over SELECTOR through --path (fractions of its box, e.g. a stroke
// on a drawing canvas), clicks SELECTOR (then waits for --wait-after),
// saves a screenshot, and prints
// the JSON of the page expression --result on stdout. The page's console
// and errors go to stderr. Each run uses a fresh profile in a temporary
// folder, removed at exit. PUPPETEER_CORE names the package folder
// (default .cache/web/node_modules/puppeteer-core), CHROMIUM the binary.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

function args() {
  const a = {};
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    if (!v[i].startsWith('--') || i + 1 >= v.length) throw new Error(`bad argument ${v[i]}`);
    a[v[i].slice(2)] = v[i + 1];
  }
  if (!a.url || !a.wait || !a.result) throw new Error('usage: browser.js --url URL --wait EXPR --result EXPR [--click SEL] [--wait-after EXPR] [--screenshot PNG] [--timeout MS]');
  return a;
}

async function main() {
  const a = args();
  const puppeteer = require(path.resolve(process.env.PUPPETEER_CORE || path.join(__dirname, '../../.cache/web/node_modules/puppeteer-core')));
  const timeout = Number(a.timeout || 60000);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kenn-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    ignoreDefaultArgs: true,
    pipe: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, '--window-size=1000,800', 'about:blank'],
    protocolTimeout: timeout,
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1000, height: 800 });
    page.on('console', (m) => console.error(`page: ${m.text()}`));
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(a.url, { waitUntil: 'load', timeout });
    await page.waitForFunction(a.wait, { timeout, polling: 50 });
    if (a.drag) {
      const box = await (await page.$(a.drag)).boundingBox();
      const pts = a.path.trim().split(/\s+/).map((p) => p.split(',').map(Number));
      const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
      await page.mouse.move(...at(pts[0]));
      await page.mouse.down();
      for (const p of pts.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
      await page.mouse.up();
    }
    if (a.click) {
      await page.click(a.click);
      if (a['wait-after']) await page.waitForFunction(a['wait-after'], { timeout, polling: 50 });
    }
    if (a.screenshot) await page.screenshot({ path: a.screenshot });
    const r = await page.evaluate(`JSON.stringify(${a.result})`);
    process.stdout.write(r + '\n');
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
main().catch((e) => { console.error(e.message || e); process.exit(1); });
