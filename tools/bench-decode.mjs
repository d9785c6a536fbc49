#!/usr/bin/env node
// Decode time of the package's decoder (the wasm core, Node) on a large ICC-tagged camera photo,
// with its profile and with the profile removed (read as sRGB), side by side in one run: what
// converting an embedded profile to sRGB with Little CMS costs.
// With --old DIR (a tools/build-wasm.sh output, e.g. wasm/ built from an earlier commit), the
// same two decodes also run in that build's core and in this checkout's wasm/ (the SIMD-only
// variant of each, loaded side by side), so old / new can be read off one run.
//   node tools/bench-decode.mjs [--old DIR] [photo.jpg] [runs]
// Default photo: ../shared/testdata/large/02_beach_coast/reference.jpg (its "Camera RGB Profile").
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const oldAt = args.indexOf('--old');
const oldDir = oldAt >= 0 ? args.splice(oldAt, 2)[1] : null;
const file = args[0] ?? path.join(root, '../shared/testdata/large/02_beach_coast/reference.jpg');
const runs = Number(args[1] ?? 5);
const { decodeImage } = await import(path.join(root, 'dist/codec.js'));
const { isIccSegment, splitJpeg, joinJpeg } = await import(path.join(root, 'tests/icc-fixtures.mjs'));

const tagged = new Uint8Array(readFileSync(file));
const parts = splitJpeg(tagged);
const profileBytes = parts.segments.filter(isIccSegment).reduce((n, s) => n + s.payload.length - 14, 0);
parts.segments = parts.segments.filter((s) => !isIccSegment(s));
const untagged = joinJpeg(parts);
if (profileBytes === 0) console.log(`note: ${file} has no ICC profile`);

async function time(bytes, decode = decodeImage) {
  const times = [];
  let image;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    image = await decode(bytes);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)], image };
}
await time(untagged);  // loads the core
const plain = await time(untagged);
const converted = await time(tagged);
const { width, height } = converted.image;
console.log(`${path.basename(path.dirname(file))}/${path.basename(file)}: ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP), ICC profile ${profileBytes} bytes, median of ${runs}`);
console.log(`  decode as sRGB (profile removed): ${plain.median.toFixed(0)} ms`);
console.log(`  decode + profile -> sRGB:         ${converted.median.toFixed(0)} ms  (x${(converted.median / plain.median).toFixed(2)}, +${(converted.median - plain.median).toFixed(0)} ms)`);

if (oldDir !== null) {
  // A build's SIMD-only core, loaded as the package's Node loader does (web/lib/loader.ts).
  const load = async (dir) => {
    const mjs = path.join(path.resolve(dir), 'supercolor-simd.mjs');
    globalThis.__dirname ??= path.dirname(mjs);
    globalThis.require ??= createRequire(mjs);
    const factory = (await import(pathToFileURL(mjs).href)).default;
    return factory({ wasmBinary: readFileSync(mjs.replace(/\.mjs$/, '.wasm')) });
  };
  const builds = { old: await load(oldDir), new: await load(path.join(root, 'wasm')) };
  // Interleaved (old, new, old, new...) so that load from other processes hits both alike;
  // the minimum is the least disturbed run.
  const results = {};
  for (const [key, bytes] of [['plain', untagged], ['converted', tagged]]) {
    const times = { old: [], new: [] };
    for (const name of ['old', 'new']) builds[name].decodeImage(bytes);  // warm-up (memory growth)
    for (let i = 0; i < runs; i++) {
      for (const name of ['old', 'new']) {
        const start = performance.now();
        builds[name].decodeImage(bytes);
        times[name].push(performance.now() - start);
      }
    }
    results[key] = Object.fromEntries(Object.entries(times).map(([name, t]) => [name, Math.min(...t)]));
  }
  const row = (label, key) => console.log(`  ${label}: old ${results[key].old.toFixed(0)} ms, new ${results[key].new.toFixed(0)} ms (new/old ${(results[key].new / results[key].old).toFixed(2)})`);
  console.log(`core builds side by side (SIMD variant, 1 thread, interleaved, best of ${runs}): old = ${oldDir}, new = wasm/`);
  row('decode as sRGB          ', 'plain');
  row('decode + profile -> sRGB', 'converted');
}
