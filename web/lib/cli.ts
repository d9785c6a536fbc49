#!/usr/bin/env node
// supercolor command line: recolour photos on this machine.
import { mkdir, readFile, rename, writeFile, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createColorTransfer, PARAM_SCHEMA, resolveParams, SupercolorError, type ParamSpec, type Progress, type TransferParams, type TransferResult } from './index.js';
import { encodeJpeg, encodePng } from './codec.js';
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
  supercolor TARGET REFERENCE -o OUT.png|OUT.jpg [options]
  supercolor --batch REFERENCE TARGET... --out-dir DIR [--consistent] [options]
  supercolor --apply-lut IN.cube TARGET... (-o OUT.png|OUT.jpg | --out-dir DIR)

Method parameters (defaults in parentheses; lists are comma-separated, "inf" = Infinity):
${PARAM_HELP}
  --no-regrain              the same as --regrain none
  --analysis-size full|MP   the same as --analysis-megapixels inf|MP
Grading and LUTs:
  --lut OUT.cube            also write a 3D LUT (.cube) that reproduces the transfer
  --lut-size N              LUT lattice size: 17, 33 or 65 (33)
  --apply-lut IN.cube       apply a .cube LUT (1D or 3D, tetrahedral) instead of a transfer
  --consistent              (--batch) one transfer on the first target (key frame), one LUT,
                            applied to every target: no flicker across video frames
Engine:
  --threads N          threads for the core and ONNX Runtime
  --backend B          features backend: auto, node, wasm
  --core C             core build: auto, threads, simd
Output:
  -o, --output FILE    output file, .png or .jpg/.jpeg (single mode); tagged sRGB
  --out-dir DIR        output folder (batch mode: DIR/<target name>.<format>)
  --format F           batch output format: png (default) or jpg
  --quality Q          JPEG quality 1-100 (92)
  --json               print a JSON report on stdout (warnings still go to stderr)
  --dump DIR           write the inputs used and the intermediate results (.png, .npy)
  -q, --quiet          no progress bar
  -h, --help           this help

