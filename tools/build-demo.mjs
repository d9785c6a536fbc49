#!/usr/bin/env node
// Builds the static demo page into web/dist/demo/, deployable on any static host:
//
//   index.html style.css icon.svg manifest.webmanifest
//   sw.js                      service worker (offline + COOP/COEP), with the precache manifest
//   assets/main.js             the page (web/demo/*.js + the package's public API), one bundle
//   assets/worker.js           the package's worker + onnxruntime-web, a separate module bundle
//                              (the API finds it with new URL('./worker.js', import.meta.url))
//   wasm/                      the core builds (threaded and SIMD-only)
//   models/                    manifest.json + the VGG-19 ONNX models
//   ort/                       the onnxruntime-web runtime files the worker bundle loads
//   example/                   the example pair, copied from ../shared/testdata/pairs at build time
//
//   node tools/build-demo.mjs [--out DIR] [--no-minify] [--from-source] [--json]
//
// Needs the package built first (npm run build: dist/, wasm/, models/*.onnx). --from-source
// bundles the package from web/lib/*.ts instead of dist/ (to try unreleased package changes).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { CORE_DIR, MODELS_DIR, ORT_DIST, copy, copyCore, copyModels, copyOrtRuntime } from './bundle-web.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Where the inputs are: the one place to change them.
export const PATHS = Object.freeze({
  demoSource: join(ROOT, 'web/demo'),
  packageEntry: join(ROOT, 'dist/index.js'), // the package's public API ("supercolor")
  packageWorker: join(ROOT, 'dist/worker.js'),
  coreDir: CORE_DIR, // supercolor-{threads,simd}.{mjs,wasm} (+ threads .worker.js)
  modelsDir: MODELS_DIR, // manifest.json + *.onnx
  ortDist: ORT_DIST,
  examplePair: resolve(ROOT, '../shared/testdata/pairs/01_pitie_scotland'),
  out: join(ROOT, 'web/dist/demo'),
});

/** Static files of the page, copied as they are. */
const STATIC_FILES = ['index.html', 'style.css', 'icon.svg', 'manifest.webmanifest'];

const EXAMPLE = {
  title: 'Scotland, house → plain (Pitié et al.)',
  targetName: 'scotland_house.png',
  referenceName: 'scotland_plain.png',
  credit: "Photographs from Pitié, Kokaram & Dahyot's colour transfer work (frcs/colour-transfer), released free of copyright.",
};

function fail(message) {
  console.error(`build-demo: ${message}`);
  process.exit(1);
}

