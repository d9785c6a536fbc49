#!/usr/bin/env node
// Feature-extraction benchmark: relu1_2 of a 768x512 photo, whole image vs tiled, on
// onnxruntime-node and onnxruntime-web (wasm) with 1 and 2 threads; plus the cost of running a
// deeper model than needed (vgg19-relu3_1.onnx fetching only relu1_2 vs vgg19-relu1_2.onnx).
//
//   node tools/bench-features.mjs [--reps N] [--image PNG] [--sections 1,2,3,4]
// Each configuration runs in its own process (onnxruntime-web's thread count is fixed at its
// first session). Uses models/*.onnx when built and matching, else builds them in memory.
// Also reports peak RSS of one whole-image vs tiled extraction, each in a fresh process, and
// (section 4) the peak memory of a tiled relu1_2 pass over a 12 MP image (the photo upscaled to
// 4000x3000), next to what a whole-image pass would need (computed from the tensor sizes, not run).

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
    sections: get('--sections', '1,2,3,4').split(',').map(Number),
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

/** Bilinear upscale (pixel centres aligned) of a planar [3, H, W] image to [3, h, w]. */
function resizePlanar(src, H, W, h, w) {
  const out = new Float32Array(3 * h * w);
  const x0s = new Int32Array(w);
  const fxs = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const sx = Math.min(Math.max(((x + 0.5) * W) / w - 0.5, 0), W - 1);
    x0s[x] = Math.min(Math.floor(sx), W - 2);
    fxs[x] = sx - x0s[x];
  }
  for (let c = 0; c < 3; c++) {
    const plane = src.subarray(c * H * W, (c + 1) * H * W);
    for (let y = 0; y < h; y++) {
      const sy = Math.min(Math.max(((y + 0.5) * H) / h - 0.5, 0), H - 1);
      const y0 = Math.min(Math.floor(sy), H - 2);
      const fy = sy - y0;
      const r0 = y0 * W;
      const r1 = r0 + W;
      const o = (c * h + y) * w;
      for (let x = 0; x < w; x++) {
        const a = x0s[x];
        const fx = fxs[x];
        const top = plane[r0 + a] + (plane[r0 + a + 1] - plane[r0 + a]) * fx;
        const bot = plane[r1 + a] + (plane[r1 + a + 1] - plane[r1 + a]) * fx;
        out[o + x] = top + (bot - top) * fy;
      }
    }
  }
  return out;
}

