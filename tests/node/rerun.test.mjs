// Re-runs and the call queue (issue "instant re-runs"): a parameter change on the same pair
// starts from the first stage it affects and gives the same pixels as a fresh run; a new pair
// starts over; τ really reaches eq. 1 (A recomputed here from the returned super-features for two
// τ); a queued call rejects as soon as it is aborted; dispose() resolves when the worker is gone.
// Run: node --test tests/node/rerun.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { KODAK_PAIR, PAIR, distUrl, downscale } from '../support.mjs';

/** @type {typeof import('../../web/lib/index.js')} */

const { createColorTransfer } = await import(distUrl('index.js'));
/** @type {typeof import('../../web/lib/codec.js')} */
const { decodeImage } = await import(distUrl('codec.js'));

const load = async (dir, name) => decodeImage(new Uint8Array(readFileSync(path.join(dir, name))));
/** @type {import('../../web/lib/index.js').ColorTransfer} */
let ct;
/** @type {import('../../web/lib/index.js').RgbaImage} */
let target;
/** @type {import('../../web/lib/index.js').RgbaImage} */
let reference;
before(async () => {
  ct = await createColorTransfer({ threads: 2, logger: () => undefined });
  target = downscale(await load(KODAK_PAIR, 'target.png'), 2);
  reference = downscale(await load(KODAK_PAIR, 'reference.png'), 2);
});
after(() => ct?.dispose());

async function run(engine, params, t = target, r = reference) {
  const stages = new Set();
  const result = await engine.transfer(t, r, params, { onProgress: ({ stage }) => stages.add(stage) });
  return { result, stages };
}

test('a later parameter re-runs from its stage only, with the pixels of a fresh run', async () => {
  const first = await run(ct, {});
  assert.equal(first.result.firstStage, 'segment');
  for (const [params, stage] of [[{ tau: 0.08 }, 'match'], [{ tau: 0.08, deltaC: 0.2 }, 'fuse'], [{ tau: 0.08, deltaC: 0.2, regrain: 'pitie' }, 'regrain'], [{ tau: 0.08, deltaC: 0.2, regrain: 'pitie', strength: 0.6 }, 'upsample']]) {
      const again = await run(ct, params);
      assert.equal(again.result.firstStage, stage, JSON.stringify(params));
      assert.ok(!again.stages.has('segment') && !again.stages.has('features'), `${stage}: ran ${[...again.stages]}`);
      assert.ok(again.stages.has('upsample'));
      const fresh = await createColorTransfer({ threads: 2, logger: () => undefined });
      const control = await run(fresh, params);
      await fresh.dispose();
      assert.equal(control.result.firstStage, 'segment');
      assert.deepEqual(again.result.data, control.result.data, `${JSON.stringify(params)}: differs from a fresh run`);
  }
});

test('other layers keep the segmentation and give the pixels of a fresh run', async () => {
  await run(ct, { tau: 0.05 });
  const params = { tau: 0.05, layers: ['relu1_2', 'relu2_1'] };
  const again = await run(ct, params);
  assert.equal(again.result.firstStage, 'features');
  assert.ok(!again.stages.has('segment') && again.stages.has('features'), `ran ${[...again.stages]}`);
  const fresh = await createColorTransfer({ threads: 2, logger: () => undefined });
  const control = await run(fresh, params);
  await fresh.dispose();
  assert.equal(control.result.firstStage, 'segment');
  assert.deepEqual(again.result.data, control.result.data);
});

test('a new pair starts over', async () => {
  await run(ct, { tau: 0.05 });
  const other = await run(ct, { tau: 0.05 }, reference, target);
  assert.equal(other.result.firstStage, 'segment');
  assert.ok(other.stages.has('features'));
  const changedPixel = { ...target, data: new Uint8Array(target.data) };
  changedPixel.data[0] ^= 1;
  const third = await run(ct, { tau: 0.05 }, changedPixel, reference);
  assert.equal(third.result.firstStage, 'segment', 'one changed byte is another pair');
});

/** A of eq. 1-2 from super-features (N x C), in float64. */
function attention(ft, nT, fr, nR, c, tau) {
  const centre = (f, n) => {
    const mean = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) mean[k] += f[i * c + k] / n;
    const out = new Float64Array(n * c);
    const norm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) {
        const v = f[i * c + k] - mean[k];
        out[i * c + k] = v;
        s += v * v;
      }
      norm[i] = Math.sqrt(s);
    }
    return { out, norm };
  };
  const T = centre(ft, nT);
  const R = centre(fr, nR);
  const a = new Float64Array(nT * nR);
  for (let i = 0; i < nT; i++) {
    let max = -Infinity;
    for (let j = 0; j < nR; j++) {
      let dot = 0;
      for (let k = 0; k < c; k++) dot += T.out[i * c + k] * R.out[j * c + k];
      const m = T.norm[i] === 0 || R.norm[j] === 0 ? 0 : dot / (T.norm[i] * R.norm[j]);
      a[i * nR + j] = m / tau;
      max = Math.max(max, m / tau);
    }
    let sum = 0;
    for (let j = 0; j < nR; j++) sum += (a[i * nR + j] = Math.exp(a[i * nR + j] - max));
    for (let j = 0; j < nR; j++) a[i * nR + j] /= sum;
  }
  return a;
}

test('τ reaches eq. 1: A recomputed from the returned super-features matches for two τ', async () => {
  const t = downscale(await load(PAIR, 'target.png'), 4);
  const r = downscale(await load(PAIR, 'reference.png'), 4);
  for (const tau of [0.02, 0.1]) {
    const { intermediates: i } = await ct.transfer(t, r, { tau, superpixels: 60 }, { intermediates: true });
    assert.ok(i.attention, 'attention returned for small N');
    const expected = attention(i.superfeaturesTarget, i.superpixelsTarget, i.superfeaturesReference, i.superpixelsReference, i.channels, tau);
    let worst = 0;
    for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(expected[k] - i.attention[k]));
    assert.ok(worst < 1e-4, `τ ${tau}: max |A - A_ref| ${worst}`);
  }
});

test('a queued call rejects at once when aborted; dispose() resolves when the worker is gone', async () => {
  const engine = await createColorTransfer({ threads: 2, logger: () => undefined });
  const big = downscale(await load(KODAK_PAIR, 'target.png'), 1);
  let firstDone = false;
  const firstRun = engine.transfer(big, reference, { fusionRadius: Infinity }).then(() => (firstDone = true));
  const controller = new AbortController();
  const queued = engine.transfer(target, reference, {}, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(queued, { name: 'AbortError' });
  assert.equal(firstDone, false, 'rejected while the first call was still running');
  await firstRun;
  const next = await engine.transfer(target, reference, { tau: 0.03 });
  assert.equal(next.width, target.width);
  const disposed = engine.dispose();
  assert.ok(disposed instanceof Promise);
  await disposed;
  await assert.rejects(engine.transfer(target, reference), { code: 'bad_state' });
});
