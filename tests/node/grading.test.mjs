// Grading controls, 3D LUTs and batches through the package and the CLI (issues 9 and 10):
// strength 0 / 1 / in between, keep-luminance, result.lut and applyLut, .cube errors, a batch
// that goes on past a bad file, --consistent with --lut, --apply-lut, an output that is a folder.
// Run: node --test tests/node/grading.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { KODAK_PAIR, ROOT, distUrl, downscale, runCommand } from '../support.mjs';

/** @type {typeof import('../../web/lib/index.js')} */

const { createColorTransfer } = await import(distUrl('index.js'));
/** @type {typeof import('../../web/lib/codec.js')} */
const { decodeImage, encodePng } = await import(distUrl('codec.js'));
/** @type {typeof import('../../web/lib/cli.js')} */
const { EXIT } = await import(distUrl('cli.js'));
const CLI = path.join(ROOT, 'dist/cli.js');

/** CIELab L* of an sRGB 8-bit pixel (D65). */
function lightness(r, g, b) {
  const lin = (v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126729 * lin(r) + 0.7151522 * lin(g) + 0.072175 * lin(b);
  const f = y > 216 / 24389 ? Math.cbrt(y) : (24389 / 27 * y + 16) / 116;
  return 116 * f - 16;
}

function meanAbs(a, b) {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sum += Math.abs(a[i] - b[i]);
    n++;
  }
  return sum / n;
}

