// Feature runners: numerics against a plain JS VGG reference, tiled == whole image, onnxruntime-node
// vs onnxruntime-web (wasm), model integrity checks.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';

import { DEFAULT_SOURCE } from '../../tools/build-model.mjs';
import {
  ModelIntegrityError,
  createFeatureSession,
  extractFeatures,
  layerGeometry,
  layerSize,
  planTiles,
  selectModel,
} from '../../web/lib/features/index.mjs';
import { PAIR, crop as cropPng, featureModels, openFeatureSession, readPng, relDiff, runWhole as runFeatures } from '../support.mjs';

const { manifest, modelBytes } = await featureModels();
const entryFor = (layers) => selectModel(manifest, layers);

const sessions = [];
async function session(layers, opts = {}) {
  const s = await openFeatureSession(layers, opts);
  sessions.push(s);
  return s;
}
after(async () => {
  for (const s of sessions) await s.release();
});

// --- image helpers -------------------------------------------------------------------------

const png = readPng(path.join(PAIR, 'target.png'));

/** A crop of the photo as planar float32 RGB in [0,1]. */
const crop = (y0, x0, h, w) => cropPng(png, x0, y0, w, h).planar;

/** Whole-image run: {layer: Float32Array}, each of the layer's shape. */
async function runWhole(s, image, h, w, layers) {
  const r = await runFeatures(s, image, h, w, layers);
  for (const l of layers) assert.deepEqual(r[l].dims, [1, layerGeometry(l).channels, layerSize(l, h), layerSize(l, w)]);
  return Object.fromEntries(layers.map((l) => [l, r[l].data]));
}

// --- plain JS reference, straight from the TF.js shards (float64) ---------------------------

async function referenceWeights() {
  const model = JSON.parse(await fs.readFile(path.join(DEFAULT_SOURCE, 'model.json'), 'utf8'));
  const w = {};
  for (const g of model.weightsManifest.slice(0, 5)) {
    const buf = await fs.readFile(path.join(DEFAULT_SOURCE, g.paths[0]));
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    let off = 0;
    for (const t of g.weights) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      w[t.name] = all.subarray(off, off + n);
      off += n;
    }
  }
  return w;
}

/** 3x3 conv, zero padding 1, + bias, ReLU. x: [C,H,W]; kernel HWIO [3,3,C,O]. */
function convRelu(x, C, H, W, kernel, bias, O) {
  const out = new Float64Array(O * H * W);
  for (let o = 0; o < O; o++) {
    const po = out.subarray(o * H * W, (o + 1) * H * W);
    po.fill(bias[o]);
    for (let i = 0; i < C; i++) {
      for (let ky = 0; ky < 3; ky++) {
        for (let kx = 0; kx < 3; kx++) {
          const wv = kernel[((ky * 3 + kx) * C + i) * O + o];
          for (let y = Math.max(0, 1 - ky); y < Math.min(H, H + 1 - ky); y++) {
            const src = (i * H + y + ky - 1) * W + kx - 1;
            const dst = y * W;
            for (let xx = Math.max(0, 1 - kx); xx < Math.min(W, W + 1 - kx); xx++) po[dst + xx] += wv * x[src + xx];
          }
        }
      }
    }
    for (let k = 0; k < po.length; k++) if (po[k] < 0) po[k] = 0;
  }
  return out;
}

function maxPool(x, C, H, W) {
  const h = Math.floor(H / 2);
  const w = Math.floor(W / 2);
  const out = new Float64Array(C * h * w);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        const p = (c * H + 2 * y) * W + 2 * xx;
        out[(c * h + y) * w + xx] = Math.max(x[p], x[p + 1], x[p + W], x[p + W + 1]);
      }
  return out;
}

function referenceFeatures(w, rgb, H, W) {
  // caffe: BGR, x255, minus mean; zero padding applies to these values
  const mean = [103.939, 116.779, 123.68];
  const x = new Float64Array(3 * H * W);
  for (let c = 0; c < 3; c++)
    for (let k = 0; k < H * W; k++) x[c * H * W + k] = rgb[(2 - c) * H * W + k] * 255 - mean[c];
  const c = (name, inp, C, h, ww, O) => convRelu(inp, C, h, ww, w[`${name}/kernel`], w[`${name}/bias`], O);
  const r11 = c('block1_conv1', x, 3, H, W, 64);
  const relu1_2 = c('block1_conv2', r11, 64, H, W, 64);
  const [H2, W2] = [Math.floor(H / 2), Math.floor(W / 2)];
  const relu2_1 = c('block2_conv1', maxPool(relu1_2, 64, H, W), 64, H2, W2, 128);
  const relu2_2 = c('block2_conv2', relu2_1, 128, H2, W2, 128);
  const [H4, W4] = [Math.floor(H2 / 2), Math.floor(W2 / 2)];
  const relu3_1 = c('block3_conv1', maxPool(relu2_2, 128, H2, W2), 128, H4, W4, 256);
  return { relu1_2, relu2_1, relu2_2, relu3_1 };
}

