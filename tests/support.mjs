// Helpers shared by the Node tests (tests/node/) and the browser tests (tests/browser/): where the
// repository, its builds and the ../shared test pairs are; running a command; PNG crops and
// downscales; relative and per-channel differences; the core and the feature models; Chromium and
// a static server.
// Not a test file (node --test runs *.test.mjs only). The package, the model builder and
// playwright-core are imported when first used, so a test pays only for what it calls.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { PNG } from 'pngjs';

// --- paths ----------------------------------------------------------------------------------------

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The test pairs: in ../shared, never committed. */
export const PAIRS = path.resolve(ROOT, '../shared/testdata/pairs');
/** The example pair (481x361). */
export const PAIR = path.join(PAIRS, '01_pitie_scotland');
/** A Kodak pair (768x512). */
export const KODAK_PAIR = path.join(PAIRS, '07_kodak_kodim16_kodim12_island_beach');
/** The core builds (tools/build-wasm.sh), or SUPERCOLOR_WASM_DIR. */
export const WASM_DIR = path.resolve(process.env.SUPERCOLOR_WASM_DIR ?? path.join(ROOT, 'wasm'));
/** The native tool (cmake --build --preset native --target supercolor_native), or SUPERCOLOR_NATIVE. */
export const NATIVE = path.resolve(process.env.SUPERCOLOR_NATIVE ?? path.join(ROOT, 'build/native/supercolor_native'));

/** file: URL of a file of the built package: distUrl('index.js'). */
export const distUrl = (file) => pathToFileURL(path.join(ROOT, 'dist', file)).href;

/**
 * Runs a command (child_process.execFile with `options`); resolves {code, stdout, stderr} and never
 * rejects on a non-zero exit (code -1: killed, timed out or not started).
 */
export function runCommand(command, args, options = {}) {
  return new Promise((resolve) => {
    execFile(command, args, options, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

// --- images and differences -----------------------------------------------------------------------

/** A PNG decoded by pngjs: {width, height, data (RGBA8)}. */
export function readPng(file) {
  return PNG.sync.read(readFileSync(file));
}

/** Crop of a decoded PNG: planar float32 RGB in [0,1] and opaque RGBA8 (for the core). */
export function crop(png, x0, y0, w, h) {
  assert.ok(x0 + w <= png.width && y0 + h <= png.height, 'crop inside the photo');
  const planar = new Float32Array(3 * h * w);
  const rgba = new Uint8Array(4 * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = ((y0 + y) * png.width + x0 + x) * 4;
      for (let c = 0; c < 3; c++) planar[(c * h + y) * w + x] = png.data[src + c] / 255;
      for (let c = 0; c < 4; c++) rgba[(y * w + x) * 4 + c] = c === 3 ? 255 : png.data[src + c];
    }
  }
  return { planar, rgba, width: w, height: h };
}

/** Box-filter downscale of an RGBA image by an integer factor. */
export function downscale(image, factor) {
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Uint8Array(4 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          for (let dx = 0; dx < factor; dx++) sum += image.data[4 * ((y * factor + dy) * image.width + x * factor + dx) + c];
        }
        data[4 * (y * width + x) + c] = Math.round(sum / (factor * factor));
      }
    }
  }
  return { data, width, height };
}

/** max |a - b| / max |b| */
export function relDiff(a, b) {
  assert.equal(a.length, b.length, 'same length');
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  assert.ok(m > 0, 'reference is all zeros');
  return d / m;
}

/** Largest per-channel difference of two RGBA buffers (RGB only) and how many values differ. */
export function compareRgb(a, b) {
  assert.equal(a.length, b.length, 'buffer sizes differ');
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) differing++;
    if (d > max) max = d;
  }
  return { max, differing };
}

// --- the core and the feature models ----------------------------------------------------------------

/** file: URL of a core build's ES module in WASM_DIR ('threads' or 'simd'). */
export const wasmModuleUrl = (variant) => pathToFileURL(path.join(WASM_DIR, `supercolor-${variant}.mjs`)).href;

/**
 * A core build of WASM_DIR, loaded by the package's loader (dist/loader.js loadCore): in Node it
 * passes the .wasm bytes and absolute file paths, and unref()s the pthread pool's workers. The
 * threaded build gets a pool for `threads` threads (the caller's + threads − 1 workers).
 */
export async function loadWasmCore(variant, threads = 1) {
  /** @type {typeof import('../web/lib/loader.js')} */
  const { loadCore } = await import(distUrl('loader.js'));
  return loadCore(wasmModuleUrl(variant), variant, threads);
}

let models;
/** The feature models built in memory (tools/build-model.mjs): {manifest, modelBytes: {deepest layer: bytes}}. */
export function featureModels() {
  models ??= (async () => {
    const { buildAll, readManifest } = await import('../tools/build-model.mjs');
    const manifest = await readManifest();
    const modelBytes = Object.fromEntries((await buildAll(manifest)).map((b) => [b.deepest, b.bytes]));
    return { manifest, modelBytes };
  })();
  return models;
}

/** A new feature session (web/lib/features) on the smallest model that has every layer of `layers`. */
export async function openFeatureSession(layers, options = {}) {
  const { manifest, modelBytes } = await featureModels();
  const { createFeatureSession, selectModel } = await import('../web/lib/features/index.mjs');
  const entry = selectModel(manifest, layers);
  return createFeatureSession(modelBytes[entry.deepest], entry, options);
}

/** Whole-image ONNX Runtime run of a feature session on planar RGB: {layer: {dims, data}}. */
export async function runWhole(fsess, image, h, w, layers) {
  const r = await fsess.session.run({ [fsess.inputName]: new fsess.ort.Tensor('float32', image, [1, 3, h, w]) }, layers);
  return Object.fromEntries(layers.map((l) => [l, { dims: r[l].dims, data: Float32Array.from(r[l].data) }]));
}

// --- Chromium and a static server ---------------------------------------------------------------------

export const CHROMIUM = process.env.SUPERCOLOR_CHROMIUM ?? process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
/** Why the Chromium tests cannot run (a skip reason), or false. */
export const chromiumMissing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;

/**
 * Headless Chromium (playwright-core) in a fresh profile, with CHROMIUM_FLAGS plus `args`; other
 * options go to launchPersistentContext. Returns {context, profile, close()}: close() closes the
 * context and removes the profile.
 * @param {{args?: string[]} & Parameters<import('playwright-core').BrowserType['launchPersistentContext']>[1]} [options]
 */
export async function launchChromium({ args = [], ...options } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(path.join(tmpdir(), 'supercolor-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS, ...args], ...options });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    profile,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A static server for `root`, with or without COOP/COEP: tools/serve.mjs, else a minimal one. */
export async function serve(root, isolation = true) {
  try {
    const { startServer } = await import('../tools/serve.mjs');
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
    await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
    return { url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
  }
}
