// Feature extraction against the C++ core (issue 3):
//  (a) numerics: ONNX Runtime relu1_2 / relu2_2 on a real photo crop equal the native reference
//      convolution (build/native/supercolor_native features …) within 1e-4 relative;
//  (b) tiling through the core: super-features pooled by the wasm Pipeline (streaming
//      FeaturePooler) from tiles of several sizes equal those pooled from the whole image as one
//      tile within 1e-5 relative, for relu1_2, relu2_2, relu3_1 and a combination;
//  plus the WebGPU tile cap (maxTileSizeForLimits) as a unit.
// Needs wasm/ (bash tools/build-wasm.sh) and dist/ (its loader); (a) also build/native/supercolor_native
// (cmake --preset native && cmake --build --preset native --target supercolor_native), else skipped.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';

import { WEBGPU_BYTES_PER_PIXEL, maxTileSizeForLimits, sessionTileLimit } from '../../web/lib/features/backend.mjs';
import { effectiveTileSize } from '../../web/lib/features/tiles.mjs';
import { extractFeatures, layerGeometry, layerSize, planTiles, selectModel } from '../../web/lib/features/index.mjs';
import { NATIVE, PAIR, ROOT, crop, featureModels, loadWasmCore, openFeatureSession, readPng, relDiff, runWhole } from '../support.mjs';

const { manifest } = await featureModels();

const sessions = new Map();
/** One session per (model, backend), reused. */
async function session(layers, backend) {
  const entry = selectModel(manifest, layers);
  const key = `${entry.deepest}/${backend ?? 'default'}`;
  if (!sessions.has(key)) sessions.set(key, await openFeatureSession(layers, backend ? { backend } : {}));
  return sessions.get(key);
}
after(async () => {
  for (const s of sessions.values()) await s.release();
});

// --- helpers ----------------------------------------------------------------------------------

/** A little-endian float32 C-order .npy: {shape, data}. */
function readNpy(buf) {
  assert.equal(buf.subarray(0, 6).toString('latin1'), '\x93NUMPY', 'npy magic');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  assert.match(header, /'descr':\s*'<f4'/);
  assert.match(header, /'fortran_order':\s*False/);
  const shape = header
    .match(/'shape':\s*\(([^)]*)\)/)[1]
    .split(',')
    .filter((s) => s.trim())
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = buf.subarray(start, start + 4 * n);
  assert.equal(bytes.length, 4 * n, 'npy data complete');
  const data = new Float32Array(n);
  new Uint8Array(data.buffer).set(bytes);
  return { shape, data };
}

// --- WebGPU tile cap ----------------------------------------------------------------------------

test('WebGPU tile cap: the largest intermediate (64 channels x tile, float32) fits the buffer limits', () => {
  assert.equal(WEBGPU_BYTES_PER_PIXEL, 256);
  // WebGPU's default limits: 128 MiB binding, 256 MiB buffer -> 724 (724² · 256 ≤ 2^27 < 725² · 256).
  assert.equal(maxTileSizeForLimits({ maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 28 }), 724);
  // The smaller of the two limits counts.
  assert.equal(maxTileSizeForLimits({ maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 28 }), 1024);
  assert.equal(maxTileSizeForLimits({ maxStorageBufferBindingSize: 2 ** 28 }), 1024);
  // Exact boundary: t² · 256 == limit gives t; one byte less gives t − 1.
  assert.equal(maxTileSizeForLimits({ maxStorageBufferBindingSize: 300 * 300 * 256, maxBufferSize: 2 ** 40 }), 300);
  assert.equal(maxTileSizeForLimits({ maxStorageBufferBindingSize: 300 * 300 * 256 - 1, maxBufferSize: 2 ** 40 }), 299);
  for (const bytes of [2 ** 27, 2 ** 31 - 1, 4294967292, 123456789]) {
    const t = maxTileSizeForLimits({ maxStorageBufferBindingSize: bytes, maxBufferSize: bytes });
    assert.ok(256 * t * t <= bytes && 256 * (t + 1) * (t + 1) > bytes, `largest t for ${bytes}`);
  }
  assert.throws(() => maxTileSizeForLimits({}), /positive maxStorageBufferBindingSize/);
  assert.throws(() => maxTileSizeForLimits({ maxStorageBufferBindingSize: 0 }), /positive/);

  // extractFeatures' tile side: the request (default 512), capped by the backend's limit.
  assert.equal(effectiveTileSize(undefined, undefined), 512);
  assert.equal(effectiveTileSize(undefined, 300), 300);
  assert.equal(effectiveTileSize(1000, 724), 724);
  assert.equal(effectiveTileSize(200, 724), 200);
  // A capped plan keeps every tile (halo included) within the cap, so within the buffer limit.
  const cap = maxTileSizeForLimits({ maxStorageBufferBindingSize: 2 ** 24 }); // 16 MiB -> 256
  assert.equal(cap, 256);
  const plan = planTiles(3000, 4000, ['relu1_2', 'relu3_1'], { tileSize: effectiveTileSize(1024, cap) });
  for (const t of plan.tiles) assert.ok(256 * (t.y1 - t.y0) * (t.x1 - t.x0) <= 2 ** 24);
});

