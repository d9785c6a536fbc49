// The supercolor command line (dist/cli.js, the package's bin): single and batch runs, --json,
// --dump, exit codes of bad arguments, inputs never overwritten, --help.
// Run: node --test tests/node/cli.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { KODAK_PAIR, PAIR, ROOT, distUrl, downscale, runCommand } from '../support.mjs';

const CLI = path.join(ROOT, 'dist/cli.js');

/** @type {typeof import('../../web/lib/codec.js')} */

const { decodeImage, encodePng } = await import(distUrl('codec.js'));
/** @type {typeof import('../../web/lib/cli.js')} */
const { EXIT } = await import(distUrl('cli.js'));

/** Runs the CLI; resolves {code, stdout, stderr} (never rejects on a non-zero exit). */
function cli(args, options = {}) {
  return runCommand(process.execPath, [CLI, ...args], { cwd: options.cwd ?? work, timeout: 120_000, maxBuffer: 16 << 20 });
}

/** Parses a .npy (v1.0) file: {descr, shape, data (typed array)}. */
function readNpy(file) {
  const bytes = readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], `${file}: magic`);
  const headerLength = bytes.readUInt16LE(8);
  assert.equal((10 + headerLength) % 64, 0, `${file}: data not 64-byte aligned`);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.ok(header.endsWith('\n'));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  assert.match(header, /'fortran_order':\s*False/);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = bytes.subarray(10 + headerLength);
  const copy = new Uint8Array(body).buffer;
  const data = descr === '<f4' ? new Float32Array(copy) : descr === '<i4' ? new Int32Array(copy) : new Uint8Array(copy);
  assert.equal(data.length, shape.reduce((a, b) => a * b, 1), `${file}: ${data.length} values for shape ${shape}`);
  return { descr, shape, data };
}

async function pngSize(file) {
  const image = await decodeImage(new Uint8Array(readFileSync(file)));
  return [image.width, image.height];
}

let work;
const files = {};

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'supercolor-cli-'));
  // Small inputs keep each run short: the example pair at 1/3 (160x120), a Kodak image at 1/4
  // (192x128) as a second target and the reference at 1/4 (120x90): sizes differ on purpose.
  const decode = (file) => decodeImage(new Uint8Array(readFileSync(file)));
  const write = async (name, image) => {
    files[name] = path.join(work, `${name}.png`);
    writeFileSync(files[name], await encodePng(image));
  };
  await write('target', downscale(await decode(path.join(PAIR, 'target.png')), 3));
  await write('reference', downscale(await decode(path.join(PAIR, 'reference.png')), 4));
  await write('kodak', downscale(await decode(path.join(KODAK_PAIR, 'target.png')), 4));
  files.link = path.join(work, 'link-to-reference.png');
  symlinkSync(files.reference, files.link);
  files.corrupt = path.join(work, 'corrupt.png');
  writeFileSync(files.corrupt, 'definitely not a PNG\n'.repeat(10));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function noTemporaries(dir) {
  const left = readdirSync(dir).filter((name) => name.endsWith('.tmp'));
  assert.deepEqual(left, [], `temporary files left in ${dir}`);
}

