// Fusion in wasm, two core builds side by side in one run: the stage `fuse` of the Pipeline
// (src/wasm/*_bindings.cpp) timed in each, on the same ~1 MP target, so the ratio old / new of
// the fusion kernel can be read off. Prints, never asserts.
//
//   node tools/bench-fusion-wasm.mjs --old DIR [--new DIR] [--repeat N]
//
// DIR holds a tools/build-wasm.sh output (supercolor-{simd,threads}.{mjs,wasm}): --new defaults
// to wasm/ of this checkout; --old is e.g. a copy of wasm/ built from the commit before. The
// target is the Kodak pair 14's target (../shared) upscaled to 1224x816 (nearest), the
// reference its reference; features are synthetic (relu3_1 shape): fusion's cost does not
// depend on their values. 1 thread: the simd build; 2 threads: the threads build.
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const oldDir = option('--old', null);
const newDir = path.resolve(option('--new', path.join(ROOT, 'wasm')));
const repeat = Math.max(1, Number(option('--repeat', '2')));
if (!oldDir) {
  console.error('usage: node tools/bench-fusion-wasm.mjs --old DIR [--new DIR] [--repeat N]');
  process.exit(2);
}

// Loads a build the way the package's loader does in Node (web/lib/loader.ts).
async function load(dir, variant, threads) {
  const file = path.join(path.resolve(dir), `supercolor-${variant}.mjs`);
  globalThis.__dirname ??= path.dirname(file);
  globalThis.require ??= createRequire(file);
  const factory = (await import(pathToFileURL(file).href)).default;
  const module = await factory({
    wasmBinary: readFileSync(file.replace(/\.mjs$/, '.wasm')),
    locateFile: (name) => path.join(path.dirname(file), name),
    ...(variant === 'threads' ? {pthreadPoolSize: Math.max(1, threads - 1)} : {}),
  });
  if (module.PThread) {
    for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers])
      worker.unref?.();
  }
  return module;
}

function upscaleNearest(image, width, height) {
  const data = new Uint8Array(4 * width * height);
  for (let y = 0; y < height; ++y) {
    const sy = Math.min(image.height - 1, Math.floor((y * image.height) / height));
    for (let x = 0; x < width; ++x) {
      const sx = Math.min(image.width - 1, Math.floor((x * image.width) / width));
      const from = 4 * (sy * image.width + sx), to = 4 * (y * width + x);
      for (let c = 0; c < 4; ++c) data[to + c] = image.data[from + c];
    }
  }
  return {width, height, data};
}

// Runs the pipeline up to match(), then times fuse() (best of `repeat`).
function timeFusion(M, target, reference, params) {
  const pipeline = new M.Pipeline(
      {layers: ['relu3_1'], regrain: false, ...params}, target.data, target.width, target.height,
      reference.data, reference.width, reference.height);
  try {
    pipeline.segment();
    const channels = pipeline.featureChannels(0);
    for (const side of [0, 1]) {
      const h = pipeline.featureMapHeight(side, 0), w = pipeline.featureMapWidth(side, 0);
      const tileRows = 16;
      for (let y0 = 0; y0 < h; y0 += tileRows) {
        const rows = Math.min(tileRows, h - y0);
        const tile = new Float32Array(channels * rows * w);
        for (let c = 0; c < channels; ++c) {
          for (let r = 0; r < rows; ++r) {
            for (let x = 0; x < w; ++x) {
              tile[(c * rows + r) * w + x] = Math.max(
                  0,
                  Math.sin(0.37 * c + 0.05 * (y0 + r) * (1 + (c % 5)) + 0.031 * x * (1 + (c % 7))));
            }
          }
        }
        pipeline.addFeatureTile(side, 0, y0, 0, rows, w, tile, w, rows * w);
      }
    }
    pipeline.match();
    let best = Infinity;
    let fused = null;
    for (let r = 0; r < repeat; ++r) {
      const start = performance.now();
      pipeline.fuse();
      best = Math.min(best, (performance.now() - start) / 1000);
      fused = pipeline.fused();
    }
    return {seconds: best, fused, superpixels: pipeline.superpixelCount(0)};
  } finally {
    pipeline.delete();
  }
}

const pair =
    path.join(ROOT, '..', 'shared', 'testdata', 'pairs', '14_kodak_kodim01_kodim08_buildings');
const builds = {};
for (const [name, dir] of [['old', oldDir], ['new', newDir]]) {
  builds[name] = {simd: await load(dir, 'simd', 1), threads: await load(dir, 'threads', 2)};
}
const decoder = builds.new.simd;
const small = decoder.decodeImage(readFileSync(path.join(pair, 'target.png')));
const target = upscaleNearest(small, 1224, 816);
const reference = decoder.decodeImage(readFileSync(path.join(pair, 'reference.png')));

console.log(`fusion in wasm: target ${target.width}x${target.height} (${
    (target.width * target.height / 1e6).toFixed(2)} MP), best of ${repeat}`);
console.log(`old: ${path.resolve(oldDir)}\nnew: ${newDir}`);
console.log('config                 threads   old (s)   new (s)   old/new   max |new-old| (/255)');
for (const [label, params] of /** @type {[string, Record<string, number>][]} */ ([
         ['radius 0.3 adaptive', {fusionRadius: 0.3}],
         ['radius inf adaptive', {fusionRadius: Infinity}],
         ['radius 0.3 sigma_g 1', {fusionRadius: 0.3, sigmaG: 1}],
         ['radius inf sigma_g 1', {fusionRadius: Infinity, sigmaG: 1}]])) {
  for (const threads of [1, 2]) {
    const variant = threads === 1 ? 'simd' : 'threads';
    const before = timeFusion(builds.old[variant], target, reference, {...params, threads});
    const after = timeFusion(builds.new[variant], target, reference, {...params, threads});
    let diff = 0;
    for (let i = 0; i < after.fused.length; ++i)
      diff = Math.max(diff, Math.abs(after.fused[i] - before.fused[i]));
    console.log(`${label.padEnd(22)} ${String(threads).padStart(7)} ${
        before.seconds.toFixed(3).padStart(9)} ${after.seconds.toFixed(3).padStart(9)} ${
        (before.seconds / after.seconds).toFixed(2).padStart(8)}x   ${(diff * 255).toFixed(4)}`);
  }
}
process.exit(0);
