#!/usr/bin/env node
// Feature-extraction benchmark: relu1_2 of a 768x512 photo, whole image vs tiled, on
// onnxruntime-node and onnxruntime-web (wasm) with 1 and 2 threads; plus the cost of running a
// deeper model than needed (vgg19-relu3_1.onnx fetching only relu1_2 vs vgg19-relu1_2.onnx).
//
//   node tools/bench-features.mjs [--reps N] [--image PNG]
// Each configuration runs in its own process (onnxruntime-web's thread count is fixed at its
// first session). Uses models/*.onnx when built and matching, else builds them in memory.
// Also reports peak RSS of one whole-image vs tiled extraction, each in a fresh process.

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { PNG } from 'pngjs';

import { DEFAULT_SOURCE, buildAll, readManifest, sha256Hex } from './build-model.mjs';
import { createFeatureSession, extractFeatures, selectModel } from '../web/lib/features/index.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_IMAGE = path.resolve(DEFAULT_SOURCE, '..', '..', 'testdata', 'pairs', '07_kodak_kodim16_kodim12_island_beach', 'target.png');

function args() {
  const a = process.argv.slice(2);
  const get = (k, d) => (a.includes(k) ? a[a.indexOf(k) + 1] : d);
  return {
    child: a.includes('--child'),
    backend: get('--backend', 'node'),
    threads: Number(get('--threads', '0')) || undefined,
    mode: get('--mode', 'timing'),
    tile: Number(get('--tile', '0')),
    reps: Number(get('--reps', '3')),
    image: get('--image', DEFAULT_IMAGE),
  };
}

async function modelBytes(manifest, entry) {
  try {
    const b = await fs.readFile(path.join(REPO, 'models', entry.file));
    if (sha256Hex(b) === entry.sha256) return new Uint8Array(b);
  } catch {
    /* not built */
  }
  return (await buildAll(manifest)).find((m) => m.file === entry.file).bytes;
}

