// Bundles the package for a browser page that has no bundler of its own (the demo, the browser
// tests): dist/index.js and dist/worker.js become two ES modules beside each other (the API finds
// its worker with new URL('./worker.js', import.meta.url)), with the core builds, the models and
// onnxruntime-web's runtime files copied next to them. Nothing is fetched from elsewhere.
//
//   node tools/bundle-web.mjs OUT_DIR      -> OUT_DIR/{index.js, worker.js, wasm/, models/, ort/}
//
// In the page: createColorTransfer({ baseUrl: OUT_DIR_URL, ortWasmPaths: OUT_DIR_URL + 'ort/' }).
import { build } from 'esbuild';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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
    // Node-only code paths are behind `isNode` checks and dynamic imports.
    external: ['node:*', 'onnxruntime-node'],
    logLevel: 'warning',
  });
  await cp(join(root, 'wasm'), join(outDir, 'wasm'), { recursive: true });
  await mkdir(join(outDir, 'models'), { recursive: true });
  const manifest = JSON.parse(await readFile(join(root, 'models/manifest.json'), 'utf8'));
  await cp(join(root, 'models/manifest.json'), join(outDir, 'models/manifest.json'));
  for (const model of manifest.models) await cp(join(root, 'models', model.file), join(outDir, 'models', model.file));
  // onnxruntime-web loads its own wasm runtime (ort-wasm-simd-threaded[.jsep].{mjs,wasm}).
  const ortDist = join(root, 'node_modules/onnxruntime-web/dist');
  await mkdir(join(outDir, 'ort'), { recursive: true });
  for (const file of await readdir(ortDist)) {
    if (/^ort-wasm-simd-threaded(\.jsep)?\.(mjs|wasm)$/.test(file)) await cp(join(ortDist, file), join(outDir, 'ort', file));
  }
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv[2]) {
    console.error('usage: node tools/bundle-web.mjs OUT_DIR');
    process.exit(2);
  }
  console.log(`bundle-web: ${await bundleWeb(process.argv[2])}`);
}
