// The wasm module (src/wasm/*_bindings.cpp) in Node 20, both variants, as built by
// tools/build-wasm.sh into wasm/ (or SUPERCOLOR_WASM_DIR), loaded by the package's loader
// (dist/loader.js).
// Run: node --test tests/node/wasm.test.mjs
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { PAIR, WASM_DIR, distUrl, loadWasmCore, wasmModuleUrl } from '../support.mjs';

const VARIANTS = ['threads', 'simd'];
const LAYERS = ['relu1_2', 'relu2_1'];

// Deterministic pseudo-random numbers (LCG).
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

// RGBA8 image: smooth gradients, a disc, noise, and a non-trivial alpha channel.
function syntheticRgba(width, height, seed) {
  const random = rng(seed);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; ++y) {
    for (let x = 0; x < width; ++x) {
      const i = 4 * (y * width + x);
      const u = x / width, v = y / height;
      const inDisc = (u - 0.6) ** 2 + (v - 0.4) ** 2 < 0.05;
      const base = inDisc ? [0.9, 0.3 + 0.2 * u, 0.1] : [0.2 + 0.6 * u, 0.3 + 0.5 * v, 0.8 - 0.5 * u * v];
      for (let c = 0; c < 3; ++c) {
        const value = base[c] + 0.08 * (random() - 0.5) + 0.1 * Math.sin((seed + 1) * (x + 2 * c) * 0.3);
        data[i + c] = Math.max(0, Math.min(255, Math.round(value * 255)));
      }
      data[i + 3] = 255 - ((x * 7 + y * 3) % 11);
    }
  }
  return { width, height, data };
}

// Synthetic feature map of a layer: channel c at cell (y, x) is a fixed function of the colour of
// pixel (y*stride, x*stride). Channel-planar (NCHW) like ONNX output: [c][y][x].
function syntheticFeatures(image, channels, stride, mapHeight, mapWidth) {
  const out = new Float32Array(channels * mapHeight * mapWidth);
  for (let y = 0; y < mapHeight; ++y) {
    for (let x = 0; x < mapWidth; ++x) {
      const p = 4 * (y * stride * image.width + x * stride);
      const r = image.data[p] / 255, g = image.data[p + 1] / 255, b = image.data[p + 2] / 255;
      for (let c = 0; c < channels; ++c) {
        const w = c + 1;
        out[(c * mapHeight + y) * mapWidth + x] =
          Math.max(0, Math.sin(w * 0.7 * r + w * 0.3 * g - w * 0.5 * b + c * 0.1) + 0.2 * (c % 5) * g);
      }
    }
  }
  return out;
}

// Feeds a layer's map in tiles of uneven sizes, some with padded row and plane strides.
function feedTiles(pipeline, side, layer, map, channels, mapHeight, mapWidth) {
  const tileRows = 13, tileCols = 17;
  let tiles = 0;
  for (let y0 = 0; y0 < mapHeight; y0 += tileRows) {
    for (let x0 = 0; x0 < mapWidth; x0 += tileCols) {
      const rows = Math.min(tileRows, mapHeight - y0), cols = Math.min(tileCols, mapWidth - x0);
      const padded = tiles % 2 === 1;
      const rowStride = cols + (padded ? 3 : 0);
      const planeStride = rows * rowStride + (padded ? 5 : 0);
      const tile = new Float32Array(channels * planeStride);
      tile.fill(padded ? Number.NaN : 0);  // padding must never be read
      for (let c = 0; c < channels; ++c) {
        for (let r = 0; r < rows; ++r) {
          for (let col = 0; col < cols; ++col) {
            tile[c * planeStride + r * rowStride + col] = map[(c * mapHeight + y0 + r) * mapWidth + x0 + col];
          }
        }
      }
      pipeline.addFeatureTile(side, layer, y0, x0, rows, cols, tile, rowStride, planeStride);
      ++tiles;
    }
  }
  return tiles;
}

const TARGET = syntheticRgba(64, 48, 1);
const REFERENCE = syntheticRgba(56, 40, 2);