async function loadImage(file) {
  const png = PNG.sync.read(await fs.readFile(file));
  const { width: W, height: H } = png;
  const img = new Float32Array(3 * H * W);
  for (let k = 0; k < H * W; k++) for (let c = 0; c < 3; c++) img[c * H * W + k] = png.data[k * 4 + c] / 255;
  return { img, H, W };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs every variant once to warm up, then `reps` rounds in rotation (so load drift hits all
 *  variants alike); returns the median ms per variant. */
async function timeInterleaved(reps, variants) {
  for (const v of variants) await v.fn();
  const times = variants.map(() => []);
  for (let i = 0; i < reps; i++) {
    for (const [k, v] of variants.entries()) {
      const t0 = performance.now();
      await v.fn();
      times[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(variants.map((v, k) => [v.name, median(times[k])]));
}

async function openSession(manifest, deepest, o) {
  const entry = selectModel(manifest, [deepest]);
  const t0 = performance.now();
  const fsess = await createFeatureSession(await modelBytes(manifest, entry), entry, { backend: o.backend, numThreads: o.threads });
  return { fsess, createMs: performance.now() - t0 };
}

/** @type {import('../web/lib/features/index.mjs').FeatureLayer[]} */
const layers = ['relu1_2'];
const sink = () => {};

/** Child process: one measurement, printed as JSON. */
async function child(o) {
  const manifest = await readManifest();
  const { img, H, W } = await loadImage(o.image);
  const base = { backend: o.backend, threads: o.threads ?? 'default', H, W };
  const extract = (fsess, tileSize) => extractFeatures(fsess, img, { height: H, width: W, layers, sink, tileSize });
  let result;
  if (o.mode === 'timing') {
    // relu1_2 model: whole image vs tiles of 512 and 256 px.
    const { fsess, createMs } = await openSession(manifest, 'relu1_2', o);
    const tiles = {};
    const variant = (name, tileSize) => ({
      name,
      fn: async () => {
        tiles[name] = (await extract(fsess, tileSize)).tiles;
      },
    });
    const ms = await timeInterleaved(o.reps, [variant('whole', Math.max(H, W)), variant('512', 512), variant('256', 256)]);
    await fsess.release();
    result = { ...base, createMs, ms, tiles };
  } else if (o.mode === 'models') {
    // relu1_2 from vgg19-relu1_2.onnx vs from vgg19-relu3_1.onnx fetching relu1_2 only.
    const a = await openSession(manifest, 'relu1_2', o);
    const b = await openSession(manifest, 'relu3_1', o);
    const whole = Math.max(H, W);
    const ms = await timeInterleaved(o.reps, [
      { name: 'vgg19-relu1_2.onnx', fn: () => extract(a.fsess, whole) },
      { name: 'vgg19-relu3_1.onnx', fn: () => extract(b.fsess, whole) },
    ]);
    await a.fsess.release();
    await b.fsess.release();
    result = { ...base, ms };
  } else {
    // memory: one extraction in a fresh process, peak RSS.
    const { fsess } = await openSession(manifest, 'relu1_2', o);
    const before = process.resourceUsage().maxRSS;
    await extract(fsess, o.tile || Math.max(H, W));
    result = { ...base, tile: o.tile || 'whole', rssBeforeMiB: Math.round(before / 1024), maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
    await fsess.release();
  }
  process.stdout.write(JSON.stringify(result));
}

async function main(o) {
  const execp = promisify(execFile);
  const self = fileURLToPath(import.meta.url);
  const spawn = async (...extra) => {
    const { stdout } = await execp(process.execPath, [self, '--child', '--reps', String(o.reps), '--image', o.image, ...extra], {
      maxBuffer: 1 << 20,
    });
    return JSON.parse(stdout);
  };
  const who = (r) => `${r.backend} ${r.threads === 'default' ? 'default threads' : `${r.threads} thread${r.threads > 1 ? 's' : ''}`}`;
  const f = (x) => `${x.toFixed(0)} ms`;
  console.log(
    `relu1_2 features of ${path.basename(path.dirname(o.image))}/${path.basename(o.image)}; medians of ${o.reps} ` +
      `interleaved runs; ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}, Node ${process.version}`,
  );

  console.log('\n1. whole image vs tiled (vgg19-relu1_2.onnx)');
  for (const c of [['node'], ['node', '1'], ['wasm', '1'], ['wasm', '2']]) {
    const r = await spawn('--mode', 'timing', '--backend', c[0], ...(c[1] ? ['--threads', c[1]] : []));
    console.log(
      `  ${who(r).padEnd(20)} ${r.W}x${r.H}: session ${f(r.createMs)}; whole ${f(r.ms.whole)}; ` +
        ['512', '256'].map((t) => `tiles ${t}px (${r.tiles[t]}) ${f(r.ms[t])} = ${(r.ms[t] / r.ms.whole).toFixed(2)}x`).join('; '),
    );
  }

  console.log('\n2. relu1_2 only: per-layer model vs the relu3_1 model with only relu1_2 fetched (whole image)');
  for (const c of [['node'], ['wasm', '2']]) {
    const r = await spawn('--mode', 'models', '--backend', c[0], ...(c[1] ? ['--threads', c[1]] : []));
    const [a, b] = Object.values(r.ms);
    console.log(`  ${who(r).padEnd(20)} vgg19-relu1_2.onnx ${f(a)}; vgg19-relu3_1.onnx ${f(b)} = ${(b / a).toFixed(2)}x`);
  }

  console.log('\n3. peak RSS of one extraction in a fresh process (model loaded before)');
  for (const c of [['node'], ['wasm', '2']]) {
    const cells = [];
    for (const tile of ['0', '512', '256']) {
      const r = await spawn('--mode', 'memory', '--backend', c[0], '--tile', tile, ...(c[1] ? ['--threads', c[1]] : []));
      cells.push(`${r.tile === 'whole' ? 'whole' : `tiles ${r.tile}px`} ${r.maxRssMiB} MiB`);
      if (tile === '0') cells.unshift(`after session ${r.rssBeforeMiB} MiB`);
    }
    console.log(`  ${(c[0] + (c[1] ? ` ${c[1]} threads` : ' default threads')).padEnd(20)} ${cells.join('; ')}`);
  }
}

const o = args();
(o.child ? child(o) : main(o)).catch((e) => {
  console.error(`bench-features: ${e.stack ?? e}`);
  process.exit(1);
});