// --- tests ---------------------------------------------------------------------------------

test('model selection: the smallest model that has every requested layer', () => {
  assert.equal(entryFor(['relu1_2']).file, 'vgg19-relu1_2.onnx');
  assert.equal(entryFor(['relu2_1']).file, 'vgg19-relu2_1.onnx');
  assert.equal(entryFor(['relu1_2', 'relu2_2']).file, 'vgg19-relu2_2.onnx');
  assert.equal(entryFor(['relu3_1', 'relu1_2']).file, 'vgg19-relu3_1.onnx');
  assert.throws(() => entryFor(['relu4_1']), /unknown feature layer "relu4_1"/);
  assert.throws(() => entryFor([]), /no feature layer/);
});

test('receptive-field margins and tile plans', () => {
  assert.deepEqual(
    /** @type {const} */ (['relu1_2', 'relu2_1', 'relu2_2', 'relu3_1']).map((l) => [layerGeometry(l).stride, layerGeometry(l).margin]),
    [
      [1, 2],
      [2, 4],
      [2, 6],
      [4, 10],
    ],
  );
  for (const [layers, tileSize] of /** @type {[import('../../web/lib/features/index.mjs').FeatureLayer[], number][]} */ ([
    [['relu1_2'], 7],
    [['relu2_2'], 19],
    [['relu3_1'], 33],
    [['relu1_2', 'relu3_1'], 100],
  ])) {
    const H = 203;
    const W = 121;
    const p = planTiles(H, W, layers, { tileSize });
    const S = p.stride;
    assert.ok(p.halo >= Math.max(...layers.map((l) => layerGeometry(l).margin)) && p.halo % S === 0);
    const cover = new Uint8Array(H * W);
    for (const t of p.tiles) {
      assert.ok(t.y0 % S === 0 && t.x0 % S === 0, 'tile origins aligned to the stride');
      assert.ok(t.y1 - t.y0 <= tileSize && t.x1 - t.x0 <= tileSize, 'tile within tileSize');
      for (let y = t.core.y0; y < t.core.y1; y++) for (let x = t.core.x0; x < t.core.x1; x++) cover[y * W + x]++;
    }
    assert.ok(cover.every((c) => c === 1), 'cores partition the image');
  }
  assert.deepEqual(planTiles(40, 30, ['relu3_1']).tiles.length, 1, 'small image: one tile');
  assert.throws(() => planTiles(3, 30, ['relu3_1']), /too small for relu3_1/);
  assert.throws(() => planTiles(300, 300, ['relu3_1'], { tileSize: 20 }), /tileSize must be an integer >= 28/);
});

test('numerics: ORT relu1_2, relu2_2, relu3_1 match a plain JS reference from the TF.js shards', async () => {
  const [H, W] = [36, 40];
  const image = crop(120, 200, H, W);
  const ref = referenceFeatures(await referenceWeights(), image, H, W);
  const s = await session(['relu3_1']);
  assert.equal(s.backend, 'node', 'onnxruntime-node is the default in Node');
  const got = await runWhole(s, image, H, W, ['relu1_2', 'relu2_2', 'relu3_1']);
  for (const l of ['relu1_2', 'relu2_2', 'relu3_1']) {
    const d = relDiff(got[l], ref[l]);
    assert.ok(d < 1e-4, `${l}: relative difference ${d}`);
  }
  // The relu1_2-only model gives the same relu1_2.
  const s12 = await session(['relu1_2']);
  assert.ok(relDiff((await runWhole(s12, image, H, W, ['relu1_2'])).relu1_2, ref.relu1_2) < 1e-4);
});