test('Node sessions have no tile cap (onnxruntime-node, wasm)', async () => {
  const s = await session(['relu1_2']);
  assert.equal(sessionTileLimit(s.session), undefined);
  const img = crop(readPng(path.join(PAIR, 'target.png')), 0, 0, 40, 30);
  const r = await extractFeatures(s, img.planar, { height: 30, width: 40, layers: ['relu1_2'], tileSize: 900, sink() {} });
  assert.equal(r.tileSize, 900);
});

// --- (a) numerics vs the native reference convolution ------------------------------------------

const nativeMissing = existsSync(NATIVE)
  ? false
  : `${path.relative(ROOT, NATIVE)} is not built (cmake --preset native && cmake --build --preset native --target supercolor_native)`;

test('numerics: ORT relu1_2 and relu2_2 on a photo crop equal the native reference convolution (1e-4)', { skip: nativeMissing }, async (t) => {
  const execp = promisify(execFile);
  const photo = path.join(PAIR, 'target.png');
  const [X, Y, W, H] = [211, 87, 64, 48];
  const img = crop(readPng(photo), X, Y, W, H);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'supercolor-native-'));
  try {
    const ref = {};
    for (const layer of /** @type {const} */ (['relu1_2', 'relu2_2'])) {
      const out = path.join(tmp, `${layer}.npy`);
      await execp(NATIVE, ['features', photo, layer, out, '--crop', `${X},${Y},${W},${H}`]);
      ref[layer] = readNpy(await fs.readFile(out));
      const { channels } = layerGeometry(layer);
      assert.deepEqual(ref[layer].shape, [channels, layerSize(layer, H), layerSize(layer, W)], `${layer} native shape`);
    }
    for (const backend of ['node', 'wasm']) {
      const s = await session(['relu2_2'], backend);
      assert.equal(s.backend, backend);
      const got = await runWhole(s, img.planar, H, W, ['relu1_2', 'relu2_2']);
      for (const layer of /** @type {const} */ (['relu1_2', 'relu2_2'])) {
        assert.deepEqual(got[layer].dims.slice(1), ref[layer].shape);
        const d = relDiff(got[layer].data, ref[layer].data);
        assert.ok(d < 1e-4, `${backend} ${layer}: relative difference to the native reference ${d}`);
        t.diagnostic(`${backend} ${layer} vs native: ${d.toExponential(2)}`);
      }
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

// --- (b) tiling through the core's streaming pooling -------------------------------------------

test('tiling through the core: super-features pooled from tiles equal the whole image as one tile (1e-5)', async (t) => {
  const M = await loadWasmCore('simd');
  const target = crop(readPng(path.join(PAIR, 'target.png')), 143, 61, 150, 110);
  const reference = crop(readPng(path.join(PAIR, 'reference.png')), 37, 90, 97, 83);
  const images = [target, reference];

  /** Super-features of both sides, pooled from extractFeatures' tiles of side `tileSize`. */
  async function pooled(layers, tileSize) {
    const pipeline = new M.Pipeline({ layers }, 1, target.rgba, target.width, target.height, reference.rgba, reference.width, reference.height);
    try {
      pipeline.segment();
      const s = await session(layers);
      let tiles = 0;
      for (const [side, img] of images.entries()) {
        const r = await extractFeatures(s, img.planar, {
          height: img.height,
          width: img.width,
          layers,
          tileSize,
          sink(layer, y0, x0, rows, cols, data, rowStride, planeStride) {
            pipeline.addFeatureTile(side, layers.indexOf(layer), y0, x0, rows, cols, data, rowStride, planeStride);
          },
        });
        if (side === 0) tiles = r.tiles;
      }
      assert.equal(pipeline.featuresComplete(), true, `${layers} tile ${tileSize}: every cell delivered`);
      pipeline.match();
      return {
        tiles,
        features: [pipeline.superfeatures(0), pipeline.superfeatures(1)],
        labels: [pipeline.labels(0), pipeline.labels(1)],
        counts: [pipeline.superpixelCount(0), pipeline.superpixelCount(1)],
      };
    } finally {
      pipeline.delete();
    }
  }

  /** Independent pooling of a whole-image feature map (F(i) = mean of f(min(⌊y/s⌋, Hs−1), …)). */
  function poolInJs(map, layer, img, labels, count) {
    const { channels, stride } = layerGeometry(layer);
    const hs = layerSize(layer, img.height);
    const ws = layerSize(layer, img.width);
    const sum = new Float64Array(count * channels);
    const n = new Float64Array(count);
    for (let y = 0; y < img.height; y++) {
      const cy = Math.min(Math.floor(y / stride), hs - 1);
      for (let x = 0; x < img.width; x++) {
        const cx = Math.min(Math.floor(x / stride), ws - 1);
        const i = labels[y * img.width + x];
        n[i]++;
        for (let c = 0; c < channels; c++) sum[i * channels + c] += map[(c * hs + cy) * ws + cx];
      }
    }
    return Float32Array.from(sum, (v, k) => v / n[Math.floor(k / channels)]);
  }

  /** @type {[import('../../web/lib/features/index.mjs').FeatureLayer[], number[]][]} */
  const cases = [
    [['relu1_2'], [37, 64, 101]],
    [['relu2_2'], [30, 57, 99]],
    [['relu3_1'], [45, 77, 128]],
    [['relu1_2', 'relu2_2', 'relu3_1'], [53, 90]],
  ];
  for (const [layers, sizes] of cases) {
    const whole = await pooled(layers, Math.max(target.width, target.height));
    assert.equal(whole.tiles, 1, 'the whole image is one tile');
    assert.ok(whole.counts[0] > 50, 'enough superpixels to mean something');
    // The whole-image pooling itself against a JS pooling of the same ORT maps (single layers).
    if (layers.length === 1) {
      const [layer] = layers;
      const s = await session(layers);
      for (const [side, img] of images.entries()) {
        const map = (await runWhole(s, img.planar, img.height, img.width, [layer]))[layer].data;
        const expected = poolInJs(map, layer, img, whole.labels[side], whole.counts[side]);
        const d = relDiff(whole.features[side], expected);
        assert.ok(d < 1e-5, `${layer} side ${side}: core pooling vs JS pooling ${d}`);
        t.diagnostic(`${layer} side ${side}: core pooling vs JS pooling ${d.toExponential(2)}`);
      }
    }
    let worst = 0;
    for (const tileSize of sizes) {
      const tiled = await pooled(layers, tileSize);
      assert.ok(tiled.tiles > 1, `${layers} tile ${tileSize}: several tiles (${tiled.tiles})`);
      const divides = target.width % tileSize === 0 && target.height % tileSize === 0;
      assert.ok(!divides, 'tile sizes do not divide the image');
      for (const side of [0, 1]) {
        assert.deepEqual(tiled.labels[side], whole.labels[side]);
        const d = relDiff(tiled.features[side], whole.features[side]);
        assert.ok(d < 1e-5, `${layers.join('+')} tile ${tileSize} side ${side}: relative difference ${d}`);
        worst = Math.max(worst, d);
      }
    }
    t.diagnostic(`${layers.join('+')} tiles ${sizes.join(', ')} vs whole: ${worst.toExponential(2)}`);
  }
});