// params may carry `threads` (the constructor's own argument, default 1).
function newPipeline(M, params = {}, target = TARGET, reference = REFERENCE) {
  const { threads = 1, ...method } = params;
  return new M.Pipeline(method, threads, target.data, target.width, target.height,
                        reference.data, reference.width, reference.height);
}

function feedAllFeatures(M, pipeline, target = TARGET, reference = REFERENCE) {
  LAYERS.forEach((name, layer) => {
    const channels = pipeline.featureChannels(layer);
    const stride = { relu1_2: 1, relu2_1: 2 }[name];
    [target, reference].forEach((image, side) => {
      const h = pipeline.featureMapHeight(side, layer), w = pipeline.featureMapWidth(side, layer);
      assert.equal(h, Math.floor(image.height / stride));
      assert.equal(w, Math.floor(image.width / stride));
      feedTiles(pipeline, side, layer, syntheticFeatures(image, channels, stride, h, w), channels, h, w);
    });
  });
}

// The whole pipeline; returns everything the checks compare.
function runPipeline(M, params) {
  const pipeline = newPipeline(M, { layers: LAYERS, ...params });
  try {
    const progress = [];
    pipeline.setProgress((stage, fraction) => progress.push([stage, fraction]));
    pipeline.segment();
    const labels = pipeline.labels(0);
    const counts = [pipeline.superpixelCount(0), pipeline.superpixelCount(1)];
    assert.equal(pipeline.featuresComplete(), false);
    feedAllFeatures(M, pipeline);
    assert.equal(pipeline.featuresComplete(), true);
    pipeline.match();
    const direct = pipeline.directColors();
    const superfeatures = pipeline.superfeatures(0);
    const attention = pipeline.attentionRows(0, 3);
    pipeline.fuse();
    const fused = pipeline.fused();
    pipeline.finish();
    pipeline.upsample();
    return {
      labels, counts, direct, superfeatures, attention, fused, progress,
      channels: pipeline.superfeatureChannels(),
      meanColors: pipeline.meanColors(0),
      painted: pipeline.paintSuperpixels(0, direct),
      result: pipeline.result(),
      rgba: pipeline.output(),
      threads: pipeline.threads(),
    };
  } finally {
    pipeline.delete();
  }
}

function expectCode(fn, code) {
  assert.throws(fn, (/** @type {Error & {code?: string}} */ e) => {
    assert.ok(e instanceof Error, `expected an Error, got ${e}`);
    assert.equal(e.code, code, `code of "${e.message}"`);
    assert.ok(e.message.length > 0);
    return true;
  });
}