describe('runs', () => {
  test('single run writes a PNG of the target size', async () => {
    const out = path.join(work, 'single.png');
    const { code, stderr } = await cli([files.target, files.reference, '-o', out]);
    assert.equal(code, EXIT.ok, stderr);
    assert.deepEqual(await pngSize(out), [160, 120]);
    assert.match(stderr, /single\.png: 160x120/);
    noTemporaries(work);
  });

  test('--json prints a report that parses, with timings and backend', async () => {
    const out = path.join(work, 'json.png');
    const { code, stdout, stderr } = await cli([files.kodak, files.reference, '-o', out, '--json', '--core', 'simd', '--tau', '0.05', '--no-regrain']);
    assert.equal(code, EXIT.ok, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.output, out);
    assert.equal(report.width, 192);
    assert.equal(report.height, 128);
    for (const stage of ['decode', 'segment', 'features', 'match', 'fuse', 'regrain', 'upsample']) {
      assert.ok(typeof report.timings[stage] === 'number' && report.timings[stage] >= 0, stage);
    }
    assert.equal(report.backend.core, 'simd');
    assert.equal(report.backend.threads, 1);
    assert.equal(report.backend.features, 'node');
    assert.deepEqual(await pngSize(out), [192, 128]);
  });

  test('-o OUT.jpg writes a JPEG at --quality; batch --format jpg; both tagged sRGB', async () => {
    const sizes = {};
    for (const quality of [50, 95]) {
      const out = path.join(work, `q${quality}.jpg`);
      const { code, stderr } = await cli([files.target, files.reference, '-o', out, '--quality', String(quality)]);
      assert.equal(code, EXIT.ok, stderr);
      const bytes = readFileSync(out);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG file');
      assert.ok(bytes.includes(Buffer.from('ICC_PROFILE\0', 'latin1')), 'an sRGB ICC profile is embedded');
      assert.deepEqual(await pngSize(out), [160, 120]);
      sizes[quality] = bytes.length;
    }
    assert.ok(sizes[50] < sizes[95], `quality changes the size: ${JSON.stringify(sizes)}`);
    const outDir = path.join(work, 'batch-jpg');
    const batch = await cli(['--batch', files.reference, files.target, '--out-dir', outDir, '--format', 'jpg']);
    assert.equal(batch.code, EXIT.ok, batch.stderr);
    assert.deepEqual(readdirSync(outDir), ['target.jpg']);
    for (const args of [['-o', path.join(work, 'x.jpg'), '--quality', '0'], ['-o', path.join(work, 'x.webp')], ['-o', path.join(work, 'x.png'), '--format', 'jpg']]) {
      const bad = await cli([files.target, files.reference, ...args]);
      assert.equal(bad.code, EXIT.usage, args.join(' '));
    }
  });

  test('warnings (a JPEG cut short) are in the --json report and on stderr', async () => {
    const { encodeJpeg } = await import(distUrl('codec.js'));
    const whole = await encodeJpeg(await decodeImage(new Uint8Array(readFileSync(files.target))), 90);
    const cut = path.join(work, 'cut.jpg');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const { code, stdout, stderr } = await cli([cut, files.reference, '-o', path.join(work, 'cut-out.png'), '--json']);
    assert.equal(code, EXIT.ok, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.status, 'ok');
    assert.equal(report.warnings.length, 1, JSON.stringify(report.warnings));
    assert.match(report.warnings[0], /ends early/);
    assert.match(stderr, /ends early/);
    assert.ok(report.writeMs >= 0);
  });

  test('batch run writes one output per target', async () => {
    const outDir = path.join(work, 'batch-out');
    const { code, stdout, stderr } = await cli(['--batch', files.reference, files.target, files.kodak, '--out-dir', outDir, '--json', '--superpixels', '200']);
    assert.equal(code, EXIT.ok, stderr);
    const reports = JSON.parse(stdout);
    assert.equal(reports.length, 2);
    assert.deepEqual(readdirSync(outDir).sort(), ['kodak.png', 'target.png']);
    assert.deepEqual(await pngSize(path.join(outDir, 'target.png')), [160, 120]);
    assert.deepEqual(await pngSize(path.join(outDir, 'kodak.png')), [192, 128]);
    assert.deepEqual(reports.map((r) => r.output), [path.join(outDir, 'target.png'), path.join(outDir, 'kodak.png')]);
  });

  test('--dump writes the inputs used and the intermediate results with the right shapes', async () => {
    const dump = path.join(work, 'dump');
    const out = path.join(work, 'dumped.png');
    const { code, stdout, stderr } = await cli([files.target, files.reference, '-o', out, '--dump', dump, '--json', '--threads', '2']);
    assert.equal(code, EXIT.ok, stderr);
    const expected = ['A.npy', 'c.npy', 'direct.npy', 'final.npy', 'fused.npy', 'labels_R.npy', 'labels_T.npy', 'reference_in.png', 'superfeat_R.npy', 'superfeat_T.npy', 'target_in.png'];
    assert.deepEqual(readdirSync(dump).sort(), expected);
    assert.equal(JSON.parse(stdout).dumped.length, expected.length);

    // The exact input pixels.
    const target = await decodeImage(new Uint8Array(readFileSync(files.target)));
    const targetIn = await decodeImage(new Uint8Array(readFileSync(path.join(dump, 'target_in.png'))));
    assert.deepEqual(Buffer.from(targetIn.data), Buffer.from(target.data));
    assert.deepEqual(await pngSize(path.join(dump, 'reference_in.png')), [120, 90]);

    const [H, W, Hr, Wr] = [120, 160, 90, 120];
    const labelsT = readNpy(path.join(dump, 'labels_T.npy'));
    const labelsR = readNpy(path.join(dump, 'labels_R.npy'));
    assert.equal(labelsT.descr, '<i4');
    assert.deepEqual(labelsT.shape, [H, W]);
    assert.deepEqual(labelsR.shape, [Hr, Wr]);
    const nT = Math.max(...labelsT.data) + 1;
    const nR = Math.max(...labelsR.data) + 1;
    assert.equal(new Set(labelsT.data).size, nT);
    const sfT = readNpy(path.join(dump, 'superfeat_T.npy'));
    const sfR = readNpy(path.join(dump, 'superfeat_R.npy'));
    assert.equal(sfT.descr, '<f4');
    assert.deepEqual(sfT.shape, [nT, 64]);
    assert.deepEqual(sfR.shape, [nR, 64]);
    const A = readNpy(path.join(dump, 'A.npy'));
    assert.equal(A.descr, '<f4');
    assert.deepEqual(A.shape, [nT, nR]);
    for (let i = 0; i < nT; i++) {
      let sum = 0;
      for (let j = 0; j < nR; j++) sum += A.data[i * nR + j];
      assert.ok(Math.abs(sum - 1) < 1e-4, `row ${i} of A sums to ${sum}`);
    }
    const c = readNpy(path.join(dump, 'c.npy'));
    assert.deepEqual(c.shape, [nT, 3]);
    for (const name of ['direct', 'fused', 'final']) {
      const array = readNpy(path.join(dump, `${name}.npy`));
      assert.equal(array.descr, '<f4', name);
      assert.deepEqual(array.shape, [H, W, 3], name);
      assert.ok(array.data.every(Number.isFinite), name);
    }
    const final = readNpy(path.join(dump, 'final.npy'));
    assert.ok(final.data.every((v) => v >= 0 && v <= 1));
    const output = await decodeImage(new Uint8Array(readFileSync(out)));
    for (let p = 0; p < H * W; p++) {
      for (let k = 0; k < 3; k++) assert.equal(Math.round(final.data[3 * p + k] * 255), output.data[4 * p + k]);
    }
    noTemporaries(dump);
  });
});

