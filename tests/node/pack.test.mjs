// The published package: `npm pack`, installed into an empty folder, works there — `import`
// in Node (with its types), and the CLI through npx. One install for the whole file (slow-ish:
// a few seconds from npm's cache; the registry is used for what the cache lacks).
// Run: node --test tests/node/pack.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PAIR, ROOT, runCommand } from '../support.mjs';

const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const NPM_ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false' };

function run(command, args, options = {}) {
  return runCommand(command, args, { timeout: 300_000, maxBuffer: 32 << 20, env: NPM_ENV, ...options });
}

let work;
let app;
let tarball;
let packed;

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'supercolor-pack-'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
  assert.equal(pack.code, 0, pack.stderr);
  packed = JSON.parse(pack.stdout)[0];
  tarball = path.join(work, packed.filename);
  assert.ok(existsSync(tarball));

  app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const install = await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app });
  assert.equal(install.code, 0, `npm install failed:\n${install.stderr}`);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  test('the tarball holds the built package and nothing from the source tree', () => {
    const files = packed.files.map((f) => f.path);
    for (const needed of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'dist/node.js', 'dist/node.d.ts', 'dist/node-worker.js', 'dist/pthread-worker.js', 'dist/web/index.js', 'dist/web/worker.js', 'dist/cli.js', 'docs/web-apps.md', 'dist/features/index.mjs', 'dist/features/index.d.mts', 'models/manifest.json', 'models/vgg19-relu1_2.onnx', 'wasm/supercolor-simd.mjs', 'wasm/supercolor-simd.wasm', 'wasm/supercolor-threads.mjs', 'wasm/supercolor-threads.wasm', 'wasm/supercolor-threads.worker.js']) {
      assert.ok(files.includes(needed), `${needed} is not in the tarball`);
    }
    // Every model of the manifest ships.
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models/manifest.json'), 'utf8'));
    for (const model of manifest.models) assert.ok(files.includes(`models/${model.file}`), model.file);
    for (const file of files) assert.doesNotMatch(file, /^(src|tests|tools|web|build|node_modules)\//, `${file} should not ship`);
    assert.ok(packed.size < 20 << 20, `tarball is ${packed.size} bytes`);
  });
});

describe('entries', () => {
  /** Every module the file imports statically or with a literal dynamic import, recursively (relative ones followed). */
  function importGraph(file, seen = new Map()) {
    if (seen.has(file)) return seen;
    const code = readFileSync(file, 'utf8');
    const specifiers = [...code.matchAll(/(?:^|[\s;}])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*(?:\/\*[^*]*\*\/\s*)*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
    seen.set(file, specifiers);
    // (Relative specifiers inside string literals, as in the embedded pthread worker's text, name no file here.)
    for (const specifier of specifiers) {
      const target = path.resolve(path.dirname(file), specifier);
      if (specifier.startsWith('.') && existsSync(target)) importGraph(target, seen);
    }
    return seen;
  }

  test('the browser entry and its worker import nothing of Node; the Node entry is where Node code is', () => {
    for (const entry of ['index.js', 'worker.js', 'web/index.js', 'web/worker.js']) {
      const graph = importGraph(path.join(app, 'node_modules/supercolor/dist', entry));
      const imported = [...graph.values()].flat();
      assert.ok(imported.length > 0 || entry.startsWith('web/'), entry);
      const node = imported.filter((s) => /^node:|^(fs|os|path|url|module|worker_threads)$|onnxruntime-node/.test(s));
      assert.deepEqual(node, [], `${entry} imports ${node.join(', ')}`);
    }
    const nodeGraph = [...importGraph(path.join(app, 'node_modules/supercolor/dist/node.js')).values()].flat();
    assert.ok(nodeGraph.includes('node:worker_threads'), 'the Node entry starts a worker thread');
  });

  test('package.json exports: browser and Node entries, the worker and the asset folders', async () => {
    const pkg = JSON.parse(readFileSync(path.join(app, 'node_modules/supercolor/package.json'), 'utf8'));
    assert.equal(pkg.exports['.'].browser.default, './dist/index.js');
    assert.equal(pkg.exports['.'].node.default, './dist/node.js');
    assert.equal(pkg.exports['.'].default, './dist/index.js');
    for (const sub of ['./worker', './web', './node']) assert.ok(pkg.exports[sub], sub);
    // Resolution as Node does it (the 'node' condition), from the app folder.
    const script = `
      const m = await import('supercolor');
      for (const name of ['createColorTransfer', 'decodeImage', 'encodePng', 'encodeJpeg', 'SupercolorError']) if (typeof m[name] !== 'function') throw new Error('no ' + name);
      console.log(import.meta.resolve('supercolor/wasm/supercolor-simd.wasm'), import.meta.resolve('supercolor/models/manifest.json'), import.meta.resolve('supercolor/worker'));`;
    const { code, stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    assert.equal(code, 0, stderr);
    const [wasm, manifest, worker] = stdout.trim().split(' ');
    assert.ok(wasm.endsWith('/node_modules/supercolor/wasm/supercolor-simd.wasm'), wasm);
    assert.ok(manifest.endsWith('/node_modules/supercolor/models/manifest.json'), manifest);
    assert.ok(worker.endsWith('/node_modules/supercolor/dist/worker.js'), worker);
  });

  test('every model of the manifest has a literal URL in assets.js (so bundlers emit it)', () => {
    const assets = readFileSync(path.join(app, 'node_modules/supercolor/dist/assets.js'), 'utf8');
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'models/manifest.json'), 'utf8'));
    for (const model of manifest.models) assert.ok(assets.includes(`new URL('../models/${model.file}', import.meta.url)`), model.file);
    for (const file of ['wasm/supercolor-threads.mjs', 'wasm/supercolor-threads.wasm', 'wasm/supercolor-simd.mjs', 'wasm/supercolor-simd.wasm', 'models/manifest.json']) {
      assert.ok(assets.includes(`new URL('../${file}', import.meta.url)`), file);
    }
  });
});