/** @type {import('../../web/lib/index.js').ColorTransfer} */
let ct;
/** @type {import('../../web/lib/index.js').RgbaImage} */
let target;
/** @type {import('../../web/lib/index.js').RgbaImage} */
let reference;
let work;
/** @type {Record<string, string>} */
const files = {};
before(async () => {
  ct = await createColorTransfer({ threads: 2, logger: () => undefined });
  const load = async (name) => decodeImage(new Uint8Array(readFileSync(path.join(KODAK_PAIR, name))));
  target = downscale(await load('target.png'), 3);
  reference = downscale(await load('reference.png'), 3);
  work = mkdtempSync(path.join(tmpdir(), 'supercolor-grading-'));
  for (const [name, image] of /** @type {[string, import('../../web/lib/index.js').RgbaImage][]} */ ([['target', target], ['reference', reference]])) {
    files[name] = path.join(work, `${name}.png`);
    writeFileSync(files[name], await encodePng(image));
  }
  files.corrupt = path.join(work, 'corrupt.png');
  writeFileSync(files.corrupt, 'not a PNG at all\n'.repeat(8));
});
after(() => {
  ct?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('grading controls', () => {
  test('strength 0 is the target, 1 the full transfer, in between monotone', async () => {
    const full = await ct.transfer(target, reference);
    const one = await ct.transfer(target, reference, { strength: 1 });
    assert.deepEqual(one.data, full.data, 'strength 1 = the default result');
    const zero = await ct.transfer(target, reference, { strength: 0 });
    for (let i = 0; i < zero.data.length; i++) assert.equal(zero.data[i], target.data[i], `strength 0 differs from the target at byte ${i}`);
    let previous = 0;
    for (const s of [0.25, 0.5, 0.75, 1]) {
      const r = await ct.transfer(target, reference, { strength: s });
      const distance = meanAbs(r.data, target.data);
      assert.ok(distance > previous, `strength ${s}: distance ${distance} not above ${previous}`);
      previous = distance;
    }
  });

  test('preserveLuminance keeps the target L* within 0.5 and still changes colours', async () => {
    const r = await ct.transfer(target, reference, { preserveLuminance: true });
    let worst = 0;
    for (let p = 0; p < r.data.length; p += 4) {
      worst = Math.max(worst, Math.abs(lightness(r.data[p], r.data[p + 1], r.data[p + 2]) - lightness(target.data[p], target.data[p + 1], target.data[p + 2])));
    }
    assert.ok(worst <= 0.5, `max ΔL* ${worst}`);
    assert.ok(meanAbs(r.data, target.data) > 2, 'colours changed');
  });
});

describe('LUTs', () => {
  test('result.lut is a .cube that reproduces the transfer; applyLut applies it', async () => {
    const r = await ct.transfer(target, reference, {}, { lut: { size: 17 } });
    assert.ok(r.lut, 'lut requested');
    assert.equal(r.lut.size, 17);
    assert.match(r.lut.cube, /^TITLE /m);
    assert.match(r.lut.cube, /^LUT_3D_SIZE 17$/m);
    const dataLines = r.lut.cube.split('\n').filter((l) => /^[-0-9.]+ [-0-9.]+ [-0-9.]+$/.test(l));
    assert.equal(dataLines.length, 17 ** 3);
    assert.ok(r.lut.meanDeltaE2000 > 0 && r.lut.meanDeltaE2000 < 6, `fit ΔE ${r.lut.meanDeltaE2000}`);
    assert.ok(r.lut.p95DeltaE2000 >= r.lut.meanDeltaE2000);
    const applied = await ct.applyLut(r.lut.cube, target);
    assert.equal(applied.width, target.width);
    const toResult = meanAbs(applied.data, r.data);
    const toTarget = meanAbs(r.data, target.data);
    assert.ok(toResult < toTarget / 2, `LUT-applied vs result ${toResult} levels, result vs target ${toTarget}`);
  });

  test('an identity .cube written here is the identity; a malformed one is invalid_lut', async () => {
    const lines = ['# identity', 'LUT_3D_SIZE 2'];
    for (let b = 0; b < 2; b++) for (let g = 0; g < 2; g++) for (let r = 0; r < 2; r++) lines.push(`${r} ${g} ${b}`);
    const identity = await ct.applyLut(lines.join('\n'), target);
    assert.deepEqual([...identity.data], [...target.data]);
    await assert.rejects(ct.applyLut('LUT_3D_SIZE 2\n0 0 0\n', target), { code: 'invalid_lut' });
    await assert.rejects(ct.applyLut(lines.join('\n'), target, { interpolation: /** @type {any} */ ('cubic') }), { code: 'invalid_argument' });
  });
});

describe('CLI batches and LUTs', () => {
  const cli = (args) => runCommand(process.execPath, [CLI, ...args], { cwd: work, timeout: 120_000, maxBuffer: 16 << 20 });

  test('a batch tries every target; each has a status; the exit code says one failed', async () => {
    const outDir = path.join(work, 'batch');
    const { code, stdout, stderr } = await cli(['--batch', files.reference, files.target, files.corrupt, files.reference, '--out-dir', outDir, '--json']);
    assert.equal(code, EXIT.input, stderr);
    const report = JSON.parse(stdout);
    assert.deepEqual(report.map((r) => r.status), ['ok', 'error', 'ok']);
    assert.equal(report[1].code, 'decode_failed');
    assert.match(stderr, /corrupt\.png: decode_failed/);
    assert.ok(existsSync(path.join(outDir, 'target.png')));
    assert.ok(existsSync(path.join(outDir, 'reference.png')), 'the target after the bad one was written');
  });

  test('--consistent writes one LUT and applies it to every frame; --apply-lut reuses it', async () => {
    const outDir = path.join(work, 'frames');
    const lut = path.join(work, 'look.cube');
    const { code, stdout, stderr } = await cli(['--batch', files.reference, files.target, files.reference, '--out-dir', outDir, '--consistent', '--lut', lut, '--lut-size', '17', '--json']);
    assert.equal(code, EXIT.ok, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.lut.size, 17);
    assert.equal(report.frames.length, 2);
    assert.match(readFileSync(lut, 'utf8'), /LUT_3D_SIZE 17/);
    const again = path.join(work, 'again.png');
    const applied = await cli(['--apply-lut', lut, files.target, '-o', again]);
    assert.equal(applied.code, EXIT.ok, applied.stderr);
    assert.deepEqual(readFileSync(again), readFileSync(path.join(outDir, 'target.png')), 'the same LUT gives the same frame');
  });

  test('an output path that is a folder is refused before any work', async () => {
    const folder = path.join(work, 'a-folder.png');
    mkdirSync(folder, { recursive: true });
    const { code, stderr } = await cli([files.target, files.reference, '-o', folder]);
    assert.equal(code, EXIT.usage);
    assert.match(stderr, /existing folder/);
  });
});
