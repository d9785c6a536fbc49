// The package as web developers get it: `npm pack`, installed into fresh app folders
// (tests/consumers/<bundler>/), built with each bundler's default configuration (plus, at most,
// the COOP/COEP headers), served on 127.0.0.1 and run in headless Chromium:
//   vite build + vite preview, the vite dev server, webpack 5, esbuild, and no bundler;
// each cross-origin isolated (the threaded core) and not (the SIMD-only core). Each page
// recolours the 64x48 pair of tests/consumers/pattern.js; the result must differ from the target
// and equal the Node package's result (the same tarball's Node entry) within 1/255. Also: a
// TypeScript consumer type-checks with `strict` under `moduleResolution: bundler` and `nodenext`.
// Prints each bundler's emitted app size.
//
// One `npm install` (from npm's cache, --prefer-offline) into a base folder; each app gets a
// hard-linked copy of its node_modules. Needs the package built (bash tools/build.sh) and
// /usr/bin/chromium (else skipped).
//
//   node --test tests/browser/consumers.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROOT, chromiumMissing, compareRgb, launchChromium, runCommand, serve } from '../support.mjs';

const CONSUMERS = path.join(ROOT, 'tests/consumers');
const NPM_ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const devVersion = (name) => JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies[name].replace(/^\^/, '');
const BUNDLERS = ['vite', 'webpack', 'webpack-cli', 'esbuild', 'typescript', '@types/node'];
const skip = chromiumMissing || (existsSync(path.join(ROOT, 'dist/web/index.js')) ? false : 'the package is not built (bash tools/build.sh)');

function run(command, args, options = {}) {
  return runCommand(command, args, { timeout: 240_000, maxBuffer: 32 << 20, env: NPM_ENV, ...options });
}

