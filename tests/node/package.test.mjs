// The npm package's public API in Node (dist/, as built by tools/build.sh): end-to-end transfers
// with both core builds and against the native pipeline given the same features, cancellation,
// progress, parameter validation, undecodable files, intermediate results.
// Run: node --test tests/node/package.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { KODAK_PAIR, NATIVE, PAIR, ROOT, compareRgb, distUrl as dist, downscale } from '../support.mjs';

/** @type {typeof import('../../web/lib/index.js')} */

const { createColorTransfer, SupercolorError, STAGES, DEFAULT_PARAMS } = await import(dist('index.js'));
/** @type {typeof import('../../web/lib/codec.js')} */
const { decodeImage, encodePng } = await import(dist('codec.js'));
/** @type {typeof import('../../web/lib/npy.js')} */
const { encodeNpy } = await import(dist('npy.js'));
/** @type {typeof import('../../web/lib/engine.js')} */
const { planarRgb } = await import(dist('engine.js'));
/** @type {typeof import('../../web/lib/features/index.mjs')} */
const features = await import(dist('features/index.mjs'));

const execFileAsync = promisify(execFile);
const quiet = () => undefined;

async function loadImage(file) {
  return decodeImage(new Uint8Array(readFileSync(file)));
}

let work;
/** @type {import('../../web/lib/index.js').ColorTransfer} */
let ctThreads;
/** @type {import('../../web/lib/index.js').ColorTransfer} */
let ctSimd;
/** name -> {target, reference: {data, width, height}, targetFile, referenceFile} */
const pairs = {};

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'supercolor-package-'));
  // Start loading both engines while the images are prepared.
  // (Promises for a moment: awaited together on the next line.)
  ctThreads = /** @type {any} */ (createColorTransfer({ core: 'threads', threads: 2, logger: quiet }));
  ctSimd = /** @type {any} */ (createColorTransfer({ core: 'simd', logger: quiet }));
  [ctThreads, ctSimd] = await Promise.all([ctThreads, ctSimd]);

  pairs.pitie = {
    targetFile: path.join(PAIR, 'target.png'),
    referenceFile: path.join(PAIR, 'reference.png'),
  };
  // A Kodak pair at half size (384x256), written as PNG so the native tool reads the same pixels.
  pairs.kodak = {};
  for (const side of ['target', 'reference']) {
    const small = downscale(await loadImage(path.join(KODAK_PAIR, `${side}.png`)), 2);
    const file = path.join(work, `kodak_${side}.png`);
    writeFileSync(file, await encodePng(small));
    pairs.kodak[`${side}File`] = file;
  }
  for (const pair of Object.values(pairs)) {
    pair.target = await loadImage(pair.targetFile);
    pair.reference = await loadImage(pair.referenceFile);
  }
});

