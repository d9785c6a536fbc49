// Feature extraction in headless Debian Chromium (playwright-core), issue 3:
//  - without WebGPU: the default order (webgpu → wasm) falls back to the wasm EP, says why, and
//    its features of a small photo equal onnxruntime-node's in Node within 1e-4 relative;
//  - with --enable-unsafe-webgpu (SwiftShader, a software fallback adapter): the default order
//    skips it (wasm runs, the reason says why); asked for by name, the WebGPU EP is taken and
//    reported, its features
//    of a 48×48 crop equal the wasm EP's (and Node's) within 1e-4 relative, tiles are capped by the
//    adapter's buffer limits; a WebGPU session that cannot be created falls back to wasm, logged.
// Serves a tools/bundle-web.mjs bundle (its models/ and ort/) plus tests/browser/pages/features.html
// with tests/browser/pages/features-page.mjs bundled by esbuild, cross-origin isolated.
// Needs dist/ (bash tools/build.sh) and /usr/bin/chromium (else skipped, with the reason).
//
//   node --test tests/browser/features.test.mjs
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from 'esbuild';

import { maxTileSizeForLimits } from '../../web/lib/features/backend.mjs';
import { layerGeometry, layerSize } from '../../web/lib/features/index.mjs';
import { PAIR, ROOT, chromiumMissing as skip, crop as cropPng, launchChromium, openFeatureSession, readPng, relDiff, runWhole, serve } from '../support.mjs';

// --- helpers ------------------------------------------------------------------------------------

const png = readPng(path.join(PAIR, 'target.png'));

/** Planar float32 RGB in [0,1] of a crop of the photo. */
const crop = (x0, y0, w, h) => cropPng(png, x0, y0, w, h).planar;

const b64 = (f32) => Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64');
function fromB64(s) {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.length / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/** Whole-image features in Node (onnxruntime-node). */
async function nodeFeatures(image, height, width, layers) {
  const s = await openFeatureSession(layers, { backend: 'node' });
  try {
    const r = await runWhole(s, image, height, width, layers);
    return Object.fromEntries(layers.map((l) => [l, r[l].data]));
  } finally {
    await s.release();
  }
}

// --- fixture: bundle, page, server --------------------------------------------------------------

let outDir;
let server;

before(async () => {
  if (skip) return;
  outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'supercolor-browser-features-'));
  const { bundleWeb } = await import('../../tools/bundle-web.mjs');
  try {
    await bundleWeb(outDir);
  } catch (e) {
    throw new Error(`tools/bundle-web.mjs failed (build the package first: bash tools/build.sh): ${e.message}`);
  }
  await build({
    entryPoints: [path.join(ROOT, 'tests/browser/pages/features-page.mjs')],
    outfile: path.join(outDir, 'features-page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['node:*', 'onnxruntime-node'],
    logLevel: 'error',
  });
  await fs.copyFile(path.join(ROOT, 'tests/browser/pages/features.html'), path.join(outDir, 'features.html'));
  server = await serve(outDir);
});

after(async () => {
  await server?.close();
  if (outDir) await fs.rm(outDir, { recursive: true, force: true });
});

