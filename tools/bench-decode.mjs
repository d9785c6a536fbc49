#!/usr/bin/env node
// Decode time of the package's decoder (the wasm core, Node) on a large ICC-tagged camera photo,
// with its profile and with the profile removed (read as sRGB), side by side in one run: what
// converting an embedded profile to sRGB with Little CMS costs.
//   node tools/bench-decode.mjs [photo.jpg] [runs]
// Default photo: ../shared/testdata/large/02_beach_coast/reference.jpg (its "Camera RGB Profile").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = process.argv[2] ?? path.join(root, '../shared/testdata/large/02_beach_coast/reference.jpg');
const runs = Number(process.argv[3] ?? 5);
const { decodeImage } = await import(path.join(root, 'dist/codec.js'));
const { isIccSegment, splitJpeg, joinJpeg } = await import(path.join(root, 'tests/icc-fixtures.mjs'));

const tagged = new Uint8Array(readFileSync(file));
const parts = splitJpeg(tagged);
const profileBytes = parts.segments.filter(isIccSegment).reduce((n, s) => n + s.payload.length - 14, 0);
parts.segments = parts.segments.filter((s) => !isIccSegment(s));
const untagged = joinJpeg(parts);
if (profileBytes === 0) console.log(`note: ${file} has no ICC profile`);

async function time(bytes) {
  const times = [];
  let image;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    image = await decodeImage(bytes);
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
