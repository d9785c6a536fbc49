// The package in headless Chromium (playwright-core): a page using the bundled package
// (tools/bundle-web.mjs) runs a transfer on 160x120 crops of the example pair
//  - cross-origin isolated (COOP/COEP): the threaded core, features by onnxruntime-web (wasm);
//    aborting mid-run rejects with an AbortError and the next transfer gives the same pixels;
//    a Blob that is not an image rejects with decode_failed;
//  - without COOP/COEP: the non-threaded fallback, with the reason reported and logged;
// and the two results agree within 1/255 (and with the package in Node).
// Needs dist/ (bash tools/build.sh) and /usr/bin/chromium (else skipped, with the reason).
//
//   node --test tests/browser/package.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PAIR = path.resolve(ROOT, '../shared/testdata/pairs/01_pitie_scotland');
const CHROMIUM = process.env.SUPERCOLOR_CHROMIUM ?? process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
const STAGES = ['decode', 'segment', 'features', 'match', 'fuse', 'regrain'];
const TARGET_CROP = [160, 120, 160, 120];
const REFERENCE_CROP = [200, 100, 160, 120];

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;

/** A static server for `root`, with or without COOP/COEP: tools/serve.mjs, else a minimal one. */
async function serve(root, isolation) {
  try {
    const { startServer } = await import('../../tools/serve.mjs');
    return await startServer({ root, port: 0, isolation });
  } catch {
    const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png' };
    const server = createServer((req, res) => {
      const file = path.join(root, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
      const body = file.startsWith(root) && existsSync(file) ? readFileSync(file) : null;
      const headers = { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' };
      if (isolation) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
      res.writeHead(body ? 200 : 404, headers);
      res.end(body ?? 'not found');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
  }
}

function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('package in Chromium', { skip }, () => {
  let root;
  let profile;
  let context;
  let servers = [];
  const results = {};

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'supercolor-browser-package-'));
    const { bundleWeb } = await import('../../tools/bundle-web.mjs');
    await bundleWeb(path.join(root, 'pkg'));
    copyFileSync(path.join(ROOT, 'tests/browser/pages/package.html'), path.join(root, 'package.html'));
    copyFileSync(path.join(PAIR, 'target.png'), path.join(root, 'target.png'));
    copyFileSync(path.join(PAIR, 'reference.png'), path.join(root, 'reference.png'));
    servers = [await serve(root, true), await serve(root, false)];
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(path.join(tmpdir(), 'supercolor-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  });

  after(async () => {
    await context?.close();
    for (const server of servers) await server.close();
    for (const dir of [root, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openPage(url) {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.goto(`${url}package.html`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30_000 });
    return { page, problems };
  }

  const run = (page, options = {}) => page.evaluate((o) => window.runTransfer(o), { targetCrop: TARGET_CROP, referenceCrop: REFERENCE_CROP, ...options });

  function checkResult(result) {
    assert.ok(result.ok, `${result.name}: ${result.message}`);
    assert.equal(result.width, TARGET_CROP[2]);
    assert.equal(result.height, TARGET_CROP[3]);
    assert.equal(result.backend.features, 'wasm');
    assert.deepEqual([...new Set(result.stages.map(([stage]) => stage))], STAGES);
    for (const [, fraction] of result.stages) assert.ok(fraction >= 0 && fraction <= 1);
    for (const stage of STAGES) assert.ok(result.timings[stage] >= 0, stage);
    return Buffer.from(result.data, 'base64');
  }

  test('threaded build under COOP/COEP; abort then transfer again', { timeout: 180_000 }, async () => {
    const { page, problems } = await openPage(servers[0].url);
    const result = await run(page);
    assert.equal(result.crossOriginIsolated, true);
    const data = checkResult(result);
    assert.equal(result.backend.core, 'threads');
    assert.ok(result.backend.threads >= 1);
    assert.equal(result.backend.reason, undefined);
    results.threads = { data, result };

    const aborted = await run(page, { abortAt: 'features' });
    assert.equal(aborted.ok, false);
    assert.equal(aborted.name, 'AbortError');
    assert.ok(!aborted.stages.some(([stage]) => stage === 'match'));
    const again = await run(page);
    assert.equal(maxDiff(checkResult(again), data), 0, 'the transfer after an abort differs');

    const corrupt = await page.evaluate(() => window.runCorrupt());
    assert.equal(corrupt.error?.code, 'decode_failed', JSON.stringify(corrupt));
    assert.match(corrupt.error.message, /reference/);
    assert.equal(corrupt.after, 64);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('non-threaded fallback without COOP/COEP, with the reason', { timeout: 180_000 }, async () => {
    const { page, problems } = await openPage(servers[1].url);
    const result = await run(page);
    assert.equal(result.crossOriginIsolated, false);
    const data = checkResult(result);
    assert.equal(result.backend.core, 'simd');
    assert.equal(result.backend.threads, 1);
    assert.match(result.backend.reason, /cross-origin isolated|SharedArrayBuffer/);
    assert.equal(result.engineBackend.reason, result.backend.reason);
    assert.ok(result.logs.some((line) => /^warn: .*non-threaded/.test(line)), `logs: ${result.logs.join(' | ')}`);
    results.simd = { data, result };
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('both builds agree within 1/255, and with the package in Node', async (t) => {
    assert.ok(results.threads && results.simd, 'needs the previous tests');
    const diff = maxDiff(results.threads.data, results.simd.data);
    t.diagnostic(`threads vs simd: max ${diff}/255; wall ${results.threads.result.wall.toFixed(0)} ms vs ${results.simd.result.wall.toFixed(0)} ms`);
    assert.ok(diff <= 1, `threads and simd differ by ${diff}/255`);

    const { createColorTransfer } = await import(pathToFileURL(path.join(ROOT, 'dist/index.js')).href);
    const { decodeImage } = await import(pathToFileURL(path.join(ROOT, 'dist/codec.js')).href);
    const cropOf = async (file, [x, y, w, h]) => {
      const image = await decodeImage(new Uint8Array(readFileSync(file)));
      const data = new Uint8Array(4 * w * h);
      for (let r = 0; r < h; r++) data.set(image.data.subarray(4 * ((y + r) * image.width + x), 4 * ((y + r) * image.width + x + w)), 4 * r * w);
      return { data, width: w, height: h };
    };
    const ct = await createColorTransfer({ logger: () => undefined });
    try {
      const node = await ct.transfer(await cropOf(path.join(PAIR, 'target.png'), TARGET_CROP), await cropOf(path.join(PAIR, 'reference.png'), REFERENCE_CROP));
      const nodeDiff = maxDiff(node.data, results.threads.data);
      t.diagnostic(`Chromium vs Node: max ${nodeDiff}/255`);
      assert.ok(nodeDiff <= 1, `Chromium and Node differ by ${nodeDiff}/255`);
    } finally {
      ct.dispose();
    }
  });
});
