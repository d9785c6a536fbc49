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
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PAIR, ROOT, chromiumMissing as skip, compareRgb, distUrl, launchChromium, serve } from '../support.mjs';

const STAGES = ['decode', 'segment', 'features', 'match', 'fuse', 'regrain', 'upsample'];
/** @type {[number, number, number, number]} */
const TARGET_CROP = [160, 120, 160, 120];
/** @type {[number, number, number, number]} */
const REFERENCE_CROP = [200, 100, 160, 120];

/** Largest per-channel difference of two RGBA buffers (RGB only). */
const maxDiff = (a, b) => compareRgb(a, b).max;

describe('package in Chromium', { skip }, () => {
  let root;
  let browser;
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
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const server of servers) await server.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function openPage(url) {
    const page = await browser.context.newPage();
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

    // Other SLIC parameters, so that the engine cannot start from the stages it kept.
    const aborted = await run(page, { abortAt: 'features', params: { compactness: 11 } });
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

  test('a 12 MP pair completes through the package (threaded core, working resolution)', { timeout: 600_000 }, async (t) => {
    const { page, problems } = await openPage(servers[0].url);
    const r = await page.evaluate((size) => window.runLarge(size), [4000, 3000]);
    assert.equal(r.width, 4000);
    assert.equal(r.height, 3000);
    assert.ok(r.analysis.target.width * r.analysis.target.height <= 1.5e6, JSON.stringify(r.analysis));
    assert.equal(r.previewWidth, r.analysis.target.width, 'the preview came first, at the working size');
    assert.ok(r.stages.includes('upsample'));
    assert.ok(r.meanChange > 1, `the result is recoloured (${r.meanChange} levels)`);
    assert.equal(r.backend.core, 'threads');
    assert.deepEqual(problems, []);
    t.diagnostic(`12 MP in Chromium: ${(r.wall / 1000).toFixed(1)} s; timings ${JSON.stringify(r.timings)}`);
    await page.close();
  });

  test('both builds agree within 1/255, and with the package in Node', async (t) => {
    assert.ok(results.threads && results.simd, 'needs the previous tests');
    const diff = maxDiff(results.threads.data, results.simd.data);
    t.diagnostic(`threads vs simd: max ${diff}/255; wall ${results.threads.result.wall.toFixed(0)} ms vs ${results.simd.result.wall.toFixed(0)} ms`);
    assert.ok(diff <= 1, `threads and simd differ by ${diff}/255`);

    /** @type {typeof import('../../web/lib/index.js')} */

    const { createColorTransfer } = await import(distUrl('index.js'));
    /** @type {typeof import('../../web/lib/codec.js')} */
    const { decodeImage } = await import(distUrl('codec.js'));
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
