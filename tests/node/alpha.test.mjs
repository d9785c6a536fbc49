// Transparency through the npm package (dist/, as built by tools/build.sh), with both wasm
// cores: two inputs that differ only in the RGB under alpha = 0 give the same visible output,
// bit for bit, at full analysis and at a working resolution (method.md §1.8; issue 9 fault 1).
// Run: node --test tests/node/alpha.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { KODAK_PAIR, distUrl as dist, downscale } from '../support.mjs';

const { createColorTransfer, SupercolorError } = await import(dist('index.js'));
const { decodeImage } = await import(dist('codec.js'));

const quiet = () => undefined;
/** @type {import('../../web/lib/index.js').ColorTransfer} */
let ctThreads;
/** @type {import('../../web/lib/index.js').ColorTransfer} */
let ctSimd;
let target;
let reference;

before(async () => {
  [ctThreads, ctSimd] = await Promise.all([
    createColorTransfer({ core: 'threads', threads: 2, logger: quiet }),
    createColorTransfer({ core: 'simd', logger: quiet }),
  ]);
  // The Kodak pair at a quarter size (192x128): a transfer takes a fraction of a second.
  const load = async (side) =>
    downscale(await decodeImage(new Uint8Array(readFileSync(path.join(KODAK_PAIR, `${side}.png`)))), 4);
  [target, reference] = await Promise.all([load('target'), load('reference')]);
});

after(() => {
  ctThreads?.dispose();
  ctSimd?.dispose();
});

/** A copy of `image` with alpha 0 and RGB fill(x, y) wherever hidden(x, y). */
function withHidden(image, hidden, fill) {
  const data = new Uint8ClampedArray(image.data);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (!hidden(x, y)) continue;
      const p = 4 * (y * image.width + x);
      data.set([...fill(x, y), 0], p);
    }
  }
  return { data, width: image.width, height: image.height };
}

const green = () => [0, 255, 0];
// Deterministic noise over every level.
const noise = (x, y) => {
  let s = (x * 73856093) ^ (y * 19349663);
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) & 255;
  return [next(), next(), next()];
};

/** Largest RGB difference over the pixels whose alpha (in a) is > 0; alphas must agree. */
function maxVisibleDifference(a, b) {
  assert.equal(a.data.length, b.data.length);
  let worst = 0;
  for (let p = 0; p < a.data.length; p += 4) {
    assert.equal(a.data[p + 3], b.data[p + 3], 'alpha is the target’s');
    if (a.data[p + 3] === 0) continue;
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a.data[p + c] - b.data[p + c]));
  }
  return worst;
}

for (const [name, ct] of /** @type {[string, () => import('../../web/lib/index.js').ColorTransfer][]} */ ([['threads', () => ctThreads], ['simd', () => ctSimd]])) {
  for (const analysisMegapixels of [Infinity, 0.01]) {
    test(`${name} core, analysisMegapixels ${analysisMegapixels}: hidden target colours do not change visible output`, async () => {
      const band = (x, y) => x < 24 || (x - 120) ** 2 + (y - 64) ** 2 < 400;
      const options = { analysisMegapixels };
      const a = await ct().transfer(withHidden(target, band, green), reference, options);
      const b = await ct().transfer(withHidden(target, band, noise), reference, options);
      assert.equal(maxVisibleDifference(a, b), 0);
      assert.equal(a.data[3], 0, 'a hidden pixel stays hidden');
      assert.equal(a.data[4 * 30 + 3], 255);
    });
  }
}

test('hidden reference colours do not change the output at all', async () => {
  const half = (x) => x >= reference.width / 2;
  for (const analysisMegapixels of [Infinity, 0.01]) {
    const a = await ctThreads.transfer(target, withHidden(reference, half, green), { analysisMegapixels });
    const b = await ctThreads.transfer(target, withHidden(reference, half, noise), { analysisMegapixels });
    assert.deepEqual(a.data, b.data);
    // The same green, visible, does change it: the comparison can fail.
    const opaque = withHidden(reference, half, green);
    for (let p = 3; p < opaque.data.length; p += 4) opaque.data[p] = 255;
    const c = await ctThreads.transfer(target, opaque, { analysisMegapixels });
    assert.ok(maxVisibleDifference(a, c) > 20);
  }
});

test('a fully transparent reference is refused with invalid_argument, and the engine stays usable', async () => {
  const clear = withHidden(reference, () => true, green);
  await assert.rejects(ctSimd.transfer(target, clear), (/** @type {any} */ error) => {
    assert.ok(error instanceof SupercolorError);
    assert.equal(error.code, 'invalid_argument');
    assert.match(error.message, /no visible pixel/);
    return true;
  });
  const again = await ctSimd.transfer(target, reference);
  assert.equal(again.width, target.width);
});

test('the working-size preview keeps the target’s transparency (alpha area-averaged)', async () => {
  const hidden = (x) => x < 64;
  /** @type {import('../../web/lib/index.js').RgbaImage | undefined} */
  let preview;
  const result = await ctThreads.transfer(withHidden(target, hidden, green), reference, { analysisMegapixels: 0.01 }, { onPreview: (p) => (preview = p) });
  assert.ok(preview && preview.width < result.width, 'the target was reduced');
  const scale = result.width / preview.width;
  for (let y = 0; y < preview.height; y++) {
    for (let x = 0; x < preview.width; x++) {
      const alpha = preview.data[4 * (y * preview.width + x) + 3];
      // Wholly inside the hidden band: transparent; wholly outside: opaque; between: partial.
      if ((x + 1) * scale <= 64) assert.equal(alpha, 0, `(${x}, ${y})`);
      else if (x * scale >= 64) assert.equal(alpha, 255, `(${x}, ${y})`);
    }
  }
});