test('tiling: stitched valid interiors equal whole-image features, each cell delivered once', async () => {
  const [H, W] = [59, 67];
  const image = crop(200, 150, H, W);
  const whole = await runWhole(await session(['relu3_1']), image, H, W, ['relu1_2', 'relu2_1', 'relu2_2', 'relu3_1']);
  /** @type {[import('../../web/lib/features/index.mjs').FeatureLayer[], number[]][]} */
  const cases = [
    [['relu1_2'], [7, 16, 29, 512]],
    [['relu2_2'], [14, 23, 40]],
    [['relu3_1'], [28, 33, 50]],
    [['relu1_2', 'relu2_1', 'relu3_1'], [37]],
  ];
  for (const [layers, sizes] of cases) {
    const s = await session(layers);
    for (const tileSize of sizes) {
      const maps = {};
      const counts = {};
      for (const l of layers) {
        const { channels } = layerGeometry(l);
        maps[l] = new Float32Array(channels * layerSize(l, H) * layerSize(l, W));
        counts[l] = new Uint8Array(layerSize(l, H) * layerSize(l, W));
      }
      const res = await extractFeatures(s, image, {
        height: H,
        width: W,
        layers,
        tileSize,
        sink(layer, y0, x0, rows, cols, data, rowStride, planeStride) {
          const lh = layerSize(layer, H);
          const lw = layerSize(layer, W);
          assert.ok(y0 >= 0 && x0 >= 0 && y0 + rows <= lh && x0 + cols <= lw, 'block inside the layer');
          for (let r = 0; r < rows; r++) for (let x = 0; x < cols; x++) counts[layer][(y0 + r) * lw + x0 + x]++;
          for (let c = 0; c < layerGeometry(layer).channels; c++)
            for (let r = 0; r < rows; r++)
              for (let x = 0; x < cols; x++) maps[layer][(c * lh + y0 + r) * lw + x0 + x] = data[c * planeStride + r * rowStride + x];
        },
      });
      assert.equal(res.backend, 'node');
      if (tileSize < 50) assert.ok(res.tiles > 1, `tileSize ${tileSize} gives several tiles`);
      for (const l of layers) {
        assert.ok(counts[l].every((c) => c === 1), `${l} tile ${tileSize}: every cell exactly once`);
        const d = relDiff(maps[l], whole[l]);
        assert.ok(d < 1e-5, `${l} tile ${tileSize}: relative difference ${d}`);
      }
    }
  }
});

test('onnxruntime-node and onnxruntime-web (wasm) agree; the backend used is reported', async () => {
  const [H, W] = [36, 40];
  const image = crop(60, 300, H, W);
  const layers = ['relu1_2', 'relu2_1', 'relu2_2', 'relu3_1'];
  const nodeS = await session(layers, { backend: 'node' });
  const wasmS = await session(layers, { backend: 'wasm' });
  assert.equal(nodeS.backend, 'node');
  assert.equal(wasmS.backend, 'wasm');
  const a = await runWhole(nodeS, image, H, W, layers);
  const b = await runWhole(wasmS, image, H, W, layers);
  for (const l of layers) {
    const d = relDiff(b[l], a[l]);
    assert.ok(d < 1e-4, `${l}: node vs wasm relative difference ${d}`);
  }
  // Tiled on wasm too.
  const lw = layerSize('relu2_2', W);
  const lh = layerSize('relu2_2', H);
  const map = new Float32Array(128 * lh * lw);
  const res = await extractFeatures(wasmS, image, {
    height: H,
    width: W,
    layers: ['relu2_2'],
    tileSize: 20,
    sink(layer, y0, x0, rows, cols, data, rowStride, planeStride) {
      for (let c = 0; c < 128; c++)
        for (let r = 0; r < rows; r++)
          for (let x = 0; x < cols; x++) map[(c * lh + y0 + r) * lw + x0 + x] = data[c * planeStride + r * rowStride + x];
    },
  });
  assert.equal(res.backend, 'wasm');
  assert.ok(res.tiles > 1);
  assert.ok(relDiff(map, a.relu2_2) < 1e-4);
  await assert.rejects(session(layers, { backend: 'webgl' }), /unknown ONNX Runtime backend "webgl"/);
});

test('a corrupted or truncated model is refused before ONNX Runtime sees it', async () => {
  const entry = entryFor(['relu1_2']);
  const good = modelBytes.relu1_2;
  const flipped = good.slice();
  flipped[flipped.length - 1000] ^= 0x10; // inside block1_conv2's weights: ORT alone would load this
  const ort = await import('onnxruntime-node');
  await (await ort.InferenceSession.create(flipped)).release();

  await assert.rejects(createFeatureSession(flipped, entry), (e) => {
    assert.ok(e instanceof ModelIntegrityError);
    assert.equal(e.code, 'MODEL_INTEGRITY');
    assert.match(e.message, /vgg19-relu1_2\.onnx has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}.*refusing to load it/);
    return true;
  });
  await assert.rejects(createFeatureSession(good.subarray(0, 100000), entry, { backend: 'wasm' }), (e) => {
    assert.ok(e instanceof ModelIntegrityError);
    assert.match(e.message, /is 100000 bytes, expected 156563 \(truncated download\?\)/);
    return true;
  });
  await assert.rejects(createFeatureSession(modelBytes.relu2_1, entry), ModelIntegrityError, 'another model');
});