Exit codes: 0 ok, 2 bad arguments, 3 unreadable input, 4 output not written, 1 internal error, 130 interrupted.\nA batch tries every target; the exit code is that of the first that failed (each has its status in --json).`;

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

/**
 * parseArgs reads "--tau -1" as two flags; a value that looks like a negative number is joined
 * to its flag ("--tau=-1") so that the parameter's own range check answers.
 */
function withNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i].startsWith('--') && !argv[i].includes('=') && next !== undefined && /^-\d|^-\.\d|^-inf/i.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
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

/** The exit code of an error (EXIT). */
function exitCodeOf(error: unknown): number {
  const code = (error as { code?: string }).code;
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof SupercolorError) {
    if (code === 'invalid_argument') return EXIT.usage;
    if (code === 'decode_failed' || code === 'image_too_large' || code === 'invalid_lut') return EXIT.input;
    if (code === 'encode_failed') return EXIT.output;
  }
  return EXIT.internal;
}

export async function main(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: withNegativeValues(argv),
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        'out-dir': { type: 'string' },
        batch: { type: 'boolean' },
        ...PARAM_OPTIONS,
        'no-regrain': { type: 'boolean' },
        'analysis-size': { type: 'string' },
        lut: { type: 'string' },
        'lut-size': { type: 'string' },
        'apply-lut': { type: 'string' },
        consistent: { type: 'boolean' },
        threads: { type: 'string' },
        backend: { type: 'string' },
        core: { type: 'string' },
        json: { type: 'boolean' },
        format: { type: 'string' },
        quality: { type: 'string' },
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
  /** Warnings logged while the current target was processed (its report's `warnings`). */
  let jobWarnings: string[] = [];
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
    const lutOut = values.lut;
    const lutSize = number('lut-size', values['lut-size']) ?? 33;
    if (![17, 33, 65].includes(lutSize)) throw new UsageError(`--lut-size must be 17, 33 or 65, got ${lutSize}`);
    const applyLutFile = values['apply-lut'];
    if (values.consistent && !values.batch) throw new UsageError('--consistent goes with --batch');
    if (lutOut !== undefined && values.batch && !values.consistent) throw new UsageError('--lut with --batch needs --consistent (one LUT for every frame)');
    if (lutOut !== undefined && extname(lutOut).toLowerCase() !== '.cube') throw new UsageError(`--lut must name a .cube file: ${lutOut}`);
    if (values['lut-size'] !== undefined && lutOut === undefined && !values.consistent) throw new UsageError('--lut-size goes with --lut OUT.cube (or --consistent)');
    const quality = number('quality', values.quality) ?? 92;
    if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new UsageError(`--quality must be an integer in [1, 100], got ${values.quality}`);
    const format = values.format ?? 'png';
    if (!['png', 'jpg'].includes(format)) throw new UsageError(`--format must be png or jpg, got "${format}"`);
    if (values.format !== undefined && values.output !== undefined) throw new UsageError('--format goes with --out-dir (with -o, the extension says the format)');
    const jobs: Job[] = [];
    let reference: string | undefined;
    // Targets: after REFERENCE in --batch, or alone with --apply-lut.
    let targets: string[];
    if (applyLutFile !== undefined) {
      if (positionals.length < 1) throw new UsageError('--apply-lut needs at least one TARGET');
      targets = positionals;
    } else if (values.batch) {
      if (positionals.length < 2) throw new UsageError('--batch needs a REFERENCE and at least one TARGET');
      reference = positionals[0];
      targets = positionals.slice(1);
    } else {
      if (positionals.length !== 2) throw new UsageError(`expected TARGET and REFERENCE, got ${positionals.length} file argument(s)`);
      reference = positionals[1];
      targets = [positionals[0]];
    }
    if (targets.length > 1 || values.batch) {
      if (!values['out-dir']) throw new UsageError(`${values.batch ? '--batch' : 'several targets'} need --out-dir DIR`);
      const outDir = values['out-dir'];
      const names = new Set<string>();
      for (const target of targets) {
        const name = `${basename(target, extname(target))}.${format}`;
        if (names.has(name)) throw new UsageError(`two targets would both write ${name} in ${outDir}`);
        names.add(name);
        jobs.push({ target, output: join(outDir, name) });
      }
      await mkdir(outDir, { recursive: true });
    } else {
      if (!values.output) throw new UsageError('missing -o OUT.png');
      jobs.push({ target: targets[0], output: values.output });
    }
    const inputs = [...targets, ...(reference !== undefined ? [reference] : []), ...(applyLutFile !== undefined ? [applyLutFile] : [])];
    for (const job of jobs) {
      if (values.dump !== undefined) job.dump = jobs.length > 1 ? join(values.dump, basename(job.target, extname(job.target))) : values.dump;
      if ((await stat(job.output).catch(() => undefined))?.isDirectory()) throw new UsageError(`output ${job.output} is an existing folder; name a .png or .jpg file`);
      if (!['.png', '.jpg', '.jpeg'].includes(extname(job.output).toLowerCase())) throw new UsageError(`output must be a .png or .jpg file: ${job.output}`);
      const written = [job.output, ...(lutOut !== undefined ? [lutOut] : []), ...(job.dump !== undefined ? DUMP_FILES.map((name) => join(job.dump as string, name)) : [])];
      for (const input of inputs) {
        for (const file of written) {
          if (await sameFile(file, input)) throw new UsageError(`refusing to overwrite an input: ${file}`);
        }
      }
      // Checked before any work: a missing folder, or an output path that is a folder.
      try {
        await stat(dirname(resolve(job.output)));
      } catch {
        throw new UsageError(`output folder does not exist: ${dirname(job.output)}`);
      }
      const existing = await stat(job.output).catch(() => undefined);
      if (existing?.isDirectory()) throw new UsageError(`output ${job.output} is an existing folder; name a .png or .jpg file`);
    }
    const cube = applyLutFile !== undefined ? await readFile(applyLutFile, 'utf8').catch((error: Error) => {
      throw new SupercolorError('decode_failed', `cannot read ${applyLutFile}: ${error.message}`);
    }) : undefined;
    const backend = values.backend ?? 'auto';
    if (!['auto', 'node', 'wasm'].includes(backend)) throw new UsageError(`--backend must be auto, node or wasm, got "${backend}"`);
    const core = values.core ?? 'auto';
    if (!['auto', 'threads', 'simd'].includes(core)) throw new UsageError(`--core must be auto, threads or simd, got "${core}"`);
    transfer = await createColorTransfer({
      threads: number('threads', values.threads),
      featureBackend: backend as 'auto' | 'node' | 'wasm',
      core: core as 'auto' | 'threads' | 'simd',
      logger: (level, message) => {
        // Warnings (an ignored colour profile, a JPEG cut short) also go into the job's report:
        // under --json, stdout holds the JSON and they are printed on stderr as well.
        if (level === 'warn') jobWarnings.push(message);
        if (level === 'error' || (level === 'warn' && !values.quiet)) process.stderr.write(`supercolor: ${message}\n`);
      },
    });
    const showProgress = process.stderr.isTTY === true && !values.quiet;
    /** The output file's bytes: PNG or JPEG by the extension. */
    const encode = (image: TransferResult, file: string) => (extname(file).toLowerCase() === '.png' ? encodePng(image) : encodeJpeg(image, quality));
    const reports: Record<string, unknown>[] = [];
    let failure: number | undefined;
    let lutReport: Record<string, unknown> | undefined;
    const warningsOf = () => (jobWarnings.length > 0 ? { warnings: [...jobWarnings] } : {});
    try {
      // --consistent: one transfer on the key frame (the first target), one LUT, every frame
      // through that LUT, so colours do not flicker from frame to frame.
      let frameLut = cube;
      if (values.consistent) {
        const key = await transfer.transfer(jobs[0].target, reference as string, params as TransferParams, {
          signal: controller.signal,
          onProgress: progressBar(showProgress, `key frame ${basename(jobs[0].target)}`),
          lut: { size: lutSize as 17 | 33 | 65 },
        });
        if (showProgress) process.stderr.write('\n');
        frameLut = key.lut!.cube;
        lutReport = { file: lutOut, size: key.lut!.size, meanDeltaE2000: key.lut!.meanDeltaE2000, p95DeltaE2000: key.lut!.p95DeltaE2000, keyFrame: jobs[0].target };
        if (lutOut !== undefined) await writeAtomic(lutOut, new TextEncoder().encode(frameLut));
      }
      for (const job of jobs) {
        let result: TransferResult;
        jobWarnings = [];
        try {
          result = frameLut !== undefined
            ? await transfer.applyLut(frameLut, job.target, { signal: controller.signal }).catch((error: Error & { code?: string }) => {
                // Name the .cube file in its errors ("look.cube: cube line 3: ...").
                if (error.code === 'invalid_lut' && applyLutFile !== undefined) error.message = `${applyLutFile}: ${error.message}`;
                throw error;
              })
            : await transfer.transfer(job.target, reference as string, params as TransferParams, {
                signal: controller.signal,
                onProgress: progressBar(showProgress, basename(job.target)),
                intermediates: values.dump !== undefined,
                lut: lutOut !== undefined ? { size: lutSize as 17 | 33 | 65 } : undefined,
              });
        } catch (error) {
          const e = error as Error & { code?: string };
          // One bad target does not stop a batch: it gets its status, the others are tried.
          if (jobs.length === 1 || e.name === 'AbortError' || !(error instanceof SupercolorError)) throw error;
          failure ??= exitCodeOf(error);
          process.stderr.write(`supercolor: ${job.target}: ${e.code}: ${e.message}\n`);
          reports.push({ target: job.target, status: 'error', code: e.code, message: e.message, ...warningsOf() });
          continue;
        }
        if (showProgress) process.stderr.write('\n');
        const writeStarted = performance.now();
        try {
          await writeAtomic(job.output, await encode(result, job.output));
          if (lutOut !== undefined && result.lut) {
            await writeAtomic(lutOut, new TextEncoder().encode(result.lut.cube));
            lutReport = { file: lutOut, size: result.lut.size, meanDeltaE2000: result.lut.meanDeltaE2000, p95DeltaE2000: result.lut.p95DeltaE2000 };
          }
        } catch (error) {
          process.stderr.write(`supercolor: cannot write ${job.output}: ${(error as Error).message}\n`);
          return EXIT.output;
        }
        const writeMs = performance.now() - writeStarted;
        let dumped: string[] = [];
        try {
          if (job.dump !== undefined) dumped = await dump(job.dump, result);
        } catch (error) {
          process.stderr.write(`supercolor: cannot write the --dump files in ${job.dump}: ${(error as Error).message}\n`);
          return EXIT.output;
        }
        if (frameLut !== undefined) {
          // A LUT application: no analysis, no features, no stages to report.
          reports.push({ target: job.target, status: 'ok', output: job.output, width: result.width, height: result.height, lut: lutOut ?? applyLutFile, writeMs, ...warningsOf() });
          if (!values.json && !values.quiet) process.stderr.write(`${job.output}: ${result.width}x${result.height} (LUT applied)\n`);
          continue;
        }
        reports.push({ target: job.target, status: 'ok', reference, output: job.output, width: result.width, height: result.height, analysis: result.analysis, timings: result.timings, writeMs, backend: result.backend, ...warningsOf(), ...(job.dump !== undefined ? { dumped } : {}) });
        if (!values.json && !values.quiet) {
          const total = Object.values(result.timings).reduce((a, b) => a + b, 0);
          process.stderr.write(`${job.output}: ${result.width}x${result.height} in ${(total / 1000).toFixed(2)} s + ${(writeMs / 1000).toFixed(2)} s to encode and write (features: ${result.backend.features}, core: ${result.backend.core})\n`);
        }
      }
      if (lutReport && !values.json && !values.quiet) {
        process.stderr.write(`LUT ${lutReport.file ?? '(not written)'}: ${lutReport.size}^3, fit ΔE2000 mean ${(lutReport.meanDeltaE2000 as number).toFixed(2)}, p95 ${(lutReport.p95DeltaE2000 as number).toFixed(2)}\n`);
      }
    } finally {
      transfer.dispose();
    }
    if (values.json) {
      const body = jobs.length === 1 && !values.batch ? { ...reports[0], ...(lutReport ? { lut: lutReport } : {}) } : lutReport ? { frames: reports, lut: lutReport } : reports;
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    }
    if (failure !== undefined) return failure;
    return EXIT.ok;
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.name === 'AbortError') {
      process.stderr.write('\nsupercolor: interrupted\n');
      return EXIT.aborted;
    }
    process.stderr.write(`supercolor: ${e.message}\n`);
    return exitCodeOf(error);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

// Run when executed directly (the package's bin), not when imported by tests.
const invoked = process.argv[1] !== undefined && (await realpath(process.argv[1]).catch(() => process.argv[1]));
if (invoked && new URL(import.meta.url).pathname === invoked) {
  process.exitCode = await main(process.argv.slice(2));
}