after(() => {
  ctThreads?.dispose();
  ctSimd?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Writes the whole-image ONNX Runtime feature maps of `image` as DIR/LAYER.npy (C x H x W). */
async function writeFeatureMaps(session, image, layers, dir) {
  mkdirSync(dir, { recursive: true });
  const maps = {};
  const info = await features.extractFeatures(session, planarRgb(image), {
    height: image.height,
    width: image.width,
    layers,
    tileSize: 1 << 15, // one tile: the whole image
    sink: (layer, y0, x0, rows, cols, data, rowStride, planeStride) => {
      const channels = session.geometry[layer].channels;
      const packed = new Float32Array(channels * rows * cols);
      for (let c = 0; c < channels; c++) {
        for (let r = 0; r < rows; r++) {
          const from = c * planeStride + r * rowStride;
          packed.set(data.subarray(from, from + cols), (c * rows + r) * cols);
        }
      }
      assert.equal(y0, 0);
      assert.equal(x0, 0);
      maps[layer] = { packed, shape: [channels, rows, cols] };
    },
  });
  assert.equal(info.tiles, 1);
  for (const layer of layers) writeFileSync(path.join(dir, `${layer}.npy`), encodeNpy(maps[layer].packed, maps[layer].shape));
}

describe('end to end', () => {
  const results = {};
  const progress = {};

  test('both core builds give identical pixels on two pairs', async () => {
    assert.equal(ctThreads.backend.core, 'threads');
    assert.equal(ctThreads.backend.threads, 2);
    assert.equal(ctSimd.backend.core, 'simd');
    assert.equal(ctSimd.backend.threads, 1);
    assert.match(ctSimd.backend.reason, /requested/);
    for (const [name, pair] of Object.entries(pairs)) {
      for (const [core, ct] of /** @type {[string, import('../../web/lib/index.js').ColorTransfer][]} */ ([['threads', ctThreads], ['simd', ctSimd]])) {
        const events = [];
        // File paths for one pair, RGBA pixels for the other: both input kinds.
        const [target, reference] = name === 'pitie' ? [pair.targetFile, pair.referenceFile] : [pair.target, pair.reference];
        const result = await ct.transfer(target, reference, {}, { onProgress: (p) => events.push(p) });
        assert.equal(result.width, pair.target.width);
        assert.equal(result.height, pair.target.height);
        assert.ok(result.data instanceof Uint8ClampedArray);
        assert.equal(result.data.length, 4 * result.width * result.height);
        assert.equal(result.backend.core, core);
        assert.equal(result.backend.features, 'node');
        assert.equal(result.intermediates, undefined);
        for (const stage of STAGES) assert.ok(Number.isFinite(result.timings[stage]) && result.timings[stage] >= 0, `timing of ${stage}`);
        results[`${name}/${core}`] = result;
        progress[`${name}/${core}`] = events;
      }
      const { max, differing } = compareRgb(results[`${name}/threads`].data, results[`${name}/simd`].data);
      assert.equal(max, 0, `${name}: threads and simd differ in ${differing} values (max ${max})`);
      // The target's alpha (opaque) is kept.
      const data = results[`${name}/threads`].data;
      for (let i = 3; i < data.length; i += 4) assert.equal(data[i], 255);
      // The result is not the target itself.
      assert.ok(compareRgb(data, pair.target.data).max > 10, `${name}: the result equals the target`);
    }
  });

  test('progress is reported for every stage, in order, with fractions in [0, 1]', () => {
    assert.ok(Object.keys(progress).length > 0, 'needs the previous test');
    for (const [key, events] of Object.entries(progress)) {
      const seen = new Set(events.map((e) => e.stage));
      assert.deepEqual([...seen], [...STAGES], `${key}: stages reported`);
      let last = -1;
      for (const { stage, fraction } of events) {
        assert.ok(typeof fraction === 'number' && fraction >= 0 && fraction <= 1, `${key}: ${stage} fraction ${fraction}`);
        const index = STAGES.indexOf(stage);
        assert.ok(index >= last, `${key}: ${stage} reported after a later stage`);
        last = index;
      }
      for (const stage of STAGES) {
        const fractions = events.filter((e) => e.stage === stage).map((e) => e.fraction);
        assert.equal(Math.max(...fractions), 1, `${key}: ${stage} never reached 1`);
      }
    }
  });

  test('same as the native pipeline given the same features, within 1/255', { skip: !existsSync(NATIVE) && `${NATIVE} is not built` }, async (t) => {
    assert.ok(Object.keys(results).length > 0, 'needs the first test');
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models/manifest.json'), 'utf8'));
    // Small tiles and two layers (strides 1 and 2) check that the streamed tiles add up to the
    // whole-image maps the native pipeline is given.
    const tiled = await createColorTransfer({ core: 'threads', threads: 2, tileSize: 128, logger: quiet });
    /** @type {{name: string, layers: import('../../web/lib/index.js').LayerName[], result: () => any}[]} */
    const cases = [
      { name: 'pitie', layers: ['relu1_2'], result: () => results['pitie/threads'] },
      { name: 'kodak', layers: ['relu1_2'], result: () => results['kodak/threads'] },
      { name: 'kodak', layers: ['relu1_2', 'relu2_1'], result: () => tiled.transfer(pairs.kodak.target, pairs.kodak.reference, { layers: ['relu1_2', 'relu2_1'] }) },
    ];
    try {
      for (const { name, layers, result } of cases) {
        const pair = pairs[name];
        const entry = features.selectModel(manifest, layers);
        const session = await features.createFeatureSession(readFileSync(path.join(ROOT, 'models', entry.file)), entry, { backend: 'node', numThreads: 2 });
        const key = `${name}_${layers.join('+')}`;
        const dirT = path.join(work, `${key}_features_T`);
        const dirR = path.join(work, `${key}_features_R`);
        try {
          await writeFeatureMaps(session, pair.target, layers, dirT);
          await writeFeatureMaps(session, pair.reference, layers, dirR);
        } finally {
          await session.release();
        }
        const out = path.join(work, `${key}_native.png`);
        const fusedFile = path.join(work, `${key}_fused.npy`);
        await execFileAsync(NATIVE, [pair.targetFile, pair.referenceFile, '-o', out, '--threads', '2', '--layers', layers.join(','), '--features-target', dirT, '--features-reference', dirR, '--fused-npy', fusedFile]);
        // The wasm fusion kernel (SIMD128) against the native one (SSE2) on the same inputs, in
        // float: the native kernel is within 0.0065/255 of the float64 definition on every pair
        // (tests/cpp/fusion_full_test.cpp), so 0.4/255 here keeps wasm within 0.5/255 of it.
        if (layers.length === 1) {
          const { intermediates } = await ctThreads.transfer(pair.target, pair.reference, { layers }, { intermediates: true });
          const npy = readFileSync(fusedFile);
          const headerLength = npy.readUInt16LE(8);
          const planes = new Float32Array(new Uint8Array(npy.subarray(10 + headerLength)).buffer);
          const n = pair.target.width * pair.target.height;
          assert.equal(planes.length, 3 * n);
          let worst = 0;
          for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(intermediates.fused[3 * p + c] - planes[c * n + p]));
          t.diagnostic(`${key}: fused image, wasm vs native kernel: max ${(worst * 255).toFixed(4)}/255`);
          assert.ok(worst <= 0.4 / 255, `${key}: wasm and native fusion differ by ${worst * 255}/255`);
        }
        const native = await loadImage(out);
        assert.equal(native.width, pair.target.width);
        assert.equal(native.height, pair.target.height);
        const { max, differing } = compareRgb((await result()).data, native.data);
        t.diagnostic(`${key}: package vs native: max ${max}/255 in ${differing} values`);
        assert.ok(max <= 1, `${key}: package and native differ by up to ${max}/255 (${differing} values)`);
      }
    } finally {
      tiled.dispose();
    }
  });
});

describe('cancellation', () => {
  test('aborting during features rejects with an AbortError; the next transfer succeeds', async () => {
    const pair = pairs.pitie;
    const controller = new AbortController();
    const stages = [];
    await assert.rejects(
      ctThreads.transfer(pair.targetFile, pair.referenceFile, {}, {
        signal: controller.signal,
        onProgress: ({ stage }) => {
          stages.push(stage);
          if (stage === 'features') controller.abort();
        },
      }),
      (/** @type {any} */ error) => {
        assert.equal(error.name, 'AbortError');
        return true;
      },
    );
    assert.ok(stages.includes('features'));
    assert.ok(!stages.includes('match'), 'the transfer went on after the abort');

    // An already aborted signal rejects at once.
    await assert.rejects(ctThreads.transfer(pair.targetFile, pair.referenceFile, {}, { signal: AbortSignal.abort() }), { name: 'AbortError' });

    // The same ColorTransfer works afterwards, with the same result as before.
    const small = { target: downscale(pair.target, 3), reference: downscale(pair.reference, 3) };
    const again = await ctThreads.transfer(small.target, small.reference);
    const reference = await ctSimd.transfer(small.target, small.reference);
    assert.equal(again.width, small.target.width);
    assert.equal(compareRgb(again.data, reference.data).max, 0);
  });

  test('aborting in any stage, then transferring again, works with both builds', async () => {
    const pair = pairs.kodak;
    for (const ct of [ctThreads, ctSimd]) {
      const expected = await ct.transfer(pair.target, pair.reference);
      for (const at of ['decode', 'segment', 'features', 'match', 'fuse', 'regrain', 'upsample']) {
        const controller = new AbortController();
        const outcome = await ct
          // Other SLIC parameters: the engine cannot start from the stages it kept, every stage runs.
          .transfer(pair.target, pair.reference, { compactness: 11 }, { signal: controller.signal, onProgress: ({ stage }) => stage === at && controller.abort() })
          .then(() => 'resolved', (error) => error.name);
        assert.equal(outcome, 'AbortError', `abort in ${at} (${ct.backend.core})`);
        // A second transfer queued right behind the aborted one.
        const result = await ct.transfer(pair.target, pair.reference);
        assert.equal(compareRgb(result.data, expected.data).max, 0, `after an abort in ${at}`);
      }
    }
  });

  test('dispose() during a transfer rejects it and lets the process exit normally', async () => {
    // In a child process: a worker thread torn down under onnxruntime-node (while it creates a
    // session or runs one) aborts the whole process, which must not take the test runner down.
    const script = `
      const { createColorTransfer } = await import(${JSON.stringify(dist('index.js'))});
      const [target, reference] = [${JSON.stringify(path.join(KODAK_PAIR, 'target.png'))}, ${JSON.stringify(path.join(KODAK_PAIR, 'reference.png'))}];
      for (const delay of [0, 150, 400]) {
        const ct = await createColorTransfer({ logger: () => {} });
        let timer;
        const outcome = await ct.transfer(target, reference, {}, {
          onProgress: ({ stage }) => { if (stage === 'features') timer ??= setTimeout(() => ct.dispose(), delay); },
        }).then(() => 'resolved', (e) => e.code);
        const after = await ct.transfer(target, reference).then(() => 'resolved', (e) => e.code);
        console.log('delay', delay, outcome, after);
      }
      // An engine used and never disposed must not keep the process alive.
      const other = await createColorTransfer({ core: 'simd', logger: () => {} });
      const r = await other.transfer(${JSON.stringify(pairs.kodak.targetFile)}, ${JSON.stringify(pairs.kodak.referenceFile)});
      console.log('other', r.width);
    `;
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
    for (const delay of [0, 150, 400]) assert.match(stdout, new RegExp(`delay ${delay} (bad_state|resolved) bad_state`), stderr);
    assert.match(stdout, /other 384/, stderr);
  });
});

describe('validation', () => {
  const tiny = { data: new Uint8Array(4 * 16 * 16).fill(128), width: 16, height: 16 };
  // Invalid on purpose (as from plain JavaScript): typed as anything.
  /** @type {Record<string, any>} */
  const bad = {
    'tau 0': { tau: 0 },
    'tau NaN': { tau: NaN },
    'tau negative': { tau: -0.02 },
    'tau string': { tau: '0.02' },
    'unknown key': { tua: 0.02 },
    'bad layer': { layers: ['relu5_1'] },
    'empty layers': { layers: [] },
    'layer twice': { layers: ['relu1_2', 'relu1_2'] },
    'layers not an array': { layers: 'relu1_2' },
    'superpixels > pixels': { superpixels: 257 },
    'superpixels fractional': { superpixels: 10.5 },
    'superpixels negative': { superpixels: -1 },
    'compactness 0': { compactness: 0 },
    'slicIterations 0': { slicIterations: 0 },
    'deltaS Infinity': { deltaS: Infinity },
    'deltaC 0': { deltaC: 0 },
    'epsilon negative': { epsilon: -1e-4 },
    'sigmaG 0': { sigmaG: 0 },
    'sigmaG word': { sigmaG: 'auto' },
    'fusionRadius 0': { fusionRadius: 0 },
    'fusionRadius NaN': { fusionRadius: NaN },
    'regrain not a mode': { regrain: 'yes' },
    'regrainSmoothness 0': { regrainSmoothness: 0 },
    'regrainIterations empty': { regrainIterations: [] },
    'regrainIterations fractional': { regrainIterations: [4, 1.5] },
  };
  for (const [name, params] of Object.entries(bad)) {
    test(`rejects ${name} with invalid_argument before any work`, async () => {
      const events = [];
      await assert.rejects(ctSimd.transfer(tiny, tiny, params, { onProgress: (p) => events.push(p) }), (/** @type {any} */ error) => {
        assert.ok(error instanceof SupercolorError, `${error}`);
        assert.equal(error.code, 'invalid_argument');
        assert.ok(error.message.length > 10);
        return true;
      });
      assert.deepEqual(events, [], 'work started before the parameters were checked');
    });
  }

  test('params must be an object', async () => {
    for (const params of /** @type {any[]} */ ([null, 'tau=0.1', 42])) {
      await assert.rejects(ctSimd.transfer(tiny, tiny, params), { code: 'invalid_argument' });
    }
  });

  test('the error names the bad value', async () => {
    await assert.rejects(ctSimd.transfer(tiny, tiny, { tau: 0 }), /tau/);
    await assert.rejects(ctSimd.transfer(tiny, tiny, /** @type {any} */ ({ tua: 1 })), /tua/);
    await assert.rejects(ctSimd.transfer(tiny, tiny, { layers: [/** @type {any} */ ('conv9')] }), /conv9/);
  });

  test('superpixels > pixels of a file input rejects with invalid_argument', async () => {
    const file = path.join(work, 'tiny.png');
    writeFileSync(file, await encodePng(tiny));
    await assert.rejects(ctSimd.transfer(file, file, { superpixels: 300 }), { code: 'invalid_argument' });
  });

  test('bad pixel buffers and inputs reject with invalid_argument', async () => {
    /** @type {any[]} */
    const cases = [
      { data: new Uint8Array(10), width: 16, height: 16 },
      { data: new Uint8Array(0), width: 0, height: 0 },
      { data: new Float32Array(4 * 16 * 16), width: 16, height: 16 },
      { data: tiny.data, width: 16.5, height: 16 },
      42,
      { width: 16, height: 16 },
    ];
    for (const input of cases) {
      await assert.rejects(ctSimd.transfer(input, tiny), { code: 'invalid_argument' }, `target ${JSON.stringify(input)?.slice(0, 60)}`);
      await assert.rejects(ctSimd.transfer(tiny, input), { code: 'invalid_argument' });
    }
    await assert.rejects(ctSimd.transfer(undefined, tiny), { code: 'invalid_argument' });
  });

  test('bad createColorTransfer options reject with invalid_argument', async () => {
    for (const options of [{ core: 'gpu' }, { threads: 0 }, { threads: NaN }, { threads: 2.5 }, { tileSize: 10 }, { featureBackend: 'cuda' }, { worker: false }, { tilesize: 256 }]) {
      // Invalid on purpose: past the types, as from plain JavaScript.
      await assert.rejects(createColorTransfer(/** @type {any} */ ({ ...options, logger: quiet })), { code: 'invalid_argument' }, JSON.stringify(options));
    }
  });

  test('a core that cannot load, or a wrong model, give documented errors and do not keep Node alive', async () => {
    const script = `
      const { createColorTransfer } = await import(${JSON.stringify(dist('index.js'))});
      const tiny = { data: new Uint8Array(4 * 16 * 16).fill(100), width: 16, height: 16 };
      const code = (p) => p.then(() => 'resolved', (e) => e.code);
      const noCore = await createColorTransfer({ baseUrl: new URL('file:///nonexistent/'), logger: () => {} });
      console.log('noCore', await code(noCore.transfer(tiny, tiny)), await code(noCore.transfer(tiny, tiny)));
      const badModel = await createColorTransfer({ modelBytes: new Uint8Array(1000), logger: () => {} });
      console.log('badModel', await code(badModel.transfer(tiny, tiny)));
    `;
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
    assert.match(stdout, /noCore backend_unavailable backend_unavailable/, stderr);
    assert.match(stdout, /badModel model_integrity/, stderr);
  });

  test('a caller buffer is not detached', async () => {
    const data = new Uint8Array(tiny.data);
    await ctSimd.transfer({ data, width: 16, height: 16 }, { data, width: 16, height: 16 }, { regrain: 'none' });
    assert.equal(data.length, 4 * 16 * 16);
  });
});

describe('undecodable images', () => {
  let files;
  before(async () => {
    const png = readFileSync(pairs.pitie.targetFile);
    files = {
      corrupt: path.join(work, 'corrupt.png'),
      empty: path.join(work, 'empty.png'),
      truncated: path.join(work, 'truncated.png'),
      missing: path.join(work, 'does-not-exist.png'),
    };
    writeFileSync(files.corrupt, 'this is not an image, just some text\n'.repeat(20));
    writeFileSync(files.empty, '');
    writeFileSync(files.truncated, png.subarray(0, Math.floor(png.length / 2)));
  });

  for (const kind of ['corrupt', 'empty', 'truncated', 'missing']) {
    test(`${kind} file rejects with decode_failed (as target and as reference)`, async () => {
      const good = pairs.pitie.referenceFile;
      for (const [target, reference, which] of [[files[kind], good, 'target'], [good, files[kind], 'reference']]) {
        await assert.rejects(ctSimd.transfer(target, reference), (/** @type {any} */ error) => {
          assert.ok(error instanceof SupercolorError, `${error}`);
          assert.equal(error.code, 'decode_failed');
          assert.match(error.message, new RegExp(which));
          return true;
        });
      }
      if (kind !== 'missing') {
        // The same bytes given as a Buffer.
        await assert.rejects(ctSimd.transfer(readFileSync(files[kind]), good), { code: 'decode_failed' });
      }
    });
  }

  test('the engine still works after decode errors', async () => {
    const small = downscale(pairs.pitie.target, 4);
    const result = await ctSimd.transfer(small, small, { regrain: 'none' });
    assert.equal(result.width, small.width);
  });
});

describe('intermediates', () => {
  test('labels, super-features, c(i), direct, fused and attention for small N', async () => {
    const target = downscale(pairs.pitie.target, 4); // 120x90
    const reference = downscale(pairs.pitie.reference, 5); // 96x72
    const result = await ctThreads.transfer(target, reference, { tau: 0.05 }, { intermediates: true });
    const i = result.intermediates;
    assert.ok(i, 'no intermediates');
    const nT = i.superpixelsTarget;
    const nR = i.superpixelsReference;
    const h = target.height;
    const w = target.width;
    assert.ok(nT > 50 && nT <= 3 * Math.round(Math.sqrt(h * w)) * 2, `N_T ${nT}`);
    assert.ok(nR > 50, `N_R ${nR}`);

    // The exact pixels used.
    assert.deepEqual([i.targetRgba.width, i.targetRgba.height], [w, h]);
    assert.deepEqual(Buffer.from(i.targetRgba.data), Buffer.from(target.data));
    assert.deepEqual(Buffer.from(i.referenceRgba.data), Buffer.from(reference.data));

    // Label maps: H x W int32, labels exactly 0..N-1.
    for (const [labels, n, pixels] of /** @type {[Int32Array, number, number][]} */ ([[i.labelsTarget, nT, h * w], [i.labelsReference, nR, reference.width * reference.height]])) {
      assert.ok(labels instanceof Int32Array);
      assert.equal(labels.length, pixels);
      const used = new Set(labels);
      assert.equal(used.size, n);
      assert.equal(Math.min(...used), 0);
      assert.equal(Math.max(...used), n - 1);
    }

    // Super-features: N x C.
    assert.equal(i.channels, 64);
    assert.equal(i.superfeaturesTarget.length, nT * 64);
    assert.equal(i.superfeaturesReference.length, nR * 64);
    assert.ok(i.superfeaturesTarget.every(Number.isFinite));

    // Reference mean colours, N_R x 3, agree with the label map.
    assert.equal(i.referenceColors.length, 3 * nR);
    const sums = new Float64Array(3 * nR);
    const counts = new Float64Array(nR);
    for (let p = 0; p < i.labelsReference.length; p++) {
      const l = i.labelsReference[p];
      counts[l]++;
      for (let c = 0; c < 3; c++) sums[3 * l + c] += reference.data[4 * p + c] / 255;
    }
    for (let j = 0; j < 3 * nR; j++) assert.ok(Math.abs(sums[j] / counts[Math.floor(j / 3)] - i.referenceColors[j]) < 1e-4, `mean colour ${j}`);

    // Attention: N_T x N_R, rows are probability distributions; c(i) = sum_j A(i,j) mean_R(j).
    assert.ok(i.attention instanceof Float32Array);
    assert.equal(i.attention.length, nT * nR);
    assert.equal(i.directColors.length, 3 * nT);
    for (let row = 0; row < nT; row++) {
      let sum = 0;
      const c = [0, 0, 0];
      for (let j = 0; j < nR; j++) {
        const a = i.attention[row * nR + j];
        assert.ok(a >= 0 && a <= 1);
        sum += a;
        for (let k = 0; k < 3; k++) c[k] += a * i.referenceColors[3 * j + k];
      }
      assert.ok(Math.abs(sum - 1) < 1e-4, `row ${row} of A sums to ${sum}`);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(c[k] - i.directColors[3 * row + k]) < 1e-4, `c(${row})[${k}]`);
    }

    // direct: the target painted with c(i); fused: H x W x 3.
    assert.equal(i.direct.length, 3 * h * w);
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) assert.equal(i.direct[3 * p + k], i.directColors[3 * i.labelsTarget[p] + k]);
    }
    assert.equal(i.fused.length, 3 * h * w);
    assert.ok(i.fused.every(Number.isFinite));
    let mean = 0;
    for (const v of i.fused) mean += v;
    assert.ok(mean / i.fused.length > 0.05 && mean / i.fused.length < 0.95);

    // Without regrain the output is the fused image, clamped and rounded.
    const plain = await ctThreads.transfer(target, reference, { tau: 0.05, regrain: 'none' }, { intermediates: true });
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) {
        const expected = Math.round(Math.min(1, Math.max(0, plain.intermediates.fused[3 * p + k])) * 255);
        assert.ok(Math.abs(plain.data[4 * p + k] - expected) <= 1, `pixel ${p}`);
      }
    }
  });

  test('no attention matrix when N > 4096', async () => {
    const pair = pairs.pitie;
    const result = await ctThreads.transfer(pair.target, pair.reference, { superpixels: 4200, slicIterations: 2, regrain: 'none' }, { intermediates: true });
    const i = result.intermediates;
    assert.ok(i.superpixelsTarget > 4096 || i.superpixelsReference > 4096, `N ${i.superpixelsTarget}/${i.superpixelsReference}`);
    assert.equal(i.attention, undefined);
  });
});
