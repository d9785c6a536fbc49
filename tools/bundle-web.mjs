// Bundles the package for a browser page that has no bundler of its own.
//
// 1. bundleWeb(OUT_DIR) (the in-repo pages: the browser tests): dist/index.js and dist/worker.js
//    become two ES modules beside each other (the API finds its worker with
//    new URL('./worker.js', import.meta.url)), with the core builds, the models and
//    onnxruntime-web's runtime files copied next to them. Nothing is fetched from elsewhere.
//
//      node tools/bundle-web.mjs OUT_DIR      -> OUT_DIR/{index.js, worker.js, wasm/, models/, ort/}
//
//    In the page: createColorTransfer({ baseUrl: OUT_DIR_URL, ortWasmPaths: OUT_DIR_URL + 'ort/' }).
//
// 2. bundlePackageWeb() (run by tools/build.sh; shipped as `supercolor/web`): the same two bundles
//    in dist/web/, with no copies: they find the package's wasm/ and models/ two folders up, and
//    onnxruntime-web's runtime in node_modules beside the package, so a page serving node_modules
//    needs no option at all (web apps without a bundler; docs/web-apps.md).
//
// The copy functions (copyCore, copyModels, copyOrtRuntime) are shared with tools/build-demo.mjs.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Default inputs of the copy functions. */
export const CORE_DIR = join(root, 'wasm'); // supercolor-{threads,simd}.{mjs,wasm} (+ threads .worker.js)
export const MODELS_DIR = join(root, 'models'); // manifest.json + *.onnx
export const ORT_DIST = join(root, 'node_modules/onnxruntime-web/dist');

/** onnxruntime-web's own wasm runtime: ort-wasm-simd-threaded[.jsep].{mjs,wasm}. */
const ORT_RUNTIME = /^ort-wasm-simd-threaded(\.jsep)?\.(mjs|wasm)$/;

/** Copies a file, making its folder. */
export async function copy(from, to) {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

function missing(what) {
  return Object.assign(new Error(`missing ${what}`), { code: 'MISSING_INPUT' });
}

/** Copies the core builds (threaded and SIMD-only) into outDir/wasm/. */
export async function copyCore(outDir, coreDir = CORE_DIR) {
  for (const file of await readdir(coreDir)) {
    if (/^supercolor-(threads|simd)\.(mjs|wasm|worker\.js)$/.test(file)) await copy(join(coreDir, file), join(outDir, 'wasm', file));
  }
}

/** Copies models/manifest.json and every model it lists into outDir/models/. */
export async function copyModels(outDir, modelsDir = MODELS_DIR) {
  const manifest = JSON.parse(await readFile(join(modelsDir, 'manifest.json'), 'utf8'));
  await copy(join(modelsDir, 'manifest.json'), join(outDir, 'models/manifest.json'));
  for (const model of manifest.models ?? []) {
    const from = join(modelsDir, model.file);
    if (!existsSync(from)) throw missing(`model ${relative(root, from)} (run npm run build:model)`);
    await copy(from, join(outDir, 'models', model.file));
  }
}

/** Copies onnxruntime-web runtime files (by default every one of ORT_RUNTIME) into outDir/ort/; returns their names. */
export async function copyOrtRuntime(outDir, files = undefined, ortDist = ORT_DIST) {
  files ??= (await readdir(ortDist)).filter((file) => ORT_RUNTIME.test(file));
  for (const file of files) {
    const from = join(ortDist, file);
    if (!existsSync(from)) throw missing(relative(root, from));
    await copy(from, join(outDir, 'ort', file));
  }
  return files;
}

export async function bundleWeb(outDir) {
  outDir = resolve(outDir);
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { index: join(root, 'dist/index.js'), worker: join(root, 'dist/worker.js') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: outDir,
    logLevel: 'warning',
  });
  await copyCore(outDir);
  await copyModels(outDir);
  await copyOrtRuntime(outDir);
  return outDir;
}

/**
 * dist/web/: the package's browser build for pages without a bundler (see above). The asset URLs
 * of dist/assets.js are rewritten for the bundle's place (dist/web/ instead of dist/), and the
 * default onnxruntime-web location is set to node_modules/onnxruntime-web/dist/.
 */
export async function bundlePackageWeb(outDir = join(root, 'dist/web')) {
  await mkdir(outDir, { recursive: true });
  const relocate = {
    name: 'supercolor-web-assets',
    setup(b) {
      b.onLoad({ filter: /[\\/]dist[\\/]assets\.js$/ }, async (args) => {
        let code = await readFile(args.path, 'utf8');
        const before = code;
        code = code.replaceAll("'../wasm/", "'../../wasm/").replaceAll("'../models/", "'../../models/");
        code = code.replace(/export const DEFAULT_ORT_WASM_PATHS = undefined;/, "export const DEFAULT_ORT_WASM_PATHS = new URL('../../../onnxruntime-web/dist/', import.meta.url).href;");
        if (code === before || !code.includes('../../../onnxruntime-web/')) throw new Error('dist/assets.js is not as bundlePackageWeb expects');
        return { contents: code, loader: 'js' };
      });
    },
  };
  await build({
    entryPoints: { index: join(root, 'dist/index.js'), worker: join(root, 'dist/worker.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: outDir,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [relocate],
    logLevel: 'warning',
  });
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--package') {
    console.log(`bundle-web: ${await bundlePackageWeb()}`);
  } else if (!process.argv[2]) {
    console.error('usage: node tools/bundle-web.mjs OUT_DIR | --package');
    process.exit(2);
  } else {
    console.log(`bundle-web: ${await bundleWeb(process.argv[2])}`);
  }
}
