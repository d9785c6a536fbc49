#!/usr/bin/env node
// supercolor command line: recolour photos on this machine.
import { mkdir, rename, writeFile, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createColorTransfer, PARAM_SCHEMA, resolveParams, SupercolorError, type ParamSpec, type Progress, type TransferParams, type TransferResult } from './index.js';
import { encodePng } from './codec.js';
import { encodeNpy } from './npy.js';
import { STAGES } from './types.js';

/** Exit codes: each failure kind has its own. */
export const EXIT = { ok: 0, internal: 1, usage: 2, input: 3, output: 4, aborted: 130 } as const;

/** "deltaS" -> "delta-s": the flag of a parameter. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function defaultText(spec: ParamSpec): string {
  return Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
}

/** One line per parameter, from the core's parameter table. */
const PARAM_HELP = PARAM_SCHEMA.map((spec) => {
  const flag = `--${kebab(spec.name)}${spec.type === 'boolean' ? '' : ' V'}`;
  return `  ${flag.padEnd(26)}${spec.doc} (${defaultText(spec)})`;
}).join('\n');

const HELP = `supercolor: recolour a target photo with the colours of a reference photo (Carrillo et al. 2021).

Usage:
  supercolor TARGET REFERENCE -o OUT.png [options]
  supercolor --batch REFERENCE TARGET... --out-dir DIR [options]

Method parameters (defaults in parentheses; lists are comma-separated, "inf" = Infinity):
${PARAM_HELP}
  --no-regrain              the same as --regrain none
  --analysis-size full|MP   the same as --analysis-megapixels inf|MP
Engine:
  --threads N          threads for the core and ONNX Runtime
  --backend B          features backend: auto, node, wasm
  --core C             core build: auto, threads, simd
Output:
  -o, --output FILE    output PNG (single mode)
  --out-dir DIR        output folder (batch mode: DIR/<target name>.png)
  --json               print a JSON report on stdout
  --dump DIR           write the inputs used and the intermediate results (.png, .npy)
  -q, --quiet          no progress bar
  -h, --help           this help

Exit codes: 0 ok, 2 bad arguments, 3 unreadable input, 4 output not written, 1 internal error, 130 interrupted.`;

class UsageError extends Error {}

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === 'inf' || text === 'Infinity') return Infinity;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new UsageError(`--${name} expects a number, got "${text}"`);
  return value;
}

/** A command-line value for a parameter, typed as its row says (checked by resolveParams). */
function paramValue(spec: ParamSpec, text: string | boolean): unknown {
  const flag = kebab(spec.name);
  if (typeof text === 'boolean') return text;
  switch (spec.type) {
    case 'integer':
    case 'number':
      return spec.keyword !== undefined && text === spec.keyword ? text : number(flag, text);
    case 'integerList':
      return text.split(',').map((part) => number(flag, part.trim()));
    case 'choiceList':
      return text.split(',').map((part) => part.trim());
    default:
      return text;
  }
}

/** parseArgs options for every parameter of the table. */
const PARAM_OPTIONS = Object.fromEntries(PARAM_SCHEMA.map((spec) => [kebab(spec.name), { type: spec.type === 'boolean' ? ('boolean' as const) : ('string' as const) }]));

interface Job {
  target: string;
  output: string;
  /** Folder of --dump's files for this job. */
  dump?: string;
}

/** Files --dump writes (A.npy only when both N <= 4096). */
const DUMP_FILES = ['target_in.png', 'reference_in.png', 'labels_T.npy', 'labels_R.npy', 'superfeat_T.npy', 'superfeat_R.npy', 'c.npy', 'direct.npy', 'fused.npy', 'final.npy', 'A.npy'];

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return resolve(a) === resolve(b);
  }
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

