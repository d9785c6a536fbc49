#!/usr/bin/env node
// Scale benchmark (issue "real photo sizes"): the Node CLI path (package, threaded wasm core,
// onnxruntime-node features) on pairs of about 1, 3, 12, 24 and 48 MP made from a real camera
// pair (../shared/testdata/large/01_landscape_day_sunset: 13 MP phone target, 10 MP camera
// reference), reduced or upscaled with ffmpeg (Lanczos). For each size: time per stage, total,
// peak RSS of the process, and each total as a ratio to the 1 MP total -- for the default
// working-resolution mode and for full-resolution analysis (up to its 16 MP limit).
//
//   npm run bench:scale [-- --sizes 1,3,12,24,48 --modes default,full --threads 2]
// Each run is a fresh Node process (peak RSS is per process). Inputs are generated in a temporary
// folder and deleted afterwards; nothing derived from ../shared is written into the repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PAIR = path.resolve(REPO, '..', 'shared', 'testdata', 'large', '01_landscape_day_sunset');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Child mode: run the CLI's main() in this process, then print its peak RSS. */
async function child() {
  const { main } = await import(pathToFileURL(path.join(REPO, 'dist', 'cli.js')).href);
  const code = await main(process.argv.slice(process.argv.indexOf('--cli') + 1));
  process.stdout.write(`\nMAXRSS ${process.resourceUsage().maxRSS}\n`);
  process.exitCode = code;
}

/** target/reference scaled to about `mp` megapixels each (aspect kept, even sides). */
function makePair(dir, mp) {
  const out = {};
  for (const side of ['target', 'reference']) {
    const file = path.join(dir, `${side}-${mp}mp.png`);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', path.join(PAIR, `${side}.jpg`), '-vf', `scale='trunc(iw*sqrt(${mp}e6/(iw*ih))/2)*2':-2:flags=lanczos`, file]);
    out[side] = file;
  }
  return out;
}

function run(pair, mode, threads) {
  const args = [fileURLToPath(import.meta.url), '--child', '--cli', pair.target, pair.reference, '-o', path.join(path.dirname(pair.target), 'out.png'), '--json', '--quiet', '--threads', String(threads), '--backend', 'auto'];
  if (mode === 'full') args.push('--analysis-size', 'full');
  const started = Date.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (Date.now() - started) / 1000;
  const rss = Number(/MAXRSS (\d+)/.exec(r.stdout)?.[1] ?? NaN) / 1024;
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split('\n').pop(), wall, rss };
  const report = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('MAXRSS')));
  return { report, wall, rss };
}

async function main() {
  const sizes = option('--sizes', '1,3,12,24,48').split(',').map(Number);
  const modes = option('--modes', 'default,full').split(',');
  const threads = Number(option('--threads', String(Math.min(os.availableParallelism(), 8))));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'supercolor-bench-scale-'));
  const stages = ['decode', 'segment', 'features', 'match', 'fuse', 'regrain', 'upsample'];
  /** @type {{mp: number, mode: string, note?: string, error?: string, report?: any, wall?: number, rss?: number}[]} */
  const rows = [];
  try {
    for (const mp of sizes) {
      const pair = makePair(dir, mp);
      for (const mode of modes) {
        if (mode === 'full' && mp > 16) {
          rows.push({ mp, mode, note: 'refused at once with image_too_large (full-resolution analysis is limited to 16 MP)' });
          continue;
        }
        const r = run(pair, mode, threads);
        rows.push({ mp, mode, ...r });
        const line = r.report
          ? `${mp} MP ${mode}: total ${(Object.values(r.report.timings).reduce((a, b) => a + b, 0) / 1000).toFixed(2)} s, peak RSS ${r.rss.toFixed(0)} MiB`
          : `${mp} MP ${mode}: ${r.error}`;
        process.stderr.write(`${line}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const totalOf = (row) => Object.values(row.report.timings).reduce((a, b) => a + b, 0) / 1000;
  console.log(`\nbench:scale — Node CLI, ${threads} threads, pair ${path.basename(PAIR)} scaled (s per stage; RSS in MiB)`);
  console.log(['size', 'mode', 'analysed at', ...stages, 'total', 'x 1 MP', 'peak RSS'].join('\t'));
  for (const mode of modes) {
    const base = rows.find((r) => r.mode === mode && r.report);
    for (const row of rows.filter((r) => r.mode === mode)) {
      if (!row.report) {
        console.log(`${row.mp} MP\t${mode}\t${row.note ?? row.error}`);
        continue;
      }
      const t = row.report.timings;
      const a = row.report.analysis.target;
      console.log([`${row.mp} MP (${row.report.width}x${row.report.height})`, mode, `${a.width}x${a.height}`, ...stages.map((s) => ((t[s] ?? 0) / 1000).toFixed(2)), totalOf(row).toFixed(2), (totalOf(row) / totalOf(base)).toFixed(2), row.rss.toFixed(0)].join('\t'));
    }
  }
  const at = (mp, mode) => rows.find((r) => r.mp === mp && r.mode === mode && r.report);
  if (at(12, 'default') && at(24, 'default')) console.log(`growth 24 MP / 12 MP (default): ${(totalOf(at(24, 'default')) / totalOf(at(12, 'default'))).toFixed(2)}`);
}

if (process.argv.includes('--child')) await child();
else await main();