/** Runs fn(openPage) in a fresh Chromium profile with the given extra flags. */
async function withBrowser(extraFlags, fn) {
  const browser = await launchChromium({ args: extraFlags });
  const { context } = browser;
  const errors = [];
  try {
    const openPage = async () => {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${server.url}features.html`);
      await page.waitForFunction(() => window.supercolorFeatures !== undefined, null, { timeout: 30000 });
      return page;
    };
    await fn(openPage);
    assert.deepEqual(errors, [], 'no uncaught page errors');
  } finally {
    await browser.close();
  }
}

/** Runs the page's extraction; returns the page's report with maps decoded. */
async function runInPage(page, image, height, width, layers, options = {}) {
  const r = await page.evaluate((o) => window.supercolorFeatures.run(o), { image: b64(image), height, width, layers, ...options });
  r.maps = Object.fromEntries(Object.entries(r.maps).map(([l, m]) => [l, fromB64(m)]));
  for (const l of layers) assert.equal(r.maps[l].length, layerGeometry(l).channels * layerSize(l, height) * layerSize(l, width));
  return r;
}

// --- tests --------------------------------------------------------------------------------------

describe('feature extraction in Chromium', { skip }, () => {
  test('no WebGPU adapter: the wasm EP is taken and reported; it matches onnxruntime-node (1e-4)', async (t) => {
    const [W, H] = [96, 72];
    const image = crop(230, 140, W, H);
    const layers = ['relu1_2', 'relu2_2'];
    const expected = await nodeFeatures(image, H, W, layers);
    await withBrowser([], async (openPage) => {
      const page = await openPage();
      const r = await runInPage(page, image, H, W, layers, { tileSize: 40 });
      assert.equal(r.backend, 'wasm');
      assert.equal(r.skipped.length, 1, `skipped: ${r.skipped}`);
      assert.match(r.skipped[0], /^webgpu: not available \((navigator\.gpu\.requestAdapter\(\) gave no adapter|navigator\.gpu is not available.*)\)$/);
      assert.deepEqual(r.logs, [], 'nothing failed, so nothing is logged');
      assert.equal(r.crossOriginIsolated, true, 'the page is cross-origin isolated (wasm threads)');
      assert.equal(r.maxTileSize, null, 'no tile cap on wasm');
      assert.ok(r.tiles > 1, 'tiled');
      for (const l of layers) {
        const d = relDiff(r.maps[l], expected[l]);
        assert.ok(d < 1e-4, `${l}: Chromium wasm vs onnxruntime-node ${d}`);
        t.diagnostic(`${l} Chromium wasm (${r.tiles} tiles) vs onnxruntime-node: ${d.toExponential(2)}; ${r.ms.toFixed(0)} ms with session`);
      }
      t.diagnostic(`skipped: ${r.skipped[0]}`);
    });
  });

  test('--enable-unsafe-webgpu: the WebGPU EP runs a 48x48 crop and matches wasm (1e-4); failures fall back to wasm', async (t) => {
    const [W, H] = [48, 48];
    const image = crop(300, 200, W, H);
    const layers = ['relu1_2', 'relu2_1', 'relu2_2', 'relu3_1'];
    const expected = await nodeFeatures(image, H, W, layers);
    await withBrowser(['--enable-unsafe-webgpu'], async (openPage) => {
      const page = await openPage();
      const limits = await page.evaluate(async () => {
        const a = await navigator.gpu.requestAdapter();
        return a && { maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize, maxBufferSize: a.limits.maxBufferSize };
      });
      assert.ok(limits, 'Chromium offers a WebGPU adapter with --enable-unsafe-webgpu');
      const fallbackAdapter = await page.evaluate(async () => {
        const a = await navigator.gpu.requestAdapter();
        return a.info?.isFallbackAdapter === true || a.isFallbackAdapter === true;
      });
      assert.equal(fallbackAdapter, true, "Chromium's SwiftShader adapter is a software fallback");

      // Default order with only a software adapter: not chosen automatically; wasm runs, and
      // the reason says why.
      const auto = await runInPage(await openPage(), image, H, W, ['relu1_2']);
      assert.equal(auto.backend, 'wasm');
      assert.match(auto.skipped[0], /^webgpu: not available \(the only WebGPU adapter is a software fallback/);

      const gpu = await runInPage(page, image, H, W, layers, { backend: 'webgpu' }); // asked for by name
      assert.equal(gpu.backend, 'webgpu', `skipped: ${gpu.skipped}; logs: ${gpu.logs}`);
      assert.deepEqual(gpu.skipped, []);
      assert.equal(gpu.maxTileSize, maxTileSizeForLimits(limits), 'tile cap from the adapter limits');
      assert.equal(gpu.tileSize, Math.min(512, gpu.maxTileSize));
      assert.equal(gpu.webgpuDevice, true, "ONNX Runtime's WebGPU device exists");
      t.diagnostic(`adapter limits ${JSON.stringify(limits)} -> max tile ${gpu.maxTileSize}; webgpu ${gpu.ms.toFixed(0)} ms with session`);

      const wasm = await runInPage(page, image, H, W, layers, { backend: 'wasm' }); // same ORT instance
      assert.equal(wasm.backend, 'wasm');
      t.diagnostic(`wasm ${wasm.ms.toFixed(0)} ms with session`);
      for (const l of layers) {
        const d = relDiff(gpu.maps[l], wasm.maps[l]);
        assert.ok(d < 1e-4, `${l}: WebGPU vs wasm ${d}`);
        const dn = relDiff(gpu.maps[l], expected[l]);
        assert.ok(dn < 1e-4, `${l}: WebGPU vs onnxruntime-node ${dn}`);
        t.diagnostic(`${l} WebGPU vs wasm ${d.toExponential(2)}, vs onnxruntime-node ${dn.toExponential(2)}`);
      }

      // A WebGPU session that cannot be created: fall back to wasm, with the reason logged and
      // reported (fresh page: ONNX Runtime initialises its WebGPU EP once per instance).
      const fresh = await openPage();
      const fb = await runInPage(fresh, image, H, W, ['relu1_2'], { badWebGpuAdapter: true, backend: ['webgpu', 'wasm'] });
      assert.equal(fb.backend, 'wasm');
      assert.equal(fb.skipped.length, 1);
      assert.match(fb.skipped[0], /^webgpu: session creation failed \(.*adapter.*\)$/i);
      assert.equal(fb.logs.length, 1);
      assert.match(fb.logs[0], /ONNX Runtime backend webgpu: session creation failed .*; falling back to wasm$/);
      assert.ok(relDiff(fb.maps.relu1_2, expected.relu1_2) < 1e-4, 'the fallback computes the same features');
      t.diagnostic(`fallback logged: ${fb.logs[0]}`);
    });
  });
});