async function listFiles(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function category(path) {
  const ext = extname(path);
  if (ext === '.wasm') return 'wasm';
  if (ext === '.onnx') return 'model';
  if (ext === '.js' || ext === '.mjs') return 'js';
  if (path.startsWith(`example${sep}`) || path.startsWith('example/')) return 'example';
  return 'page';
}

/**
 * Builds the demo. Returns {out, files: [{path, size, gzip, category}], totals}.
 * @param {{out?: string, minify?: boolean, quiet?: boolean, fromSource?: boolean}} [options]
 *   fromSource: bundle the package from web/lib (TypeScript) instead of the built dist/.
 */
export async function buildDemo(options = {}) {
  const out = resolve(options.out ?? PATHS.out);
  const minify = options.minify !== false;
  const packageEntry = options.fromSource ? join(ROOT, 'web/lib/index.ts') : PATHS.packageEntry;
  const packageWorker = options.fromSource ? join(ROOT, 'web/lib/worker.ts') : PATHS.packageWorker;
  const log = options.quiet ? () => {} : (line) => console.log(line);

  for (const [what, path] of [
    ['the package (run npm run build)', packageEntry],
    ['the package worker (run npm run build)', packageWorker],
    ['the core builds (run npm run build:wasm)', join(PATHS.coreDir, 'supercolor-simd.wasm')],
    ['the model manifest', join(PATHS.modelsDir, 'manifest.json')],
    ['onnxruntime-web (run npm install)', PATHS.ortDist],
  ]) {
    if (!existsSync(path)) fail(`missing ${what}: ${relative(ROOT, path)}`);
  }

  await rm(out, { recursive: true, force: true });
  await mkdir(join(out, 'assets'), { recursive: true });

  // 1. Two bundles: the page (with the package's API) and the worker (with onnxruntime-web).
  /** @type {import('esbuild').BuildOptions} */
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome113', 'firefox120', 'safari17'],
    minify,
    sourcemap: 'linked',
    legalComments: 'linked',
    // Node-only code paths of the package sit behind isNode checks and dynamic imports.
    external: ['node:*', 'onnxruntime-node'],
    alias: { supercolor: packageEntry },
    logLevel: 'warning',
    metafile: true,
  };
  await build({ ...common, entryPoints: { main: join(PATHS.demoSource, 'main.js') }, outdir: join(out, 'assets') });
  await build({ ...common, entryPoints: { worker: packageWorker }, outdir: join(out, 'assets') });

  // 2. The static page files.
  for (const file of STATIC_FILES) await copy(join(PATHS.demoSource, file), join(out, file));

  // 3. The core builds, 4. the models listed in the manifest, 5. only the onnxruntime-web runtime
  // files that the worker bundle refers to (tools/bundle-web.mjs copies them all).
  const workerCode = await readFile(join(out, 'assets/worker.js'), 'utf8');
  const ortFiles = [...new Set(workerCode.match(/ort-wasm-simd-threaded(?:\.[a-z]+)?\.(?:mjs|wasm)/g) ?? [])].sort();
  if (ortFiles.length === 0) fail('the worker bundle refers to no onnxruntime-web runtime file');
  try {
    await copyCore(out, PATHS.coreDir);
    await copyModels(out, PATHS.modelsDir);
    await copyOrtRuntime(out, ortFiles, PATHS.ortDist);
  } catch (error) {
    if (error.code === 'MISSING_INPUT') fail(error.message);
    throw error;
  }

  // 6. The example pair (never committed: copied from ../shared at build time).
  if (existsSync(PATHS.examplePair)) {
    const names = await readdir(PATHS.examplePair);
    const target = names.find((n) => /^target\.(png|jpe?g|webp)$/i.test(n));
    const reference = names.find((n) => /^reference\.(png|jpe?g|webp)$/i.test(n));
    if (!target || !reference) fail(`${PATHS.examplePair} has no target.* / reference.*`);
    await copy(join(PATHS.examplePair, target), join(out, 'example', target));
    await copy(join(PATHS.examplePair, reference), join(out, 'example', reference));
    await writeFile(join(out, 'example/example.json'), `${JSON.stringify({ ...EXAMPLE, target, reference }, null, 2)}\n`);
  } else {
    console.warn(`build-demo: warning: ${PATHS.examplePair} not found; the page's example button will report it`);
  }

  // 7. The service worker with its precache manifest: every file but source maps, with a hash.
  const files = [];
  for (const path of (await listFiles(out)).sort()) {
    const rel = relative(out, path).split(sep).join('/');
    if (rel.endsWith('.map') || rel === 'sw.js' || rel.endsWith('.LEGAL.txt')) continue;
    const bytes = await readFile(path);
    files.push({
      path: rel,
      hash: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
      size: bytes.length,
      // The shell is cached at install; the rest when first used or when the page is idle.
      shell: /^(index\.html|style\.css|icon\.svg|manifest\.webmanifest|assets\/(main|worker)\.js)$/.test(rel),
    });
  }
  const version = createHash('sha256').update(files.map((f) => `${f.path}:${f.hash}`).join('\n')).digest('hex').slice(0, 12);
  const swTemplate = await readFile(join(PATHS.demoSource, 'sw.js'), 'utf8');
  const header = `self.__SUPERCOLOR_PRECACHE__ = ${JSON.stringify({ version, files })};\n`;
  await writeFile(join(out, 'sw.js'), header + swTemplate);

  // 8. Sizes.
  const report = [];
  for (const path of (await listFiles(out)).sort()) {
    const rel = relative(out, path).split(sep).join('/');
    if (rel.endsWith('.map') || rel.endsWith('.LEGAL.txt')) continue;
    const bytes = await readFile(path);
    report.push({ path: rel, size: bytes.length, gzip: gzipSync(bytes, { level: 6 }).length, category: category(rel) });
  }
  const totals = {};
  for (const r of report) {
    totals[r.category] ??= { size: 0, gzip: 0, files: 0 };
    totals[r.category].size += r.size;
    totals[r.category].gzip += r.gzip;
    totals[r.category].files += 1;
  }
  log(`build-demo: ${relative(process.cwd(), out) || '.'} (version ${version})`);
  const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;
  for (const [name, t] of Object.entries(totals)) log(`  ${name.padEnd(8)} ${String(t.files).padStart(3)} files  ${mb(t.size).padStart(10)}  (gzip ${mb(t.gzip)})`);
  const sum = report.reduce((a, r) => ({ size: a.size + r.size, gzip: a.gzip + r.gzip }), { size: 0, gzip: 0 });
  log(`  ${'total'.padEnd(8)} ${String(report.length).padStart(3)} files  ${mb(sum.size).padStart(10)}  (gzip ${mb(sum.gzip)})`);
  log(`  onnxruntime-web runtime: ${ortFiles.join(', ')}`);
  return { out, version, files: report, totals };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const options = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') options.out = args[++i];
    else if (args[i] === '--no-minify') options.minify = false;
    else if (args[i] === '--json') options.json = true;
    else if (args[i] === '--from-source') options.fromSource = true;
    else fail(`unknown argument ${args[i]} (usage: node tools/build-demo.mjs [--out DIR] [--no-minify] [--from-source] [--json])`);
  }
  const result = await buildDemo({ ...options, quiet: options.json });
  if (options.json) console.log(JSON.stringify({ out: result.out, version: result.version, totals: result.totals, files: result.files }, null, 2));
}
