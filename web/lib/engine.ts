// One transfer, start to finish, on an already loaded core module and feature session. Runs in
// the worker. The core does the method; this
// file only moves pixels and feature tiles between ONNX Runtime and the core.
import { SupercolorError } from './errors.js';
import type { BackendInfo, Intermediates, LayerName, ResolvedParams, RgbaImage, Stage, TransferResult } from './types.js';
import { STAGES } from './types.js';
import type { CoreModule, CorePipeline } from './core.js';
import { extractFeatures, type FeatureSession } from './features/index.mjs';

/**
 * An image as the engine receives it: pixels, the bytes of an encoded file to decode with the
 * core (Node), or a Blob to decode with the browser's own decoders (ctx.decodeBlob).
 */
export type EngineImage = { kind: 'rgba'; image: RgbaImage } | { kind: 'encoded'; bytes: Uint8Array; name?: string } | { kind: 'blob'; blob: Blob };

/**
 * The pipeline of the last pair a worker ran, kept so that a re-run of the same pair with other
 * parameters starts from the first stage they affect (Pipeline::update_params). Owned by the
 * worker; released when another pair comes, on an error, or when the worker goes.
 */
export interface StageCache {
  entry?: { key: string; pipeline: CorePipeline; features: { backend: string; skipped: string[] } };
}

export interface EngineContext {
  core: CoreModule;
  /** Where the last pair's pipeline is kept between transfers (absent: nothing is kept). */
  cache?: StageCache;
  backend: Omit<BackendInfo, 'features'>;
  /** The feature session that outputs every requested layer (created lazily, cached by the caller). */
  featureSession(layers: LayerName[]): Promise<FeatureSession>;
  tileSize: number;
  /** Throws an AbortError when the caller aborted (polled between tiles and stages). */
  checkAborted(): void;
  /** Browsers: decodes a Blob (EXIF orientation applied); throws SupercolorError('decode_failed'). */
  decodeBlob?(blob: Blob, what: string): Promise<RgbaImage>;
  /** Where warnings go (the caller's logger), e.g. an image's colour profile that was ignored. */
  log?(level: 'warn', message: string): void;
}

export interface EngineJob {
  target: EngineImage;
  /** Absent for applyLut jobs. */
  reference?: EngineImage;
  params: ResolvedParams;
  intermediates: boolean;
  /** Send the working-resolution result through onPreview before upsampling. */
  preview: boolean;
  /** Fit a 3D LUT of this size after the transfer (result.lut). */
  lutSize?: number;
  /** Instead of a transfer: apply this .cube LUT to the target. */
  applyLut?: { cube: string; interpolation: 'tetrahedral' | 'trilinear' };
}

/** The working-resolution result, before it is carried to full resolution. */
export interface EnginePreview {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

const ATTENTION_LIMIT = 4096;

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

async function decode(ctx: EngineContext, input: EngineImage, what: string): Promise<RgbaImage> {
  if (input.kind === 'rgba') return input.image;
  if (input.kind === 'blob') {
    if (!ctx.decodeBlob) throw new SupercolorError('invalid_argument', `${what}: Blob inputs are not supported here`);
    return ctx.decodeBlob(input.blob, what);
  }
  try {
    const { data, width, height, warnings } = ctx.core.decodeImage(input.bytes);
    const name = input.name !== undefined ? ` (${input.name})` : '';
    for (const warning of warnings ?? []) ctx.log?.('warn', `${what} image${name}: ${warning}`);
    return { data, width, height };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const name = input.name !== undefined ? ` (${input.name})` : '';
    throw new SupercolorError(e.code === 'image_too_large' ? 'image_too_large' : 'decode_failed', `${what} image${name}: ${e.message ?? String(error)}`);
  }
}

/** RGBA8 -> channel-planar float RGB in [0,1], the feature model's input. */
export function planarRgb(image: RgbaImage): Float32Array {
  const n = image.width * image.height;
  const out = new Float32Array(3 * n);
  const d = image.data;
  for (let p = 0; p < n; p++) {
    out[p] = d[4 * p] / 255;
    out[n + p] = d[4 * p + 1] / 255;
    out[2 * n + p] = d[4 * p + 2] / 255;
  }
  return out;
}

function asBytes(data: Uint8Array | Uint8ClampedArray): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export async function runTransfer(
  ctx: EngineContext,
  job: EngineJob,
  onProgress: (stage: Stage, fraction: number) => void,
  onPreview?: (preview: EnginePreview) => void,
): Promise<TransferResult> {
  const timings = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  let t0 = now();
  onProgress('decode', 0);
  const target = await decode(ctx, job.target, 'target');
  if (job.applyLut) {
    timings.decode = now() - t0;
    const rgba = ctx.core.applyCube(job.applyLut.cube, asBytes(target.data), target.width, target.height, job.applyLut.interpolation);
    const size = { width: target.width, height: target.height };
    return { ...size, analysis: { target: size, reference: size }, data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), timings, backend: { ...ctx.backend, features: 'wasm' } };
  }
  if (!job.reference) throw new SupercolorError('invalid_argument', 'reference image is missing');
  const reference = await decode(ctx, job.reference, 'reference');
  onProgress('decode', 1);
  timings.decode = now() - t0;
  ctx.checkAborted();