describe('supercolor wasm module', () => {
  const modules = {};
  before(async () => {
    for (const variant of VARIANTS) {
      const file = path.join(WASM_DIR, `supercolor-${variant}.wasm`);
      assert.ok(existsSync(file), `${file} missing: run tools/build-wasm.sh`);
      // A fixed pool of 3 workers (the default depends on navigator.hardwareConcurrency, absent in
      // Node 20), loaded by the package's loader (dist/loader.js).
      modules[variant] = await loadWasmCore(variant, 4);
    }
  });

  test('loads both variants', () => {
    for (const variant of VARIANTS) {
      const M = modules[variant];
      assert.match(M.version(), /^\d+\.\d+\.\d+$/);
      assert.equal(typeof M.Pipeline, 'function');
    }
    // 3 pool workers: 4 threads with the caller.
    assert.equal(modules.threads.maxThreads(), 4);
    assert.equal(modules.threads.PThread.unusedWorkers.length, 3);
    assert.equal(modules.simd.maxThreads(), 1);
  });

  const results = {};
  for (const variant of VARIANTS) {
    test(`whole pipeline (${variant})`, () => {
      const M = modules[variant];
      const r = runPipeline(M, { threads: M.maxThreads() });
      results[variant] = r;
      const n = TARGET.width * TARGET.height;
      const [nT, nR] = r.counts;
      assert.equal(r.threads, variant === 'threads' ? 4 : 1);
      assert.ok(r.labels instanceof Int32Array);
      assert.equal(r.labels.length, n);
      assert.ok(nT > 10 && nT <= n && nR > 10);
      for (const label of r.labels) assert.ok(label >= 0 && label < nT);
      assert.equal(r.channels, 64 + 128);
      assert.ok(r.superfeatures instanceof Float32Array);
      assert.equal(r.superfeatures.length, nT * r.channels);
      assert.ok(r.direct instanceof Float32Array);
      assert.equal(r.direct.length, nT * 3);
      for (const v of r.direct) assert.ok(v >= 0 && v <= 1);
      assert.equal(r.meanColors.length, nT * 3);
      assert.equal(r.attention.length, 3 * nR);
      for (let i = 0; i < 3; ++i) {
        const sum = r.attention.subarray(i * nR, (i + 1) * nR).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-4, `attention row ${i} sums to ${sum}`);
      }
      assert.equal(r.fused.length, 3 * n);
      assert.equal(r.painted.length, 3 * n);
      assert.equal(r.result.length, 3 * n);
      assert.ok(r.rgba instanceof Uint8Array);
      assert.equal(r.rgba.length, 4 * n);
      for (let p = 0; p < n; ++p) assert.equal(r.rgba[4 * p + 3], TARGET.data[4 * p + 3], 'alpha kept');
      // The output arrays are copies, not views of the (possibly shared) wasm heap.
      assert.ok(r.rgba.buffer instanceof ArrayBuffer);
      assert.equal(r.rgba.buffer.byteLength, r.rgba.length);
      const stages = [...new Set(r.progress.map(([stage]) => stage))];
      assert.deepEqual(stages, ['segment', 'features', 'match', 'fuse', 'regrain', 'upsample']);
      for (const [, fraction] of r.progress) assert.ok(fraction >= 0 && fraction <= 1);
    });
  }

  test('both variants and every thread count give identical results', () => {
    assert.ok(results.threads && results.simd, 'pipeline tests ran');
    for (const key of ['labels', 'direct', 'superfeatures', 'fused', 'result', 'rgba']) {
      assert.deepEqual(results.threads[key], results.simd[key], key);
    }
    const single = runPipeline(modules.threads, { threads: 1 });
    assert.deepEqual(single.rgba, results.threads.rgba);
    // More threads than the pool holds are limited to it (no deadlock).
    const many = runPipeline(modules.threads, { threads: 64 });
    assert.equal(many.threads, 4);
    assert.deepEqual(many.rgba, results.threads.rgba);
    // Every pthread went back to the pool.
    assert.equal(modules.threads.PThread.runningWorkers.length, 0);
    assert.equal(modules.threads.PThread.unusedWorkers.length, 3);
  });

  test('fusion and regrain parameters reach the core', () => {
    const M = modules.simd;
    const plain = runPipeline(M, { regrain: 'none', fusionRadius: Infinity });
    assert.deepEqual(plain.result, plain.fused.map((v) => Math.min(1, Math.max(0, v))));
    const other = runPipeline(M, { superpixels: 40, tau: 0.05, sigmaG: 0.05, regrainIterations: [2, 4] });
    assert.ok(other.counts[0] < results.simd.counts[0]);
    assert.notDeepEqual(other.rgba, results.simd.rgba);
  });

  for (const variant of VARIANTS) {
    test(`errors carry their code and leave the module usable (${variant})`, () => {
      const M = modules[variant];
      const empty = { width: 0, height: 0, data: new Uint8Array(0) };
      expectCode(() => newPipeline(M, { tau: -1 }), 'invalid_argument');
      expectCode(() => newPipeline(M, { tau: 'big' }), 'invalid_argument');
      expectCode(() => newPipeline(M, { superpixels: 1e6 }), 'invalid_argument');  // K > n
      expectCode(() => newPipeline(M, { superpixels: 2.5 }), 'invalid_argument');
      expectCode(() => newPipeline(M, { layers: ['conv9_9'] }), 'invalid_argument');
      expectCode(() => newPipeline(M, { sigmaG: 0, typo: 1 }), 'invalid_argument');
      expectCode(() => newPipeline(M, { threads: 0 }), 'invalid_argument');
      expectCode(() => newPipeline(M, {}, empty), 'invalid_argument');
      expectCode(() => newPipeline(M, {}, TARGET, empty), 'invalid_argument');
      expectCode(() => newPipeline(M, {}, { ...TARGET, width: 65 }), 'invalid_argument');
      const wide = { width: 40000, height: 1, data: new Uint8Array(4 * 40000) };
      expectCode(() => newPipeline(M, {}, wide), 'image_too_large');

      const pipeline = newPipeline(M, { layers: LAYERS });
      try {
        expectCode(() => pipeline.match(), 'bad_state');
        expectCode(() => pipeline.labels(0), 'bad_state');
        expectCode(() => pipeline.addFeatureTile(0, 0, 0, 0, 1, 1, new Float32Array(64), 1, 1), 'bad_state');
        pipeline.segment();
        expectCode(() => pipeline.match(), 'bad_state');  // before the features
        expectCode(() => pipeline.directColors(), 'bad_state');
        expectCode(() => pipeline.labels(2), 'invalid_argument');
        expectCode(() => pipeline.featureMapHeight(0, 5), 'invalid_argument');
        const tile = new Float32Array(64 * 4);
        expectCode(() => pipeline.addFeatureTile(0, 0, 47, 0, 2, 2, tile, 2, 4), 'invalid_argument');  // leaves the map
        expectCode(() => pipeline.addFeatureTile(0, 0, 0, -1, 2, 2, tile, 2, 4), 'invalid_argument');
        expectCode(() => pipeline.addFeatureTile(0, 2, 0, 0, 2, 2, tile, 2, 4), 'invalid_argument');  // no layer 2
        expectCode(() => pipeline.addFeatureTile(0, 0, 0, 0, 2, 2, tile.subarray(1), 2, 4), 'invalid_argument');  // short
        expectCode(() => pipeline.addFeatureTile(0, 0, 0, 0, 2, 2, tile, -2, 4), 'invalid_argument');
        expectCode(() => pipeline.addFeatureTile(0, 0, 0, 0, 2, 2, new Float32Array(64 * 4).fill(NaN), 2, 4), 'invalid_argument');
        pipeline.addFeatureTile(0, 0, 0, 0, 2, 2, tile, 2, 4);
        expectCode(() => pipeline.addFeatureTile(0, 0, 1, 1, 1, 1, tile, 1, 1), 'invalid_argument');  // overlap
        expectCode(() => pipeline.paintSuperpixels(0, new Float32Array(5)), 'invalid_argument');
        expectCode(() => pipeline.setProgress(42), 'invalid_argument');
      } finally {
        pipeline.delete();
      }
      expectCode(() => M.encodePng(new Uint8Array(3), 1, 1), 'invalid_argument');
      expectCode(() => M.rgbToRgba(new Float32Array(2), 1, 1), 'invalid_argument');

      // An exception thrown by the progress callback comes back as it was thrown.
      const thrown = new RangeError('stop here');
      const throwing = newPipeline(M, { layers: LAYERS });
      try {
        let calls = 0;
        throwing.setProgress((stage, fraction) => {
          ++calls;
          if (stage === 'segment' && fraction > 0 && fraction < 1) throw thrown;
        });
        assert.throws(() => throwing.segment(), (e) => e === thrown);
        expectCode(() => throwing.labels(0), 'bad_state');  // segment() did not complete
        throwing.setProgress(null);
        throwing.segment();
        assert.ok(calls >= 2 && throwing.superpixelCount(0) > 0);
      } finally {
        throwing.delete();
      }

      // Still usable: many errors later, a full run gives the same result as before.
      for (let i = 0; i < 2000; ++i) {
        assert.throws(() => newPipeline(M, { tau: -1 }));
        assert.throws(() => M.decodeImage(new Uint8Array([1, 2, 3])));
      }
      if (M.stackSave) {
        const sp = M.stackSave();
        for (let i = 0; i < 100; ++i) {
          assert.throws(() => M.decodeImage(new Uint8Array(4)));
          const p = newPipeline(M, { layers: LAYERS });
          p.setProgress(() => { throw new Error('x'); });
          assert.throws(() => p.segment());
          p.delete();
        }
        assert.equal(M.stackSave(), sp, 'no wasm stack leaked by errors');
      }
      assert.deepEqual(runPipeline(M, { threads: M.maxThreads() }).rgba, results[variant].rgba);
    });
  }

  for (const variant of VARIANTS) {
    test(`the cancellation flag in wasm memory stops a stage; resetCancel clears it (${variant})`, () => {
      const M = modules[variant];
      const address = M.cancelFlagAddress();
      assert.ok(Number.isInteger(address) && address > 0 && address < M.HEAP8.length);
      // The threaded build's memory is shared, so another thread can raise the flag mid-stage.
      assert.equal(M.HEAP8.buffer instanceof SharedArrayBuffer, variant === 'threads');
      const pipeline = newPipeline(M);
      try {
        Atomics.store(M.HEAP8, address, 1);
        expectCode(() => pipeline.segment(), 'cancelled');
        expectCode(() => pipeline.labels(0), 'bad_state'); // nothing was committed
        M.resetCancel();
        assert.equal(Atomics.load(M.HEAP8, address), 0);
        pipeline.segment();
        assert.ok(pipeline.superpixelCount(0) > 1);
      } finally {
        M.resetCancel();
        pipeline.delete();
      }
    });
  }

  for (const variant of VARIANTS) {
    test(`decode and encode (${variant})`, () => {
      const M = modules[variant];
      const png = readFileSync(path.join(PAIR, 'target.png'));
      const image = M.decodeImage(new Uint8Array(png));
      assert.equal(image.width, 481);
      assert.equal(image.height, 361);
      assert.ok(image.data instanceof Uint8Array);
      assert.equal(image.data.length, 481 * 361 * 4);

      expectCode(() => M.decodeImage(new TextEncoder().encode('this is not an image at all')), 'decode_failed');
      expectCode(() => M.decodeImage(new Uint8Array(0)), 'decode_failed');
      expectCode(() => M.decodeImage(new Uint8Array(png.subarray(0, png.length >> 1))), 'decode_failed');
      expectCode(() => M.decodeImage(new Uint8Array(png.subarray(0, 40))), 'decode_failed');

      const encoded = M.encodePng(TARGET.data, TARGET.width, TARGET.height);
      assert.deepEqual([...encoded.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      const back = M.decodeImage(encoded);
      assert.equal(back.width, TARGET.width);
      assert.equal(back.height, TARGET.height);
      assert.deepEqual(back.data, TARGET.data);

      const jpeg = M.encodeJpeg(image.data, image.width, image.height, 90);
      assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
      const jback = M.decodeImage(jpeg);
      assert.equal(jback.width, 481);
      assert.equal(jback.height, 361);
      let err = 0;
      for (let i = 0; i < jback.data.length; i += 4) err += Math.abs(jback.data[i] - image.data[i]);
      assert.ok(err / (481 * 361) < 8, `JPEG q90 mean error ${err / (481 * 361)}`);

      assert.deepEqual([...M.rgbToRgba(new Float32Array([0, 0.5, 1.2, -1, 1, 0.25]), 2, 1)],
                       [0, 128, 255, 255, 0, 255, 64, 255]);
    });
  }

  test('a Node process using the threaded module exits by itself', () => {
    const script = `
      const { loadCore } = await import(${JSON.stringify(distUrl('loader.js'))});
      const M = await loadCore(${JSON.stringify(wasmModuleUrl('threads'))}, 'threads', 4);
      const w = 32, h = 24, n = w * h;
      const img = new Uint8Array(4 * n).map((_, i) => (i * 37) % 256);
      const p = new M.Pipeline({}, 4, img, w, h, img, w, h);
      p.segment();
      console.log('segmented', p.superpixelCount(0));
      p.delete();
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script],
                          { encoding: 'utf8', timeout: 30000 });
    assert.equal(run.error, undefined, `child did not exit: ${run.error}`);
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    assert.match(run.stdout, /segmented \d+/);
  });
});
