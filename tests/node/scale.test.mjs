// Real photo sizes through the Node package: a 24 MP pair completes at the default working
// resolution (with a preview first), cancelling during the full-resolution stage rejects with an
// AbortError and leaves the engine usable, and full-resolution analysis past its limit fails at
// once. The 24 MP pair is upscaled here from a dev pair (never written to disk).
// Run: node --test tests/node/scale.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { KODAK_PAIR, distUrl } from '../support.mjs';

/** @type {typeof import('../../web/lib/index.js')} */

const { createColorTransfer } = await import(distUrl('index.js'));
/** @type {typeof import('../../web/lib/codec.js')} */
const { decodeImage } = await import(distUrl('codec.js'));

/** Bilinear upscale of an RGBA image (alpha 255), row by row. */
function upscale(image, width, height) {
  const out = new Uint8Array(4 * width * height);
  const { data, width: w, height: h } = image;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / height - 0.5));
    const y0 = Math.floor(sy), y1 = Math.min(h - 1, y0 + 1), fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / width - 0.5));
      const x0 = Math.floor(sx), x1 = Math.min(w - 1, x0 + 1), fx = sx - x0;
      const o = 4 * (y * width + x);
      for (let c = 0; c < 3; c++) {
        const top = data[4 * (y0 * w + x0) + c] * (1 - fx) + data[4 * (y0 * w + x1) + c] * fx;
        const bottom = data[4 * (y1 * w + x0) + c] * (1 - fx) + data[4 * (y1 * w + x1) + c] * fx;
        out[o + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
      out[o + 3] = 255;
    }
  }
  return { data: out, width, height };
}

/** @type {import('../../web/lib/index.js').ColorTransfer} */
let ct;
/** @type {import('../../web/lib/index.js').RgbaImage} */
let target;
/** @type {import('../../web/lib/index.js').RgbaImage} */
let reference;
before(async () => {
  ct = await createColorTransfer({ threads: 2, logger: () => undefined });
  const load = async (name) => decodeImage(new Uint8Array(readFileSync(path.join(KODAK_PAIR, name))));
  target = upscale(await load('target.png'), 6000, 4000);
  reference = upscale(await load('reference.png'), 4000, 6000);
});
after(() => ct?.dispose());

test('a 24 MP pair completes at the default working resolution, preview first', async () => {
  const stages = [];
  /** @type {import('../../web/lib/index.js').RgbaImage | undefined} */
  let preview;
  const result = await ct.transfer(target, reference, {}, {
    onProgress: ({ stage }) => stages.push(stage),
    onPreview: (p) => {
      preview = p;
      assert.ok(!stages.includes('upsample'), 'the preview comes before the full-resolution stage');
    },
  });
  assert.equal(result.width, 6000);
  assert.equal(result.height, 4000);
  assert.ok(result.analysis.target.width * result.analysis.target.height <= 1.5e6);
  assert.ok(preview, 'onPreview was called');
  assert.equal(preview.width, result.analysis.target.width);
  assert.equal(preview.data.length, 4 * preview.width * preview.height);
  assert.ok(stages.includes('upsample'));
  let change = 0;
  for (let i = 0; i < result.data.length; i += 4 * 997) change += Math.abs(result.data[i] - target.data[i]) + Math.abs(result.data[i + 2] - target.data[i + 2]);
  assert.ok(change / (2 * Math.ceil(result.data.length / (4 * 997))) > 3, 'the result is recoloured');
  // The full-size result, sampled on the preview's grid, agrees with the preview.
  let difference = 0;
  let samples = 0;
  for (let y = 0; y < preview.height; y += 7) {
    for (let x = 0; x < preview.width; x += 7) {
      const fx = Math.floor(((x + 0.5) * 6000) / preview.width);
      const fy = Math.floor(((y + 0.5) * 4000) / preview.height);
      for (let c = 0; c < 3; c++) difference += Math.abs(result.data[4 * (fy * 6000 + fx) + c] - preview.data[4 * (y * preview.width + x) + c]);
      samples += 3;
    }
  }
  assert.ok(difference / samples < 8, `full size vs preview: ${difference / samples} levels`);
});

test('cancel during the full-resolution stage rejects with AbortError; the next transfer works', async () => {
  const controller = new AbortController();
  const run = ct.transfer(target, reference, {}, {
    signal: controller.signal,
    onProgress: ({ stage }) => {
      if (stage === 'upsample') controller.abort();
    },
  });
  await assert.rejects(run, { name: 'AbortError' });
  const small = { data: target.data.subarray(0, 4 * 6000 * 300), width: 6000, height: 300 };
  const next = await ct.transfer(small, reference, { analysisMegapixels: 0.2 });
  assert.equal(next.width, 6000);
});

test('full-resolution analysis past its limit fails at once with image_too_large', async () => {
  const stages = [];
  await assert.rejects(
    ct.transfer(target, reference, { analysisMegapixels: Infinity }, { onProgress: ({ stage }) => stages.push(stage) }),
    { code: 'image_too_large' },
  );
  assert.ok(!stages.includes('segment'), `no work was done first (saw ${stages.join(', ')})`);
});
