// One parameter schema: the core's table (src/core/params.cpp) is the source of truth; the
// package's generated table, its defaults and its validation must agree with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distUrl, loadWasmCore } from '../support.mjs';

const { coreSchema, generate } = await import('../../tools/gen-params.mjs');
const { readFile } = await import('node:fs/promises');
/** @type {typeof import('../../web/lib/index.js')} */
const { PARAM_SCHEMA, DEFAULT_PARAMS, resolveParams, analysisSize, requestedSuperpixels, createColorTransfer } = await import(distUrl('index.js'));

test('web/lib/params.generated.ts is what the core module says', async () => {
  const committed = await readFile(new URL('../../web/lib/params.generated.ts', import.meta.url), 'utf8');
  assert.equal(committed, generate(await coreSchema()), 'stale: run node tools/gen-params.mjs');
});

test('names and defaults of the package are the core defaults', async () => {
  const schema = await coreSchema();
  assert.deepEqual(PARAM_SCHEMA.map((s) => s.name), schema.map((s) => s.name));
  for (const spec of schema) {
    const expected = spec.default === 'Infinity' ? Infinity : spec.default;
    assert.deepEqual(DEFAULT_PARAMS[spec.name], expected, spec.name);
  }
});

// The same values through both validators: the package (before any work) and the core (the
// Pipeline constructor reads the object through its own table).
const GOOD = [
  { tau: 0.5 },
  { sigmaG: 'adaptive' },
  { sigmaG: 3 },
  { fusionRadius: Infinity },
  { layers: ['relu2_2', 'relu1_2'] },
  { regrain: 'none' },
  { regrainIterations: [1, 2] },
  { analysisMegapixels: Infinity },
  { analysisMegapixels: 0.5 },
  { superpixels: 40 },
];
const BAD = [
  { tau: 0 },
  { tau: -1 },
  { tau: Number.NaN },
  { tau: Infinity },
  { tau: '0.02' },
  { sigmaG: 'fixed' },
  { sigmaG: 0 },
  { superpixels: 2.5 },
  { superpixels: -1 },
  { layers: [] },
  { layers: ['relu9_9'] },
  { layers: ['relu1_2', 'relu1_2'] },
  { layers: 'relu1_2' },
  { regrain: true },
  { regrain: 'sometimes' },
  { regrainIterations: [4, 0] },
  { regrainIterations: [] },
  { analysisMegapixels: 0 },
  { compactness: false },
  { nonsense: 1 },
];

test('the package and the core accept and reject the same values', async () => {
  const core = await loadWasmCore('simd');
  const rgba = new Uint8Array(64 * 48 * 4).fill(100);
  const coreAccepts = (params) => {
    try {
      new core.Pipeline(params, 1, rgba, 64, 48, rgba, 64, 48).delete();
      return true;
    } catch (error) {
      assert.equal(error.code, 'invalid_argument', `${JSON.stringify(params)}: ${error.message}`);
      return false;
    }
  };
  const packageAccepts = (params) => {
    try {
      resolveParams(params);
      return true;
    } catch (error) {
      assert.equal(error.code, 'invalid_argument');
      return false;
    }
  };
  for (const params of GOOD) {
    assert.equal(packageAccepts(params), true, `package rejects ${JSON.stringify(params)}`);
    assert.equal(coreAccepts(params), true, `core rejects ${JSON.stringify(params)}`);
  }
  for (const params of BAD) {
    assert.equal(packageAccepts(params), false, `package accepts ${JSON.stringify(params)}`);
    assert.equal(coreAccepts(params), false, `core accepts ${JSON.stringify(params)}`);
  }
});

test('analysisSize() and requestedSuperpixels() give the size and K the core uses', async () => {
  const ct = await createColorTransfer({ threads: 1, logger: () => undefined });
  try {
    /** A smooth RGBA image of width x height. */
    const image = (width, height) => {
      const data = new Uint8ClampedArray(4 * width * height);
      for (let p = 0; p < width * height; p++) data.set([(p % width) % 256, (p / width) % 256, 128, 255], 4 * p);
      return { data, width, height };
    };
    const reference = image(64, 48);
    for (const [width, height, analysisMegapixels] of [[333, 211, 0.01], [211, 333, 0.02], [120, 80, 0.01], [900, 40, 0.01]]) {
      const params = { analysisMegapixels, superpixels: 0 };
      const result = await ct.transfer(image(width, height), reference, params, { intermediates: true });
      const expected = analysisSize(params, width, height);
      assert.deepEqual(result.analysis.target, expected, `${width}x${height} at ${analysisMegapixels} MP`);
      // SLIC's grid and the merging of small fragments make the count obtained near K, not K.
      const k = requestedSuperpixels(params, expected.width * expected.height);
      const count = result.intermediates.superpixelsTarget;
      assert.ok(count >= 0.7 * k && count <= 1.3 * k, `K ${k}, ${count} superpixels`);
    }
  } finally {
    await ct.dispose();
  }
});