async function freePort() {
  const server = createServer();
  await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a vite server (`vite` or `vite preview`) in `app`; resolves {url, close()} once it answers. */
async function startVite(app, mode, isolation) {
  const port = await freePort();
  const args = [path.join(app, 'node_modules/vite/bin/vite.js'), ...(mode === 'preview' ? ['preview'] : []), '--host', '127.0.0.1', '--port', String(port), '--strictPort'];
  const child = spawn(process.execPath, args, { cwd: app, env: { ...NPM_ENV, SUPERCOLOR_ISOLATION: isolation ? '1' : '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite ${mode} exited: ${output}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`vite ${mode} did not answer: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => output,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

function folderSize(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderSize(file) : statSync(file).size;
  }
  return total;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

describe('the packed package in web apps', { skip }, () => {
  let work;
  let base;
  let browser;
  let nodeResult;
  const sizes = {};

  /** A fresh app folder: the app's files, the shared page code, and a hard-linked node_modules. */
  async function makeApp(name, folder = name) {
    const app = path.join(work, folder);
    mkdirSync(app);
    cpSync(path.join(CONSUMERS, name), app, { recursive: true });
    for (const file of ['app.js', 'pattern.js']) cpSync(path.join(CONSUMERS, file), path.join(app, file));
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: `${name}-app`, private: true, type: 'module' }));
    const link = await run('cp', ['-al', path.join(base, 'node_modules'), path.join(app, 'node_modules')]);
    assert.equal(link.code, 0, link.stderr);
    return app;
  }

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'supercolor-consumers-'));
    const pack = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    assert.equal(pack.code, 0, pack.stderr);
    const tarball = path.join(work, JSON.parse(pack.stdout)[0].filename);
    base = path.join(work, 'base');
    mkdirSync(base);
    writeFileSync(path.join(base, 'package.json'), JSON.stringify({ name: 'base', private: true, type: 'module' }));
    const install = await run('npm', ['install', '--prefer-offline', tarball, ...BUNDLERS.map((b) => `${b}@${devVersion(b)}`)], { cwd: base });
    assert.equal(install.code, 0, `npm install failed:\n${install.stderr}`);

    // The Node entry of the same tarball, on the same pair.
    writeFileSync(
      path.join(base, 'node-result.mjs'),
      `import { createColorTransfer } from 'supercolor';
       import { makePair } from './pattern.js';
       const { target, reference } = makePair();
       const ct = await createColorTransfer({ logger: () => {} });
       const result = await ct.transfer(target, reference);
       process.stdout.write(Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength).toString('base64'));`,
    );
    cpSync(path.join(CONSUMERS, 'pattern.js'), path.join(base, 'pattern.js'));
    const node = await run(process.execPath, ['node-result.mjs'], { cwd: base });
    assert.equal(node.code, 0, node.stderr);
    nodeResult = Buffer.from(node.stdout, 'base64');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    for (const [name, size] of Object.entries(sizes)) console.log(`# emitted app size, ${name}: ${size}`);
  });

  /** Opens `url` and checks the page's transfer against the Node result; `core`: the build expected. */
  async function checkPage(url, core, { namedAssets = true } = {}) {
    const page = await browser.context.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`));
    const requests = [];
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    try {
      await page.goto(url);
      await page.waitForFunction(() => window.__supercolor !== undefined, null, { timeout: 90_000 });
      const result = await page.evaluate(() => window.__supercolor);
      assert.ok(result.ok, `${result.code}: ${result.message}\nlogs: ${result.logs?.join('\n')}\n${problems.join('\n')}`);
      assert.equal(result.crossOriginIsolated, core === 'threads');
      assert.equal(result.backend.core, core, JSON.stringify(result.backend));
      if (core === 'simd') assert.match(result.backend.reason, /cross-origin isolated|SharedArrayBuffer/);
      assert.equal(result.backend.features, 'wasm');
      const data = Buffer.from(result.data, 'base64');
      const { makePair } = await import('../consumers/pattern.js');
      const target = makePair().target.data;
      assert.ok(compareRgb(data, target).max > 16, 'the result does not differ from the target');
      const diff = compareRgb(data, nodeResult);
      assert.ok(diff.max <= 1, `the page's result differs from Node's by ${diff.max}/255 (${diff.differing} values)`);
      assert.deepEqual(problems, []);
      // Only what the page needs: no WebGPU runtime without an adapter (headless Chromium offers
      // none), only the model of the default layer, only the core build in use. (webpack names
      // its emitted assets by hash only: nothing to tell them apart by.)
      if (!namedAssets) return result;
      const fetched = (re) => requests.filter((p) => re.test(p));
      assert.deepEqual(fetched(/jsep/), [], 'the WebGPU build of ONNX Runtime was fetched');
      assert.equal(fetched(/ort-wasm-simd-threaded[^/]*\.wasm$/).length, 1, requests.join('\n'));
      assert.deepEqual(fetched(/vgg19-relu(2_1|2_2|3_1)/), [], 'an unused model was fetched');
      assert.equal(fetched(/vgg19-relu1_2[^/]*\.onnx$/).length, 1, requests.join('\n'));
      assert.deepEqual(fetched(new RegExp(`supercolor-${core === 'threads' ? 'simd' : 'threads'}`)), [], 'the other core build was fetched');
      return result;
    } finally {
      await page.close();
    }
  }

  async function checkStatic(root, entry, options) {
    for (const isolation of [true, false]) {
      const server = await serve(root, isolation);
      try {
        await checkPage(new URL(entry, server.url).href, isolation ? 'threads' : 'simd', options);
      } finally {
        await server.close();
      }
    }
  }

  test('Vite: build, then preview', { timeout: 180_000 }, async () => {
    const app = await makeApp('vite');
    const build = await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { cwd: app });
    assert.equal(build.code, 0, build.stdout + build.stderr);
    sizes.vite = mb(folderSize(path.join(app, 'dist')));
    for (const isolation of [true, false]) {
      const server = await startVite(app, 'preview', isolation);
      try {
        await checkPage(server.url, isolation ? 'threads' : 'simd');
      } finally {
        await server.close();
      }
    }
  });

  test('Vite: dev server', { timeout: 180_000 }, async () => {
    const app = await makeApp('vite', 'vite-dev');
    for (const isolation of [true, false]) {
      const server = await startVite(app, 'dev', isolation);
      try {
        await checkPage(server.url, isolation ? 'threads' : 'simd');
      } catch (error) {
        error.message += `\nvite output:\n${server.output()}`;
        throw error;
      } finally {
        await server.close();
      }
    }
  });

  test('webpack 5', { timeout: 180_000 }, async () => {
    const app = await makeApp('webpack');
    const build = await run(process.execPath, ['node_modules/webpack-cli/bin/cli.js', './main.js'], { cwd: app });
    assert.equal(build.code, 0, build.stdout + build.stderr);
    cpSync(path.join(app, 'index.html'), path.join(app, 'dist/index.html'));
    sizes.webpack = mb(folderSize(path.join(app, 'dist')));
    await checkStatic(path.join(app, 'dist'), 'index.html', { namedAssets: false });
  });

  test('esbuild', { timeout: 180_000 }, async () => {
    const app = await makeApp('esbuild');
    const esbuild = path.join(app, 'node_modules/esbuild/bin/esbuild');
    const build = await run(esbuild, ['main.js', 'node_modules/supercolor/dist/worker.js', '--bundle', '--format=esm', '--outdir=dist', '--entry-names=[name]'], { cwd: app });
    assert.equal(build.code, 0, build.stdout + build.stderr);
    sizes.esbuild = `${mb(folderSize(path.join(app, 'dist')))} (+ the package's wasm/ and models/ and onnxruntime-web's runtime, served from node_modules)`;
    await checkStatic(app, 'index.html');
  });

  test('no bundler (import map, the package\'s browser build)', { timeout: 180_000 }, async () => {
    const app = await makeApp('plain');
    await checkStatic(app, 'index.html');
  });

  test('a file that cannot be loaded rejects with its URL, never hangs', { timeout: 120_000 }, async () => {
    const app = await makeApp('plain', 'plain-failures');
    const openApp = async (server) => {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}index.html`);
      await page.waitForFunction(() => window.__supercolor !== undefined, null, { timeout: 60_000 });
      return page;
    };
    // The worker script missing: the transfer rejects (naming it) instead of waiting.
    // (A server of its own: another origin, so nothing comes from the HTTP cache.)
    const worker = path.join(app, 'node_modules/supercolor/dist/web/worker.js');
    renameSync(worker, `${worker}.gone`);
    let server = await serve(app, false);
    try {
      const page = await openApp(server);
      const result = await page.evaluate(() => window.__supercolor);
      assert.equal(result.ok, false);
      assert.match(result.message, /worker\.js beside http:\/\/127\.0\.0\.1:\d+\/node_modules\/supercolor\/dist\/web\/index\.js.*could not be loaded/, result.message);
      await page.close();
    } finally {
      await server.close();
      renameSync(`${worker}.gone`, worker);
    }

    // A folder with the core but no models; a folder that does not exist.
    cpSync(path.join(app, 'node_modules/supercolor/wasm'), path.join(app, 'partial/wasm'), { recursive: true });
    server = await serve(app, false);
    try {
      const page = await openApp(server);
      const attempt = (options) => page.evaluate((o) => window.__supercolorTry(o), options);
      const noCore = await attempt({ baseUrl: '/nowhere/' });
      assert.equal(noCore.code, 'backend_unavailable', JSON.stringify(noCore));
      assert.ok(noCore.message.includes(`${server.url}nowhere/wasm/supercolor-simd.wasm`) && /HTTP 404/.test(noCore.message), noCore.message);
      const noModel = await attempt({ baseUrl: '/partial/' });
      assert.equal(noModel.code, 'backend_unavailable', JSON.stringify(noModel));
      assert.ok(noModel.message.includes(`${server.url}partial/models/manifest.json`) && /HTTP 404/.test(noModel.message), noModel.message);
      await page.close();
    } finally {
      await server.close();
    }
  });

  test('TypeScript: strict, moduleResolution bundler and nodenext', { timeout: 120_000 }, async () => {
    const app = await makeApp('typescript');
    for (const config of ['tsconfig.bundler.json', 'tsconfig.nodenext.json']) {
      const tsc = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', config], { cwd: app });
      assert.equal(tsc.code, 0, `${config}:\n${tsc.stdout}${tsc.stderr}`);
    }
  });
});
