#!/usr/bin/env node
// Re-run benchmark (issue "instant re-runs"): how long a τ-only change takes compared with a full
// run of the same pair, through the package, in Node (threaded wasm core, onnxruntime-node
// features) and in headless Chromium (bundled package, threaded core under COOP/COEP,
// onnxruntime-web features). Goal: a τ-only re-run ≤ 25 % of a full run at about 1 MP.
//
// The pair is ../shared/testdata/large/01_landscape_day_sunset reduced to about 1 MP with ffmpeg.
// Two targets are made (Lanczos and bicubic reduction) so that consecutive full runs alternate
// between two pairs and never hit the engine's stage cache; each full run is followed by a τ-only
// re-run of the same pair (the cache then re-runs match → upsample). Times are wall-clock from
// the caller's side of transfer() (decode of the inputs included in Chromium, where the page
// passes the files as Blobs), medians of --rounds rounds, side by side in one process.
//
//   npm run bench:rerun [-- --rounds 3 --mp 1 --where node,chromium --threads 2]
// Inputs are generated in a temporary folder and deleted afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PAIR = path.resolve(REPO, '..', 'shared', 'testdata', 'large', '01_landscape_day_sunset');
const TAUS = [0.01, 0.08];

/** @param {string} name @param {string} fallback */
function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** ffmpeg reduction of `input` to about `mp` megapixels (aspect kept, even sides). */
function reduce(input, output, mp, flags) {
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', input, '-vf', `scale='trunc(iw*sqrt(${mp}e6/(iw*ih))/2)*2':-2:flags=${flags}`, output]);
  return output;
}

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Alternating full runs and τ-only re-runs. `transfer(targetIndex, params)` resolves to
 * {ms, firstStage}.
 */
async function measure(transfer, rounds) {
  const full = [];
  const rerun = [];
  for (let round = 0; round < rounds; round++) {
    const target = round % 2;
    const a = await transfer(target, { tau: TAUS[0] });
    if (a.firstStage !== 'segment') throw new Error(`full run started at ${a.firstStage}`);
    const b = await transfer(target, { tau: TAUS[1] });
    if (b.firstStage !== 'match') throw new Error(`τ re-run started at ${b.firstStage}`);
    full.push(a.ms);
    rerun.push(b.ms);
    const stages = (r) => Object.entries(r.timings ?? {}).map(([stage, ms]) => `${stage} ${Number(ms).toFixed(0)}`).join(', ');
    process.stderr.write(`  round ${round + 1}: full ${a.ms.toFixed(0)} ms (${stages(a)}); τ re-run ${b.ms.toFixed(0)} ms (${stages(b)})\n`);
  }
  return { full: median(full), rerun: median(rerun) };
}

async function inNode(files, threads, rounds) {
  const { createColorTransfer } = await import(pathToFileURL(path.join(REPO, 'dist', 'index.js')).href);
  const { decodeImage } = await import(pathToFileURL(path.join(REPO, 'dist', 'codec.js')).href);
  const load = (file) => decodeImage(new Uint8Array(readFileSync(file)));
  const targets = [await load(files.targets[0]), await load(files.targets[1])];
  const reference = await load(files.reference);
  const ct = await createColorTransfer({ threads, logger: () => undefined });
  try {
    // One warm-up run: model and core loading are not part of either figure.
    await ct.transfer(targets[1], reference, { tau: TAUS[1] });
    return await measure(async (t, params) => {
      const started = performance.now();
      const result = await ct.transfer(targets[t], reference, params);
      return { ms: performance.now() - started, firstStage: result.firstStage, timings: result.timings };
    }, rounds);
  } finally {
    await ct.dispose();
  }
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>bench-rerun</title>
<script type="module">
  import { createColorTransfer } from './pkg/index.js';
  const base = new URL('./pkg/', location.href).href;
  const blobs = {};
  const blob = async (url) => (blobs[url] ??= await (await fetch(url)).blob());
  let engine;
  window.runTransfer = async (targetUrl, referenceUrl, params) => {
    engine ??= await createColorTransfer({ baseUrl: base, ortWasmPaths: base + 'ort/', logger: () => {} });
    const [t, r] = [await blob(targetUrl), await blob(referenceUrl)];
    const started = performance.now();
    const result = await engine.transfer(t, r, params);
    return { ms: performance.now() - started, firstStage: result.firstStage, timings: result.timings, backend: result.backend, isolated: self.crossOriginIsolated };
  };
  window.__ready = true;
</script>`;

async function inChromium(files, rounds) {
  const { launchChromium, serve } = await import(pathToFileURL(path.join(REPO, 'tests', 'support.mjs')).href);
  const { bundleWeb } = await import(pathToFileURL(path.join(REPO, 'tools', 'bundle-web.mjs')).href);
  const root = path.dirname(files.reference);
  await bundleWeb(path.join(root, 'pkg'));
  writeFileSync(path.join(root, 'bench.html'), PAGE);
  const server = await serve(root, true);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}bench.html`);
    await page.waitForFunction(() => window.__ready === true, null, { timeout: 30_000 });
    const names = files.targets.map((file) => path.basename(file));
    const call = (t, params) => page.evaluate(([a, b, p]) => window.runTransfer(a, b, p), [names[t], path.basename(files.reference), params]);
    const warm = await call(1, { tau: TAUS[1] });
    process.stderr.write(`  Chromium: core ${warm.backend.core} (${warm.backend.threads} threads), features ${warm.backend.features}, cross-origin isolated ${warm.isolated}\n`);
    return await measure(call, rounds);
  } finally {
    await browser.close();
    await server.close();
  }
}

async function main() {
  const rounds = Number(option('--rounds', '3'));
  const mp = Number(option('--mp', '1'));
  const where = option('--where', 'node,chromium').split(',');
  const threads = Number(option('--threads', String(Math.min(os.availableParallelism(), 8))));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supercolor-bench-rerun-'));
  const rows = [];
  try {
    const files = {
      targets: [reduce(path.join(PAIR, 'target.jpg'), path.join(dir, 'target-a.png'), mp, 'lanczos'), reduce(path.join(PAIR, 'target.jpg'), path.join(dir, 'target-b.png'), mp, 'bicubic')],
      reference: reduce(path.join(PAIR, 'reference.jpg'), path.join(dir, 'reference.png'), mp, 'lanczos'),
    };
    for (const place of where) {
      process.stderr.write(`${place}:\n`);
      const r = place === 'node' ? await inNode(files, threads, rounds) : await inChromium(files, rounds);
      rows.push({ place, ...r });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nbench:rerun — about ${mp} MP pair (${path.basename(PAIR)}), τ ${TAUS[0]} → ${TAUS[1]}, medians of ${rounds} rounds (ms)`);
  console.log(['where', 'full run', 'τ-only re-run', 're-run / full'].join('\t'));
  for (const row of rows) console.log([row.place, row.full.toFixed(0), row.rerun.toFixed(0), (row.rerun / row.full).toFixed(3)].join('\t'));
}

await main();
