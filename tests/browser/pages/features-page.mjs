// Test page module for tests/browser/features.test.mjs: runs the package's feature extraction
// (web/lib/features) in the page, on the model and onnxruntime-web files of a tools/bundle-web.mjs
// bundle served beside it (models/, ort/). Bundled by the test with esbuild.
//
// window.supercolorFeatures.run(opts) -> {backend, skipped, logs, tiles, tileSize, maxTileSize,
//   crossOriginIsolated, webgpuDevice, ms (session + extraction), maps: {layer: base64 of the float32 map [C, Hs, Ws]}}
//   opts: {image: base64 of float32 planar RGB [3, height, width], height, width, layers,
//          backend?: string | string[], tileSize?, numThreads?, badWebGpuAdapter?: boolean}
//   badWebGpuAdapter: hands ONNX Runtime an invalid env.webgpu.adapter, so that WebGPU session
//   creation fails (to see the fallback to wasm); use on a fresh page.
import * as ort from 'onnxruntime-web';

import { createFeatureSession, extractFeatures, layerGeometry, layerSize, selectModel } from '../../../web/lib/features/index.mjs';
import { sessionTileLimit } from '../../../web/lib/features/backend.mjs';

const base = new URL('./', import.meta.url);

function fromBase64(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function toBase64(f32) {
  const bytes = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, /** @type {number[]} */ (/** @type {unknown} */ (bytes.subarray(i, i + 0x8000))));
  return btoa(bin);
}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function run(opts) {
  const { height, width, layers } = opts;
  const image = new Float32Array(fromBase64(opts.image).buffer);
  if (opts.badWebGpuAdapter) ort.env.webgpu.adapter = { not: 'an adapter' };
  const manifest = await (await fetch(new URL('models/manifest.json', base))).json();
  const entry = selectModel(manifest, layers);
  const logs = [];
  const t0 = performance.now();
  const fs = await createFeatureSession(await fetchBytes(new URL(`models/${entry.file}`, base)), entry, {
    backend: opts.backend,
    numThreads: opts.numThreads,
    wasmPaths: new URL('ort/', base).href,
    log: (m) => logs.push(m),
  });
  const maps = {};
  for (const l of layers) maps[l] = new Float32Array(layerGeometry(l).channels * layerSize(l, height) * layerSize(l, width));
  try {
    const res = await extractFeatures(fs, image, {
      height,
      width,
      layers,
      tileSize: opts.tileSize,
      sink(layer, y0, x0, rows, cols, data, rowStride, planeStride) {
        const lh = layerSize(layer, height);
        const lw = layerSize(layer, width);
        const map = maps[layer];
        for (let c = 0; c < layerGeometry(layer).channels; c++)
          for (let r = 0; r < rows; r++)
            for (let x = 0; x < cols; x++) map[(c * lh + y0 + r) * lw + x0 + x] = data[c * planeStride + r * rowStride + x];
      },
    });
    return {
      backend: res.backend,
      skipped: fs.skipped,
      logs,
      tiles: res.tiles,
      tileSize: res.tileSize,
      maxTileSize: sessionTileLimit(fs.session) ?? null,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      // ONNX Runtime's WebGPU device, once its WebGPU EP is initialised (JSEP).
      webgpuDevice: ort.env.webgpu?.device != null,
      ms: performance.now() - t0,
      maps: Object.fromEntries(Object.entries(maps).map(([l, m]) => [l, toBase64(m)])),
    };
  } finally {
    await fs.release();
  }
}

window.supercolorFeatures = { run };
document.getElementById('status').textContent = 'ready';