describe('installed into an empty folder', () => {
  test('import works in Node and runs a transfer (no dispose needed to exit)', async () => {
    const script = `
      import { writeFileSync } from 'node:fs';
      const m = await import('supercolor');
      if (typeof m.createColorTransfer !== 'function') throw new Error('no createColorTransfer export');
      if (m.DEFAULT_PARAMS.tau !== 0.02) throw new Error('DEFAULT_PARAMS');
      const ct = await m.createColorTransfer({ logger: () => {} });
      const result = await ct.transfer(${JSON.stringify(path.join(PAIR, 'target.png'))}, ${JSON.stringify(path.join(PAIR, 'reference.png'))}, { superpixels: 400 });
      let checksum = 0;
      for (let i = 0; i < result.data.length; i++) checksum = (checksum * 31 + result.data[i]) >>> 0;
      console.log(JSON.stringify({ width: result.width, height: result.height, backend: result.backend, checksum }));
    `;
    writeFileSync(path.join(app, 'use.mjs'), script);
    const { code, stdout, stderr } = await run(process.execPath, ['use.mjs'], { cwd: app, timeout: 120_000 });
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout.trim().split('\n').pop());
    assert.equal(report.width, 481);
    assert.equal(report.height, 361);
    assert.equal(report.backend.features, 'node');
    assert.equal(report.backend.core, 'threads');

    // The same with `node -e` (an ES module given on the command line).
    const inline = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, timeout: 120_000 });
    assert.equal(inline.code, 0, inline.stderr);
    assert.equal(JSON.parse(inline.stdout.trim().split('\n').pop()).checksum, report.checksum);
  });

  test('without onnxruntime-node: the fallback to onnxruntime-web is told to the logger, nothing is printed', async () => {
    const ortNode = path.join(app, 'node_modules/onnxruntime-node');
    renameSync(ortNode, `${ortNode}.away`);
    try {
      const script = `
        import { createColorTransfer } from 'supercolor';
        const logs = [];
        const ct = await createColorTransfer({ core: 'simd', logger: (level, message) => logs.push(level + ': ' + message) });
        const w = 32, h = 32, data = new Uint8Array(4 * w * h).map((_, i) => (i * 37) % 251);
        const result = await ct.transfer({ data, width: w, height: h }, { data: data.slice().reverse(), width: w, height: h });
        console.log(JSON.stringify({ features: result.backend.features, logs }));`;
      const { code, stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, timeout: 120_000 });
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '', 'something was printed instead of going to the logger');
      const report = JSON.parse(stdout.trim().split('\n').pop());
      assert.equal(report.features, 'wasm');
      assert.ok(report.logs.some((line) => /^warn: .*onnxruntime-node|^warn: .*backend node.*falling back to wasm/.test(line)), report.logs.join(' | '));
    } finally {
      renameSync(`${ortNode}.away`, ortNode);
    }
  });

  test('the package\'s types resolve for a TypeScript user', async () => {
    writeFileSync(
      path.join(app, 'check.ts'),
      `import { createColorTransfer, SupercolorError, type TransferResult, type TransferParams } from 'supercolor';
       const params: TransferParams = { tau: 0.02, layers: ['relu1_2'], sigmaG: 'adaptive' };
       export async function run(): Promise<number> {
         const ct = await createColorTransfer({ core: 'simd' });
         const r: TransferResult = await ct.transfer('a.png', 'b.png', params, { onProgress: (p) => void p.fraction });
         ct.dispose();
         return r.width + (new SupercolorError('internal', 'x').code === 'internal' ? 0 : 1);
       }
       // @ts-expect-error: unknown layer names are a type error
       export const bad: TransferParams = { layers: ['relu9_9'] };
      `,
    );
    const { code, stdout, stderr } = await run(process.execPath, [TSC, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), 'check.ts'], { cwd: app });
    assert.equal(code, 0, stdout + stderr);
  });

  test('npx supercolor --help and a CLI run work', async () => {
    const help = await run('npx', ['--no-install', 'supercolor', '--help'], { cwd: app });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage:/);

    const out = path.join(app, 'out.png');
    const cli = await run('npx', ['--no-install', 'supercolor', path.join(PAIR, 'target.png'), path.join(PAIR, 'reference.png'), '-o', out, '--json', '--core', 'simd', '--superpixels', '400'], { cwd: app });
    assert.equal(cli.code, 0, cli.stderr);
    const report = JSON.parse(cli.stdout);
    assert.equal(report.backend.core, 'simd');
    assert.equal(report.width, 481);
    const png = readFileSync(out);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal(png.readUInt32BE(16), 481);
    assert.equal(png.readUInt32BE(20), 361);

    const bad = await run('npx', ['--no-install', 'supercolor', 'nope.png', path.join(PAIR, 'reference.png'), '-o', path.join(app, 'x.png')], { cwd: app });
    assert.equal(bad.code, 3, bad.stderr);
  });
});