/** VmHWM / VmRSS of this process in bytes (Linux), or undefined. */
async function procStatus() {
  try {
    const text = await fs.readFile('/proc/self/status', 'utf8');
    const kib = (k) => Number(text.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'))?.[1]) * 1024;
    return { hwm: kib('VmHWM'), rss: kib('VmRSS') };
  } catch {
    return undefined;
  }
}

/** Resets this process's peak RSS (VmHWM) to its current RSS (Linux >= 4.0); false if it cannot. */
async function resetPeakRss() {
  try {
    await fs.writeFile('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const MiB = 1024 * 1024;
const BIG = { width: 4000, height: 3000 };

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
  } else if (o.mode === 'memory-12mp') {
    // 12 MP relu1_2 pass with tiling, peak memory in this fresh process. The sink drops the
    // features (in the package they stream into the core's pooling, which keeps N x 64 sums).
    const { fsess } = await openSession(manifest, 'relu1_2', o);
    const big = resizePlanar(img, H, W, BIG.height, BIG.width);
    globalThis.gc?.();
    const before = process.memoryUsage();
    const reset = await resetPeakRss();
    let sampled = process.memoryUsage().rss;
    // Sampling only sees the moments the event loop is free (onnxruntime-node runs off-thread;
    // onnxruntime-web's wasm runs on this thread): VmHWM is the real peak.
    const timer = setInterval(() => {
      sampled = Math.max(sampled, process.memoryUsage().rss);
    }, 10);
    const t0 = performance.now();
    const r = await extractFeatures(fsess, big, { height: BIG.height, width: BIG.width, layers, sink, tileSize: o.tile || undefined });
    const ms = performance.now() - t0;
    clearInterval(timer);
    sampled = Math.max(sampled, process.memoryUsage().rss);
    const status = await procStatus();
    result = {
      ...base,
      H: BIG.height,
      W: BIG.width,
      tile: r.tileSize,
      tiles: r.tiles,
      ms,
      rssBeforeMiB: before.rss / MiB,
      imageMiB: big.byteLength / MiB,
      sampledPeakMiB: sampled / MiB,
      // VmHWM since the reset: the peak of the extraction itself (baseline included).
      hwmMiB: status ? status.hwm / MiB : undefined,
      hwmSinceReset: reset,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
    await fsess.release();
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

/** What a whole-image relu1_2 pass over h x w would need, from the tensor sizes alone. */
function wholeImageNeeds(h, w) {
  const n = h * w;
  const input = 3 * 4 * n; // [1,3,H,W] float32
  const map64 = 64 * 4 * n; // relu1_1 or relu1_2, [1,64,H,W] float32
  // During block1_conv2 both relu1_1 (its input) and relu1_2 (its output) are alive, next to the
  // image tensor; anything ONNX Runtime adds (im2col / packed working buffers) comes on top.
  return { input, map64, live: input + 2 * map64 };
}

async function main(o) {
  const execp = promisify(execFile);
  const self = fileURLToPath(import.meta.url);
  const spawn = async (...extra) => {
    const nodeArgs = extra.includes('memory-12mp') ? ['--expose-gc'] : [];
    const { stdout } = await execp(process.execPath, [...nodeArgs, self, '--child', '--reps', String(o.reps), '--image', o.image, ...extra], {
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

  if (o.sections.includes(1)) console.log('\n1. whole image vs tiled (vgg19-relu1_2.onnx)');
  for (const c of o.sections.includes(1) ? [['node'], ['node', '1'], ['wasm', '1'], ['wasm', '2']] : []) {
    const r = await spawn('--mode', 'timing', '--backend', c[0], ...(c[1] ? ['--threads', c[1]] : []));
    console.log(
      `  ${who(r).padEnd(20)} ${r.W}x${r.H}: session ${f(r.createMs)}; whole ${f(r.ms.whole)}; ` +
        ['512', '256'].map((t) => `tiles ${t}px (${r.tiles[t]}) ${f(r.ms[t])} = ${(r.ms[t] / r.ms.whole).toFixed(2)}x`).join('; '),
    );
  }

  if (o.sections.includes(2)) console.log('\n2. relu1_2 only: per-layer model vs the relu3_1 model with only relu1_2 fetched (whole image)');
  for (const c of o.sections.includes(2) ? [['node'], ['wasm', '2']] : []) {
    const r = await spawn('--mode', 'models', '--backend', c[0], ...(c[1] ? ['--threads', c[1]] : []));
    const [a, b] = Object.values(r.ms);
    console.log(`  ${who(r).padEnd(20)} vgg19-relu1_2.onnx ${f(a)}; vgg19-relu3_1.onnx ${f(b)} = ${(b / a).toFixed(2)}x`);
  }

  if (o.sections.includes(3)) console.log('\n3. peak RSS of one extraction in a fresh process (model loaded before)');
  for (const c of o.sections.includes(3) ? [['node'], ['wasm', '2']] : []) {
    const cells = [];
    for (const tile of ['0', '512', '256']) {
      const r = await spawn('--mode', 'memory', '--backend', c[0], '--tile', tile, ...(c[1] ? ['--threads', c[1]] : []));
      cells.push(`${r.tile === 'whole' ? 'whole' : `tiles ${r.tile}px`} ${r.maxRssMiB} MiB`);
      if (tile === '0') cells.unshift(`after session ${r.rssBeforeMiB} MiB`);
    }
    console.log(`  ${(c[0] + (c[1] ? ` ${c[1]} threads` : ' default threads')).padEnd(20)} ${cells.join('; ')}`);
  }

  if (o.sections.includes(4)) {
    const gib = (b) => `${(b / 1024 ** 3).toFixed(2)} GiB`;
    const need = wholeImageNeeds(BIG.height, BIG.width);
    console.log(
      `\n4. 12 MP (${BIG.width}x${BIG.height}, ${path.basename(path.dirname(o.image))} upscaled) relu1_2 pass, peak memory of a fresh process ` +
        '(VmHWM reset after setup; "before" = session + 12 MP float32 image loaded)',
    );
    for (const c of [['node', '', '512'], ['node', '', '256'], ['wasm', '2', '512']]) {
      const r = await spawn('--mode', 'memory-12mp', '--backend', c[0], '--tile', c[2], ...(c[1] ? ['--threads', c[1]] : []));
      const peak = r.hwmSinceReset ? r.hwmMiB : r.maxRssMiB;
      console.log(
        `  ${who(r).padEnd(20)} tiles ${r.tile}px (${r.tiles}): ${(r.ms / 1000).toFixed(1)} s; before ${r.rssBeforeMiB.toFixed(0)} MiB ` +
          `(image ${r.imageMiB.toFixed(0)} MiB); peak ${peak.toFixed(0)} MiB${r.hwmSinceReset ? '' : ' (process max RSS)'} = ` +
          `+${(peak - r.rssBeforeMiB).toFixed(0)} MiB for the pass; sampled RSS peak ${r.sampledPeakMiB.toFixed(0)} MiB`,
      );
    }
    const tileLive = (t) => wholeImageNeeds(t, t).live;
    console.log(
      `  whole image (computed, not run): image ${gib(need.input)} + relu1_1 ${gib(need.map64)} + relu1_2 ${gib(need.map64)} ` +
        `= ${gib(need.live)} of live tensors at block1_conv2, before ONNX Runtime's working buffers ` +
        `(vs ${(tileLive(512) / MiB).toFixed(0)} MiB for a 512 px tile); beyond wasm32's 4 GiB heap (onnxruntime-web), ` +
        `and one 64-channel map (${gib(need.map64)}) exceeds WebGPU's maxStorageBufferBindingSize (128 MiB default, 1 GiB SwiftShader)`,
    );
  }
}

const o = args();
(o.child ? child(o) : main(o)).catch((e) => {
  console.error(`bench-features: ${e.stack ?? e}`);
  process.exit(1);
});