  const { params } = job;
  // The same pair as last time: keep what the changed parameters do not affect.
  const key = ctx.cache ? pairKey(target, reference) : '';
  const cached = ctx.cache?.entry;
  let first: Stage = 'segment';
  if (cached && cached.key === key) {
    first = cached.pipeline.updateParams(params) as Stage;
    if (first === 'segment') releaseCache(ctx.cache);
  } else {
    releaseCache(ctx.cache);
  }
  const at = (stage: Stage) => STAGES.indexOf(stage) >= STAGES.indexOf(first);

  // Start loading the model while SLIC runs? Session creation is async and the core is
  // synchronous, so it is requested first and awaited after segmentation.
  const sessionPromise = at('features') ? ctx.featureSession(params.layers) : undefined;
  sessionPromise?.catch(() => undefined);

  // The core reads the parameters through its own table (the names are the package's).
  const pipeline: CorePipeline = at('segment') || !cached ? new ctx.core.Pipeline(params, ctx.backend.threads, asBytes(target.data), target.width, target.height, asBytes(reference.data), reference.width, reference.height) : cached.pipeline;
  let keep = false;
  try {
    pipeline.setProgress((stage: string, fraction: number) => {
      // What this throws ends the core's stage early and is rethrown by the bound call.
      ctx.checkAborted();
      if (stage !== 'features') onProgress(stage as Stage, fraction);
    });
    let features = cached?.features ?? { backend: 'wasm', skipped: [] as string[] };
    if (at('segment')) {
      t0 = now();
      pipeline.segment();
      timings.segment = now() - t0;
      ctx.checkAborted();
    }
    if (at('features')) {
    t0 = now();
    onProgress('features', 0);
    const session = (await sessionPromise)!;
    features = { backend: session.backend, skipped: session.skipped };
    ctx.checkAborted();
    for (let side = 0; side < 2; side++) {
      // Features of the image the core analyses (the working-size reduction when reduced).
      await extractFeatures(session, pipeline.analysisPlanarRgb(side), {
        height: pipeline.analysisHeight(side),
        width: pipeline.analysisWidth(side),
        layers: params.layers,
        tileSize: ctx.tileSize,
        sink: (layer: string, y0: number, x0: number, rows: number, cols: number, data: Float32Array, rowStride: number, planeStride: number) => {
          ctx.checkAborted();
          // Pack the valid interior so only the cells the core needs cross into wasm memory.
          const channels = Math.floor((data.length - (rows - 1) * rowStride - cols) / planeStride) + 1;
          const packed = new Float32Array(channels * rows * cols);
          for (let c = 0; c < channels; c++) {
            for (let r = 0; r < rows; r++) {
              const from = c * planeStride + r * rowStride;
              packed.set(data.subarray(from, from + cols), (c * rows + r) * cols);
            }
          }
          pipeline.addFeatureTile(side, params.layers.indexOf(layer as LayerName), y0, x0, rows, cols, packed, cols, rows * cols);
        },
        onTile: (done: number, total: number) => onProgress('features', (side + done / total) / 2),
      });
    }
    timings.features = now() - t0;
    ctx.checkAborted();
    }

    if (at('match')) {
      t0 = now();
      pipeline.match();
      timings.match = now() - t0;
      ctx.checkAborted();
    }
    if (at('fuse')) {
      t0 = now();
      pipeline.fuse();
      timings.fuse = now() - t0;
      ctx.checkAborted();
    }
    if (at('regrain')) {
      t0 = now();
      pipeline.finish();
      if (params.regrain === 'none') onProgress('regrain', 1);
      timings.regrain = now() - t0;
      ctx.checkAborted();
    }

    const analysis = {
      target: { width: pipeline.analysisWidth(0), height: pipeline.analysisHeight(0) },
      reference: { width: pipeline.analysisWidth(1), height: pipeline.analysisHeight(1) },
    };
    const reduced = analysis.target.width !== target.width || analysis.target.height !== target.height;
    if (onPreview && reduced) {
      const preview = pipeline.resultRgba();
      onPreview({ data: new Uint8ClampedArray(preview.buffer, preview.byteOffset, preview.byteLength), ...analysis.target });
    }

    t0 = now();
    pipeline.upsample();
    timings.upsample = now() - t0;

    const rgba = pipeline.output();
    const result: TransferResult = {
      width: target.width,
      height: target.height,
      analysis,
      data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength),
      timings,
      backend: {
        ...ctx.backend,
        features: features.backend === 'node' ? 'node' : (features.backend as 'webgpu' | 'wasm'),
        ...(features.skipped.length > 0 ? { featuresReason: features.skipped.join('; ') } : {}),
      },
      firstStage: first,
    };
    if (job.lutSize !== undefined) result.lut = pipeline.fitLut(job.lutSize);
    if (job.intermediates) {
      const labelsTarget = pipeline.labels(0);
      const labelsReference = pipeline.labels(1);
      const nT = pipeline.superpixelCount(0);
      const nR = pipeline.superpixelCount(1);
      const directColors = pipeline.directColors();
      const intermediates: Intermediates = {
        targetRgba: { data: pipeline.analysisRgba(0), ...analysis.target },
        referenceRgba: { data: pipeline.analysisRgba(1), ...analysis.reference },
        labelsTarget,
        labelsReference,
        superpixelsTarget: nT,
        superpixelsReference: nR,
        superfeaturesTarget: pipeline.superfeatures(0),
        superfeaturesReference: pipeline.superfeatures(1),
        channels: pipeline.superfeatureChannels(),
        directColors,
        referenceColors: pipeline.meanColors(1),
        direct: pipeline.paintSuperpixels(0, directColors),
        fused: pipeline.fused(),
        result: pipeline.result(),
      };
      if (nT <= ATTENTION_LIMIT && nR <= ATTENTION_LIMIT) intermediates.attention = pipeline.attentionRows(0, nT);
      result.intermediates = intermediates;
    }
    if (ctx.cache) {
      pipeline.setProgress(null);
      ctx.cache.entry = { key, pipeline, features };
      keep = true;
    }
    return result;
  } finally {
    if (!keep) {
      if (ctx.cache?.entry?.pipeline === pipeline) ctx.cache.entry = undefined;
      pipeline.delete();
    }
  }
}

/** Deletes the kept pipeline, if any. */
export function releaseCache(cache: StageCache | undefined): void {
  cache?.entry?.pipeline.delete();
  if (cache) cache.entry = undefined;
}

/**
 * Identity of a pair of decoded images: sizes and a 64-bit hash of every byte (two 32-bit
 * multiplicative hashes over 32-bit words), so that only the same pixels reuse stages.
 */
export function pairKey(target: RgbaImage, reference: RgbaImage): string {
  const hash = (image: RgbaImage): string => {
    const bytes = image.data;
    const words = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2) : new Uint32Array(new Uint8Array(bytes).buffer, 0, bytes.byteLength >>> 2);
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      a = Math.imul(a ^ w, 0x01000193);
      b = Math.imul(b + w, 0x5bd1e995) ^ (b >>> 15);
    }
    for (let i = words.length * 4; i < bytes.byteLength; i++) a = Math.imul(a ^ bytes[i], 0x01000193);
    return `${image.width}x${image.height}:${(a >>> 0).toString(16)}${(b >>> 0).toString(16)}`;
  };
  return `${hash(target)}|${hash(reference)}`;
}