describe('errors', () => {
  const out = () => path.join(work, 'never-written.png');
  /** @type {[string, () => string[], number, RegExp][]} */
  const cases = [
    ['unknown flag', () => [files.target, files.reference, '-o', out(), '--bogus'], EXIT.usage, /bogus/],
    ['missing -o', () => [files.target, files.reference], EXIT.usage, /-o/],
    ['one file only', () => [files.target, '-o', out()], EXIT.usage, /TARGET and REFERENCE/],
    ['non-numeric --tau', () => [files.target, files.reference, '-o', out(), '--tau', 'abc'], EXIT.usage, /tau.*abc/],
    ['--tau 0', () => [files.target, files.reference, '-o', out(), '--tau', '0'], EXIT.usage, /tau/],
    ['unknown layer', () => [files.target, files.reference, '-o', out(), '--layers', 'relu9_9'], EXIT.usage, /relu9_9/],
    ['--threads 0', () => [files.target, files.reference, '-o', out(), '--threads', '0'], EXIT.usage, /threads/],
    ['bad --core', () => [files.target, files.reference, '-o', out(), '--core', 'gpu'], EXIT.usage, /core/],
    ['output neither .png nor .jpg', () => [files.target, files.reference, '-o', path.join(work, 'x.tiff')], EXIT.usage, /\.png or \.jpg/],
    ['output folder missing', () => [files.target, files.reference, '-o', path.join(work, 'no/such/dir/x.png')], EXIT.usage, /does not exist/],
    ['output == input', () => [files.target, files.reference, '-o', files.target], EXIT.usage, /overwrite an input/],
    ['output is a link to an input', () => [files.target, files.reference, '-o', files.link], EXIT.usage, /overwrite an input/],
    ['batch without --out-dir', () => ['--batch', files.reference, files.target], EXIT.usage, /out-dir/],
    ['missing input file', () => [path.join(work, 'missing.png'), files.reference, '-o', out()], EXIT.input, /missing\.png/],
    ['corrupt input file', () => [files.target, files.corrupt, '-o', out()], EXIT.input, /reference/],
  ];
  for (const [name, args, code, message] of cases) {
    test(`${name}: exit ${code} with a message`, async () => {
      const before = Object.fromEntries([files.target, files.reference].map((f) => [f, readFileSync(f)]));
      const result = await cli(args());
      assert.equal(result.code, code, `stderr: ${result.stderr}`);
      assert.match(result.stderr, /^supercolor: /m);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assert.ok(!existsSync(out()), 'an output was written');
      for (const [file, bytes] of Object.entries(before)) assert.deepEqual(readFileSync(file), bytes, `${file} changed`);
    });
  }

  test('an output that cannot be written: refused before any work, or exit 4, nothing left behind', async () => {
    // An output path that is a folder is known before the transfer: refused at once.
    const dir = path.join(work, 'a-folder.png');
    mkdirSync(dir);
    const result = await cli([files.target, files.reference, '-o', dir]);
    assert.equal(result.code, EXIT.usage, result.stderr);
    assert.match(result.stderr, /existing folder/);
    assert.ok(statSync(dir).isDirectory());
    noTemporaries(work);

    const notAFolder = path.join(work, 'plain-file');
    writeFileSync(notAFolder, 'x');
    const dump = await cli([files.target, files.reference, '-o', path.join(work, 'with-dump.png'), '--dump', notAFolder]);
    assert.equal(dump.code, EXIT.output, dump.stderr);
    assert.match(dump.stderr, /--dump/);
    assert.equal(readFileSync(notAFolder, 'utf8'), 'x');
  });

  test('batch never overwrites a target in its own folder', async () => {
    const dir = path.join(work, 'in-place');
    mkdirSync(dir);
    const target = path.join(dir, 'photo.png');
    copyFileSync(files.target, target);
    const mtime = statSync(target).mtimeMs;
    const result = await cli(['--batch', files.reference, target, '--out-dir', dir]);
    assert.equal(result.code, EXIT.usage, result.stderr);
    assert.match(result.stderr, /overwrite an input/);
    assert.equal(statSync(target).mtimeMs, mtime);
    assert.deepEqual(readFileSync(target), readFileSync(files.target));
  });

  test('--dump never overwrites an input', async () => {
    const dir = path.join(work, 'dump-onto-input');
    mkdirSync(dir);
    const target = path.join(dir, 'target_in.png');
    copyFileSync(files.target, target);
    const result = await cli([target, files.reference, '-o', path.join(work, 'dump-onto-input.png'), '--dump', dir]);
    assert.equal(result.code, EXIT.usage, result.stderr);
    assert.match(result.stderr, /overwrite an input/);
    assert.deepEqual(readFileSync(target), readFileSync(files.target));
  });

  test('SIGINT stops a run with exit 130 and writes nothing', async () => {
    const output = path.join(work, 'interrupted.png');
    // A slow run (a 6 MP target analysed at full resolution), interrupted once the CLI has
    // surely installed its handler (module loading takes a few hundred ms, more on a loaded
    // machine).
    const small = await decodeImage(new Uint8Array(readFileSync(path.join(KODAK_PAIR, 'target.png'))));
    const [w, h] = [small.width * 4, small.height * 4];
    const big = new Uint8Array(4 * w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) big.set(small.data.subarray(4 * ((y >> 2) * small.width + (x >> 2)), 4 * ((y >> 2) * small.width + (x >> 2)) + 4), 4 * (y * w + x));
    const bigFile = path.join(work, 'big-target.png');
    writeFileSync(bigFile, await encodePng({ data: big, width: w, height: h }));
    const child = spawn(process.execPath, [CLI, bigFile, path.join(KODAK_PAIR, 'reference.png'), '-o', output, '--analysis-size', 'full'], { cwd: work });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    setTimeout(() => child.kill('SIGINT'), 2000);
    const [code] = await new Promise((resolve) => child.on('exit', (...args) => resolve(args)));
    assert.equal(code, EXIT.aborted, stderr);
    assert.match(stderr, /interrupted/);
    assert.ok(!existsSync(output));
    noTemporaries(work);
  });

  test('--help exits 0 and documents usage and exit codes', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout } = await cli([flag]);
      assert.equal(code, EXIT.ok);
      assert.match(stdout, /Usage:/);
      assert.match(stdout, /--out-dir/);
      assert.match(stdout, /Exit codes/);
    }
  });
});