function progressBar(enabled: boolean, label: string): (p: Progress) => void {
  if (!enabled) return () => undefined;
  return ({ stage, fraction }) => {
    const overall = (STAGES.indexOf(stage) + fraction) / STAGES.length;
    const width = 24;
    const filled = Math.round(overall * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${stage.padEnd(8)} ${(overall * 100).toFixed(0).padStart(3)}%`);
  };
}

async function dump(dir: string, result: TransferResult): Promise<string[]> {
  const i = result.intermediates;
  if (!i) return [];
  await mkdir(dir, { recursive: true });
  // Every intermediate is at the working resolution of its image.
  const h = i.targetRgba.height;
  const w = i.targetRgba.width;
  const files: [string, Uint8Array][] = [
    ['target_in.png', await encodePng(i.targetRgba)],
    ['reference_in.png', await encodePng(i.referenceRgba)],
    ['labels_T.npy', encodeNpy(i.labelsTarget, [h, w])],
    ['labels_R.npy', encodeNpy(i.labelsReference, [i.referenceRgba.height, i.referenceRgba.width])],
    ['superfeat_T.npy', encodeNpy(i.superfeaturesTarget, [i.superpixelsTarget, i.channels])],
    ['superfeat_R.npy', encodeNpy(i.superfeaturesReference, [i.superpixelsReference, i.channels])],
    ['c.npy', encodeNpy(i.directColors, [i.superpixelsTarget, 3])],
    ['direct.npy', encodeNpy(i.direct, [h, w, 3])],
    ['fused.npy', encodeNpy(i.fused, [h, w, 3])],
  ];
  // final.npy: the final image at full size.
  const final = new Float32Array(result.height * result.width * 3);
  for (let p = 0; p < result.height * result.width; p++) for (let c = 0; c < 3; c++) final[3 * p + c] = result.data[4 * p + c] / 255;
  files.push(['final.npy', encodeNpy(final, [result.height, result.width, 3])]);
  if (i.attention) files.push(['A.npy', encodeNpy(i.attention, [i.superpixelsTarget, i.superpixelsReference])]);
  for (const [name, bytes] of files) await writeAtomic(join(dir, name), bytes);
  return files.map(([name]) => join(dir, name));
}

export async function main(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        'out-dir': { type: 'string' },
        batch: { type: 'boolean' },
        ...PARAM_OPTIONS,
        'no-regrain': { type: 'boolean' },
        'analysis-size': { type: 'string' },
        threads: { type: 'string' },
        backend: { type: 'string' },
        core: { type: 'string' },
        json: { type: 'boolean' },
        dump: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`supercolor: ${(error as Error).message}\nRun supercolor --help for usage.\n`);
    return EXIT.usage;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  let transfer: ReturnType<typeof createColorTransfer> extends Promise<infer T> ? T : never;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const given = values as Record<string, string | boolean | undefined>;
    const params: Record<string, unknown> = {};
    for (const spec of PARAM_SCHEMA) {
      const text = given[kebab(spec.name)];
      if (text !== undefined) params[spec.name] = paramValue(spec, text);
    }
    if (values['no-regrain']) params.regrain = 'none';
    const analysisSize = values['analysis-size'];
    if (analysisSize !== undefined) params.analysisMegapixels = analysisSize === 'full' ? Infinity : number('analysis-size', analysisSize);
    // Bad values are reported before anything is loaded or written.
    resolveParams(params as TransferParams);
    const jobs: Job[] = [];
    let reference: string;
    if (values.batch) {
      if (positionals.length < 2) throw new UsageError('--batch needs a REFERENCE and at least one TARGET');
      if (!values['out-dir']) throw new UsageError('--batch needs --out-dir DIR');
      reference = positionals[0];
      const outDir = values['out-dir'];
      const names = new Set<string>();
      for (const target of positionals.slice(1)) {
        const name = `${basename(target, extname(target))}.png`;
        if (names.has(name)) throw new UsageError(`two targets would both write ${name} in ${outDir}`);
        names.add(name);
        jobs.push({ target, output: join(outDir, name) });
      }
      await mkdir(outDir, { recursive: true });
    } else {
      if (positionals.length !== 2) throw new UsageError(`expected TARGET and REFERENCE, got ${positionals.length} file argument(s)`);
      if (!values.output) throw new UsageError('missing -o OUT.png');
      reference = positionals[1];
      jobs.push({ target: positionals[0], output: values.output });
    }
    for (const job of jobs) {
      if (values.dump !== undefined) job.dump = jobs.length > 1 ? join(values.dump, basename(job.target, extname(job.target))) : values.dump;
      if (extname(job.output).toLowerCase() !== '.png') throw new UsageError(`output must be a .png file: ${job.output}`);
      const written = [job.output, ...(job.dump !== undefined ? DUMP_FILES.map((name) => join(job.dump as string, name)) : [])];
      for (const input of [job.target, reference]) {
        for (const file of written) {
          if (await sameFile(file, input)) throw new UsageError(`refusing to overwrite an input: ${file}`);
        }
      }
      try {
        await stat(dirname(resolve(job.output)));
      } catch {
        throw new UsageError(`output folder does not exist: ${dirname(job.output)}`);
      }
    }
    const backend = values.backend ?? 'auto';
    if (!['auto', 'node', 'wasm'].includes(backend)) throw new UsageError(`--backend must be auto, node or wasm, got "${backend}"`);
    const core = values.core ?? 'auto';
    if (!['auto', 'threads', 'simd'].includes(core)) throw new UsageError(`--core must be auto, threads or simd, got "${core}"`);
    transfer = await createColorTransfer({
      threads: number('threads', values.threads),
      featureBackend: backend as 'auto' | 'node' | 'wasm',
      core: core as 'auto' | 'threads' | 'simd',
      logger: (level, message) => {
        if (level === 'error' || (level === 'warn' && !values.quiet && !values.json)) process.stderr.write(`supercolor: ${message}\n`);
      },
    });
    const showProgress = process.stderr.isTTY === true && !values.quiet;
    const reports = [];
    try {
      for (const job of jobs) {
        const result = await transfer.transfer(job.target, reference, params as TransferParams, {
          signal: controller.signal,
          onProgress: progressBar(showProgress, basename(job.target)),
          intermediates: values.dump !== undefined,
        });
        if (showProgress) process.stderr.write('\n');
        try {
          await writeAtomic(job.output, await encodePng(result));
        } catch (error) {
          process.stderr.write(`supercolor: cannot write ${job.output}: ${(error as Error).message}\n`);
          return EXIT.output;
        }
        let dumped: string[] = [];
        try {
          if (job.dump !== undefined) dumped = await dump(job.dump, result);
        } catch (error) {
          process.stderr.write(`supercolor: cannot write the --dump files in ${job.dump}: ${(error as Error).message}\n`);
          return EXIT.output;
        }
        reports.push({ target: job.target, reference, output: job.output, width: result.width, height: result.height, analysis: result.analysis, timings: result.timings, backend: result.backend, dumped });
        if (!values.json && !values.quiet) {
          const total = Object.values(result.timings).reduce((a, b) => a + b, 0);
          process.stderr.write(`${job.output}: ${result.width}x${result.height} in ${(total / 1000).toFixed(2)} s (features: ${result.backend.features}, core: ${result.backend.core})\n`);
        }
      }
    } finally {
      transfer.dispose();
    }
    if (values.json) process.stdout.write(`${JSON.stringify(jobs.length === 1 ? reports[0] : reports, null, 2)}\n`);
    return EXIT.ok;
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.name === 'AbortError') {
      process.stderr.write('\nsupercolor: interrupted\n');
      return EXIT.aborted;
    }
    process.stderr.write(`supercolor: ${e.message}\n`);
    if (error instanceof UsageError) return EXIT.usage;
    if (error instanceof SupercolorError) {
      if (e.code === 'invalid_argument') return EXIT.usage;
      if (e.code === 'decode_failed' || e.code === 'image_too_large') return EXIT.input;
      if (e.code === 'encode_failed') return EXIT.output;
    }
    return EXIT.internal;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

// Run when executed directly (the package's bin), not when imported by tests.
const invoked = process.argv[1] !== undefined && (await realpath(process.argv[1]).catch(() => process.argv[1]));
if (invoked && new URL(import.meta.url).pathname === invoked) {
  process.exitCode = await main(process.argv.slice(2));
}
