// JPEG decoding in Node (issue 9, faults 6 and 8): the package's decoder is libjpeg-turbo compiled
// into the wasm core without SIMD; it must give the same pixels, bit for bit, as Debian's native
// libjpeg-turbo (with its SIMD) through djpeg, on a real camera photo coded baseline, progressive
// and arithmetic (the last two transcoded losslessly by jpegtran: the same coefficients, so
// arithmetic coding must also give the baseline file's pixels). jpegtran -copy none drops the
// ICC profile and the EXIF orientation, which djpeg would not apply. A truncated scan decodes
// with a warning, a file cut in its headers is decode_failed, and the decoder stays usable. A
// 48 MP JPEG is decoded straight into its RGBA output: the core's memory grows by little more.
// Needs dist/ (bash tools/build.sh), ../shared, djpeg/jpegtran (Debian libjpeg-turbo-progs) and
// ffmpeg, installed by tools/setup.sh. Run: node --test tests/node/jpeg-decode.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { ROOT, distUrl, loadWasmCore } from '../support.mjs';

const PHOTO = path.resolve(ROOT, '../shared/testdata/large/02_beach_coast/target.jpg');
const missing = ['/usr/bin/djpeg', '/usr/bin/jpegtran', '/usr/bin/ffmpeg'].filter((tool) => !existsSync(tool));
const skip = missing.length > 0 ? `${missing.join(', ')} missing (Debian libjpeg-turbo-progs; tools/setup.sh installs it)`
  : !existsSync(PHOTO) ? `${PHOTO} missing` : false;

const { decodeImage } = await import(distUrl('codec.js'));

/** Runs a libjpeg-turbo tool on `input` bytes; resolves its stdout bytes. */
async function tool(command, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(new Uint8Array(Buffer.concat(out)))
      : reject(new Error(`${command} ${args.join(' ')}: exit ${code}: ${Buffer.concat(err)}`))));
    child.stdin.end(input);
  });
}

/** djpeg's binary PPM (P6, maxval 255) as {width, height, rgb}. */
function parsePpm(bytes) {
  const header = new TextDecoder('latin1').decode(bytes.subarray(0, 64)).match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
  assert.ok(header, 'djpeg output is a binary PPM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, rgb: bytes.subarray(header[0].length, header[0].length + 3 * width * height) };
}

/** Pixels where RGBA `decoded` and RGB `ppm` differ, and the largest difference. */
function compare(decoded, ppm) {
  assert.equal(decoded.width, ppm.width);
  assert.equal(decoded.height, ppm.height);
  let differing = 0;
  let max = 0;
  for (let p = 0; p < ppm.width * ppm.height; p++) {
    let pixelDiffers = false;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(decoded.data[4 * p + c] - ppm.rgb[3 * p + c]);
      if (d > 0) pixelDiffers = true;
      max = Math.max(max, d);
    }
    if (pixelDiffers) differing++;
  }
  return { differing, max };
}

describe('JPEG decoding (libjpeg-turbo in wasm)', { skip }, () => {
  test('a camera photo decodes bit for bit as native libjpeg-turbo (SIMD) does: baseline, progressive, arithmetic', async () => {
    const original = new Uint8Array(readFileSync(PHOTO));
    const baseline = await tool('jpegtran', ['-copy', 'none'], original);
    const wasmBaseline = await decodeImage(baseline);
    const nativeBaseline = parsePpm(await tool('djpeg', ['-dct', 'int', '-rgb'], baseline));
    assert.deepEqual(compare(wasmBaseline, nativeBaseline), { differing: 0, max: 0 }, 'baseline: wasm vs native djpeg');
    assert.ok(wasmBaseline.data.every((v, i) => i % 4 !== 3 || v === 255), 'opaque');
    // Lossless transcodes of the same coefficients: in each decoder, the baseline file's pixels
    // (so, by the comparison above, wasm and native agree on these codings too).
    /** @type {[string, string[]][]} */
    const variants = [['progressive', ['-progressive']], ['arithmetic', ['-arithmetic']], ['arithmetic progressive', ['-arithmetic', '-progressive']]];
    for (const [name, args] of variants) {
      const file = await tool('jpegtran', ['-copy', 'none', ...args], original);
      const decoded = await decodeImage(file);
      assert.deepEqual(decoded.warnings, [], name);
      assert.ok(Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length)
        .equals(Buffer.from(wasmBaseline.data.buffer, wasmBaseline.data.byteOffset, wasmBaseline.data.length)), `${name}: wasm, vs the baseline file`);
      const native = parsePpm(await tool('djpeg', ['-dct', 'int', '-rgb'], file));
      assert.ok(Buffer.from(native.rgb).equals(Buffer.from(nativeBaseline.rgb)), `${name}: native, vs the baseline file`);
    }
  });

  test('a cut scan decodes with a warning; a cut header is decode_failed; the decoder stays usable', async () => {
    const small = await tool('jpegtran', ['-copy', 'none', '-crop', '640x480+0+0'], new Uint8Array(readFileSync(PHOTO)));
    const whole = await decodeImage(small);
    const cut = await decodeImage(small.subarray(0, Math.floor(small.length * 0.6)));
    assert.equal(cut.width, whole.width);
    assert.equal(cut.height, whole.height);
    assert.equal(cut.warnings.length, 1);
    assert.match(cut.warnings[0], /ends early.*Premature end of JPEG file/);
    await assert.rejects(decodeImage(small.subarray(0, 120)), (/** @type {any} */ error) => error.code === 'decode_failed' && /not a decodable JPEG/.test(error.message));
    assert.deepEqual((await decodeImage(small)).data, whole.data);
  });

  test('a 48 MP JPEG decodes into its RGBA output without another full-size copy', { timeout: 60_000 }, async () => {
    const width = 8000;
    const height = 6000;
    const file = await tool('ffmpeg', ['-loglevel', 'error', '-i', PHOTO, '-vf', `scale=${width}:${height}`, '-q:v', '3', '-f', 'mjpeg', '-'], new Uint8Array());
    const M = await loadWasmCore('simd');  // a fresh core: its memory only grows, so its size after is the peak
    const start = M.HEAP8.length;
    const image = M.decodeImage(file);
    assert.equal(image.width, width);
    assert.equal(image.height, height);
    const output = 4 * width * height;  // 183 MiB
    const growth = M.HEAP8.length - start;
    // The output, the input's copy and libjpeg's row buffers; one more full RGBA (or RGB) copy, as
    // stb_image needed (its own buffer, then ours), would add >= 137 MiB.
    assert.ok(growth < output + file.length + (48 << 20), `memory grew by ${(growth / 2 ** 20).toFixed(0)} MiB for a ${(output / 2 ** 20).toFixed(0)} MiB output`);
  });
});
