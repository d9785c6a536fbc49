// Pixels given to the API as {data, width, height} are checked once at the JS boundary, and a
// wrong type is named (issue 9 fault 8): a plain Array of the right length used to be reported
// as "must be 768 RGBA bytes, got 768". Checked for transfer(), applyLut(), encodePng() and
// encodeJpeg(); the engine stays usable after each error.
// Needs dist/ (bash tools/build.sh). Run: node --test tests/node/errors.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { IDENTITY_CUBE } from '../icc-fixtures.mjs';
import { distUrl } from '../support.mjs';

const { createColorTransfer } = await import(distUrl('index.js'));
const { encodeJpeg, encodePng } = await import(distUrl('codec.js'));

const WIDTH = 16;
const HEIGHT = 12;
const BYTES = 4 * WIDTH * HEIGHT;
const good = () => ({ data: new Uint8Array(BYTES).fill(128), width: WIDTH, height: HEIGHT });

// [what the data is, data, what the message must say]
/** @type {[string, () => any, RegExp][]} */
const BAD_DATA = [
  ['a plain Array of the right length', () => new Array(BYTES).fill(128), /data must be a Uint8Array or Uint8ClampedArray.*got Array$/],
  ['a Float32Array', () => new Float32Array(BYTES), /data must be a Uint8Array or Uint8ClampedArray.*got Float32Array$/],
  ['an ArrayBuffer', () => new ArrayBuffer(BYTES), /got ArrayBuffer$/],
  ['a string', () => 'x'.repeat(BYTES), /got string$/],
  ['null', () => null, /got null$/],
  ['a Uint8Array one byte short', () => new Uint8Array(BYTES - 1), new RegExp(`data must be ${BYTES} RGBA bytes \\(4 x ${WIDTH} x ${HEIGHT}\\), got ${BYTES - 1}$`)],
];

const invalid = (pattern, where) => (/** @type {any} */ error) => {
  assert.equal(error.code, 'invalid_argument', `${where}: ${error.message}`);
  assert.match(error.message, pattern, where);
  return true;
};

describe('image data checks at the JS boundary', () => {
  /** @type {import('../../web/lib/index.js').ColorTransfer} */
  let ct;
  before(async () => {
    ct = await createColorTransfer({ threads: 1, logger: () => undefined });
  });
  after(() => ct?.dispose());

  for (const [name, data, pattern] of BAD_DATA) {
    test(name, async () => {
      const bad = { data: data(), width: WIDTH, height: HEIGHT };
      await assert.rejects(ct.transfer(bad, good()), invalid(pattern, 'transfer target'));
      await assert.rejects(ct.transfer(good(), bad), invalid(pattern, 'transfer reference'));
      await assert.rejects(ct.transfer(bad, good()), (/** @type {any} */ error) => /^target image data/.test(error.message));
      await assert.rejects(ct.applyLut(IDENTITY_CUBE, bad), invalid(pattern, 'applyLut'));
      await assert.rejects(encodePng(bad), invalid(pattern, 'encodePng'));
      await assert.rejects(encodeJpeg(bad), invalid(pattern, 'encodeJpeg'));
    });
  }

  test('a bad size is named, and the engine is still usable after the errors', async () => {
    await assert.rejects(ct.applyLut(IDENTITY_CUBE, { data: new Uint8Array(4), width: 0, height: 1 }), invalid(/invalid size 0x1/, 'applyLut'));
    const image = good();
    const result = await ct.applyLut(IDENTITY_CUBE, image);
    assert.deepEqual(new Uint8Array(result.data), image.data);
  });
});
