// Colour profiles in Node (issue 9 faults 6 and 8): the package's decoder (the wasm core, Little
// CMS inside) converts an embedded ICC profile to sRGB, whether the profile is in one APP2
// segment or several; a broken profile decodes as sRGB with a warning (decodeImage's `warnings`,
// the engine's logger); outputs are tagged sRGB; a lossless JPEG (which libjpeg-turbo does not
// read) gets an error that says so (arithmetic-coded JPEGs are read: jpeg-decode.test.mjs). The exact conversion is checked against Little CMS in tests/cpp/color_profile_test.cpp, and
// against Chromium in tests/browser/icc.test.mjs.
// Needs dist/ (bash tools/build.sh) and ../shared. Run: node --test tests/node/icc.test.mjs
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { IDENTITY_CUBE, PROFILE_PHOTO, cameraTaggedJpeg, embeddedProfile, isIccSegment, joinJpeg, pngChunks, rgbDifference, splitJpeg, srgbJpeg, withProfile } from '../icc-fixtures.mjs';
import { distUrl } from '../support.mjs';

const { createColorTransfer } = await import(distUrl('index.js'));
const { decodeImage, encodeJpeg, encodePng } = await import(distUrl('codec.js'));

describe('colour profiles (Node)', () => {
  let srgb;
  let tagged;
  let profile;
  before(async () => {
    srgb = await srgbJpeg();
    tagged = await cameraTaggedJpeg();
    profile = embeddedProfile(PROFILE_PHOTO);
  });

  test('an embedded camera profile is converted to sRGB, in one segment or three', async () => {
    const asSrgb = await decodeImage(withProfile(srgb, null));
    const converted = await decodeImage(tagged);
    assert.deepEqual(converted.warnings, []);
    // The profile moves colours (by up to 11 levels on this crop, ~40 on saturated reds).
    const moved = rgbDifference(converted.data, asSrgb.data);
    assert.ok(moved.max >= 8 && moved.mean >= 2, `profile applied: max ${moved.max}, mean ${moved.mean.toFixed(2)}`);
    const split = await decodeImage(withProfile(srgb, profile, 3));
    assert.deepEqual(split.data, converted.data);
    // The package's own sRGB tag changes nothing.
    assert.deepEqual((await decodeImage(srgb)).data, asSrgb.data);
  });

  test('a broken profile decodes as sRGB, with a warning in decodeImage and in the logger', async () => {
    const asSrgb = await decodeImage(withProfile(srgb, null));
    const garbage = Buffer.concat([Buffer.from('ICC_PROFILE\0\x01\x01', 'latin1'), Buffer.alloc(600, 0x5a)]);
    const broken = withProfile(srgb, null, 1, [garbage]);
    const decoded = await decodeImage(broken);
    assert.deepEqual(decoded.data, asSrgb.data);
    assert.equal(decoded.warnings.length, 1);
    assert.match(decoded.warnings[0], /colour profile ignored/);

    const logs = [];
    const ct = await createColorTransfer({ threads: 1, logger: (level, message) => logs.push([level, message]) });
    try {
      const result = await ct.applyLut(IDENTITY_CUBE, broken);
      assert.deepEqual(new Uint8Array(result.data), new Uint8Array(asSrgb.data));
      assert.ok(logs.some(([level, message]) => level === 'warn' && /target image: colour profile ignored/.test(message)), JSON.stringify(logs));
      // And through the engine, the tagged file gives decodeImage's pixels.
      const viaEngine = await ct.applyLut(IDENTITY_CUBE, tagged);
      assert.deepEqual(new Uint8Array(viaEngine.data), new Uint8Array((await decodeImage(tagged)).data));
    } finally {
      ct.dispose();
    }
  });

  test('outputs are tagged sRGB: PNG sRGB chunk after IHDR, JPEG ICC profile', async () => {
    const image = await decodeImage(srgb);
    const chunks = pngChunks(await encodePng(image));
    assert.deepEqual(chunks.slice(0, 2).map((c) => c.type), ['IHDR', 'sRGB']);
    assert.deepEqual([...chunks[1].data], [0], 'rendering intent perceptual');
    for (const chunk of chunks) assert.ok(chunk.crcOk, `${chunk.type} CRC`);
    const jpeg = await encodeJpeg(image, 90);
    const icc = splitJpeg(jpeg).segments.filter(isIccSegment);
    assert.equal(icc.length, 1);
    const header = Buffer.from(icc[0].payload.subarray(14, 14 + 128));
    assert.equal(header.toString('latin1', 16, 20), 'RGB ');
    assert.equal(header.toString('latin1', 36, 40), 'acsp');
    assert.deepEqual(await encodeJpeg(image, 90), jpeg, 'same bytes every time');
  });

  test('a lossless JPEG is refused with a message that says how to fix it', async () => {
    const parts = splitJpeg(srgb);
    const sof = parts.segments.find((s) => s.marker === 0xc0);
    sof.marker = 0xc3;  // SOF3: lossless, Huffman coding
    const lossless = joinJpeg(parts);
    await assert.rejects(decodeImage(lossless), (/** @type {any} */ error) => error.code === 'decode_failed' && /lossless JPEG \(SOF3\) is not supported/.test(error.message) && /PNG/.test(error.message));
    const ct = await createColorTransfer({ threads: 1, logger: () => undefined });
    try {
      await assert.rejects(ct.applyLut(IDENTITY_CUBE, lossless), (/** @type {any} */ error) => error.code === 'decode_failed' && /target image: lossless JPEG/.test(error.message));
    } finally {
      ct.dispose();
    }
  });
});
