// Public types of the supercolor package: every option and result is typed here.

import type { CoreErrorCode, TransferParams } from './params.generated.js';

export type { TransferParams, ResolvedParams, ParamSpec } from './params.generated.js';

/** VGG-19 layers whose features can be matched (method.md §1.2; the choices of `layers`). */
export type LayerName = NonNullable<TransferParams['layers']>[number];

/** 8-bit RGBA pixels, row-major, no padding (the shape of ImageData). */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * An image to recolour or to take colours from. Browsers: ImageData, ImageBitmap, Blob/File,
 * or {data, width, height}. Node: also a file path (string or URL) or the encoded bytes of a
 * PNG/JPEG file (Uint8Array / Buffer / ArrayBuffer).
 */
export type ImageInput = RgbaImage | ImageData | ImageBitmap | Blob | string | URL | Uint8Array | ArrayBuffer;

/**
 * Stages reported by progress and timings, in order. segment … regrain run at the working
 * resolution; upsample carries the result to the target's full size (a plain conversion when the
 * target was analysed at full size).
 */
export type Stage = 'decode' | 'segment' | 'features' | 'match' | 'fuse' | 'regrain' | 'upsample';
export const STAGES: readonly Stage[] = ['decode', 'segment', 'features', 'match', 'fuse', 'regrain', 'upsample'];

export interface Progress {
  stage: Stage;
  /** Fraction of this stage done, in [0, 1]. */
  fraction: number;
}

/** Per-call options of transfer(). */
export interface TransferOptions {
  onProgress?: (progress: Progress) => void;
  /** Aborting rejects the call with an AbortError; the ColorTransfer stays usable. */
  signal?: AbortSignal;
  /** Also return the intermediate results (label maps, c(i), fused image, attention for small N). */
  intermediates?: boolean;
  /**
   * Called once with the result at the working resolution as soon as it exists, before it is
   * carried to full resolution (only when the target is larger than the working size).
   */
  onPreview?: (preview: RgbaImage & { data: Uint8ClampedArray }) => void;
  /**
   * Also fit a 3D LUT of the transfer (result.lut): regularised least squares on (target, result)
   * pixel pairs at the working resolution, strength and luminance included. true = size 33.
   */
  lut?: boolean | { size?: 17 | 33 | 65 };
}

/** Options of ColorTransfer.applyLut(). */
export interface ApplyLutOptions {
  /** 'tetrahedral' (default; ffmpeg's lut3d default) or 'trilinear'. */
  interpolation?: 'tetrahedral' | 'trilinear';
  signal?: AbortSignal;
}

/** A 3D LUT that reproduces a transfer. */
export interface TransferLut {
  /** The .cube text (Adobe Cube LUT Specification 1.0: TITLE, LUT_3D_SIZE, DOMAIN_MIN/MAX, red fastest). */
  cube: string;
  /** Lattice points per axis: 17, 33 or 65. */
  size: number;
  /** How well it reproduces the (spatially varying) result: CIEDE2000 ΔE between the LUT applied to the target and the result, mean and 95th percentile. */
  meanDeltaE2000: number;
  p95DeltaE2000: number;
}

/** Where the work ran. */
export interface BackendInfo {
  /** Runtime of the CNN features. */
  features: 'webgpu' | 'wasm' | 'node';
  /** Build of the supercolor core: threaded (SIMD + pthreads) or not (SIMD only). */
  core: 'threads' | 'simd';
  /** Threads used by the core. */
  threads: number;
  /** Why the non-threaded core was chosen, if it was. */
  reason?: string;
  /** Why the feature backends tried before `features` were not used (e.g. a software-only WebGPU adapter). */
  featuresReason?: string;
  /** The generation of the worker that ran this transfer (WorkerInfo.generation). */
  workerGeneration?: number;
  /** Its core's wasm memory, in bytes, when it answered. */
  memoryBytes?: number;
}

/**
 * Intermediate results. Every array is at the working (analysis) resolution of its image:
 * targetRgba.width × targetRgba.height for the target, referenceRgba's size for the reference.
 */
export interface Intermediates {
  /** The exact RGBA pixels analysed (after decoding, EXIF orientation and reduction to the working size). */
  targetRgba: RgbaImage;
  referenceRgba: RgbaImage;
  /** Superpixel label maps, H×W int32, labels 0..N−1. */
  labelsTarget: Int32Array;
  labelsReference: Int32Array;
  superpixelsTarget: number;
  superpixelsReference: number;
  /** Super-features, N×C float32 (layers combined). */
  superfeaturesTarget: Float32Array;
  superfeaturesReference: Float32Array;
  channels: number;
  /** Direct-matching colours c(i), N_T×3 RGB in [0,1]. */
  directColors: Float32Array;
  /** Mean colour of each reference superpixel, N_R×3. */
  referenceColors: Float32Array;
  /** Target painted with c(i) (the paper's Figure 4), H×W×3 float32. */
  direct: Float32Array;
  /** Fused image before regrain, H×W×3 float32 (not clamped). */
  fused: Float32Array;
  /** Final image at the working resolution (before upsampling), H×W×3 float32 in [0,1]. */
  result: Float32Array;
  /** Attention matrix A, N_T×N_R, only when both N ≤ 4096. */
  attention?: Float32Array;
}

export interface TransferResult {
  /** The target's full size in pixels. */
  width: number;
  height: number;
  /** Sizes the two images were analysed at (equal to their own size at or below the working size). */
  analysis: { target: { width: number; height: number }; reference: { width: number; height: number } };
  /** The recoloured image, RGBA 8-bit (the target's alpha is kept), in a buffer of its own (never
   *  shared memory): `new ImageData(result.data, result.width, result.height)` takes it as is. */
  data: Uint8ClampedArray<ArrayBuffer>;
  /** Wall time of each stage in milliseconds. */
  timings: Record<Stage, number>;
  backend: BackendInfo;
  /** Present when requested with `intermediates: true`. */
  intermediates?: Intermediates;
  /** Present when requested with `lut`. */
  lut?: TransferLut;
  /**
   * The first stage this transfer ran: 'segment' for a new pair; a later one when the engine kept
   * the stages of the same pair from the previous transfer and only later parameters changed
   * (τ → 'match', fusion → 'fuse', regrain → 'regrain', strength/luminance → 'upsample').
   */
  firstStage?: Stage;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Logger = (level: LogLevel, message: string) => void;

/** Options of createColorTransfer(). */
export interface ColorTransferOptions {
  /** Feature backend: 'auto' (WebGPU when an adapter exists, else wasm; Node: onnxruntime-node, else wasm). */
  featureBackend?: 'auto' | 'webgpu' | 'wasm' | 'node';
  /** Core build: 'auto' (threads when SharedArrayBuffer + cross-origin isolation allow), 'threads' or 'simd'. */
  core?: 'auto' | 'threads' | 'simd';
  /** Threads for the core and ONNX Runtime (default: hardware concurrency, at most 8). */
  threads?: number;
  /** Where the package's files are served from (the folder holding wasm/ and models/); default: beside this module. */
  baseUrl?: string | URL;
  /** Model bytes supplied by the caller (checked against the manifest). */
  modelBytes?: Uint8Array;
  /** Where onnxruntime-web's .wasm/.mjs files are served from (browsers; default: its package's own). */
  ortWasmPaths?: string;
  /** Feature tile size in pixels (default 512). */
  tileSize?: number;
  /** Receives feature-detection and downgrade messages (default: console for warn/error). */
  logger?: Logger;
  /** When the worker's memory is given back (default DEFAULT_RELEASE_MEMORY); false = never. */
  releaseMemory?: ReleaseMemoryOptions | false;
}

/** Codes the package adds to the core's: the feature model's bytes differ from the manifest, no runtime can run, anything unexpected. */
export const PACKAGE_ERROR_CODES = ['model_integrity', 'backend_unavailable', 'internal'] as const;
/** Error codes carried by SupercolorError.code: the core's (generated from src/core/error.h) and the package's. */
export type ErrorCode = CoreErrorCode | (typeof PACKAGE_ERROR_CODES)[number];

/**
 * When the engine gives its worker's memory back. A wasm memory never shrinks: a worker that
 * ran one large pair keeps that memory for good, and the next large pair grows it further. So
 * the worker is terminated (its memory freed) and a fresh one started, between transfers only.
 */
export interface ReleaseMemoryOptions {
  /**
   * After a transfer that left the core's wasm memory above this many bytes, the worker is
   * replaced by a fresh one as soon as no transfer is queued (browsers start the new one at
   * once, Node when next needed). Default 1 GiB; Infinity = never.
   */
  aboveBytes?: number;
  /**
   * An engine idle for this long terminates its worker; the next transfer starts a fresh one
   * (about a second: the core and the feature model are loaded again). Default 120000 (2 min);
   * Infinity = never.
   */
  idleMs?: number;
}

/** Defaults of ReleaseMemoryOptions. */
export const DEFAULT_RELEASE_MEMORY: Readonly<Required<ReleaseMemoryOptions>> = Object.freeze({ aboveBytes: 2 ** 30, idleMs: 120_000 });

/** The engine's worker as of now (see ColorTransfer.worker). */
export interface WorkerInfo {
  /** 1 for the first worker, +1 for every worker started since (after a release or an abort). */
  generation: number;
  /** Whether a worker is running or starting (false after an idle release, until the next transfer). */
  alive: boolean;
  /** Size of the live worker's core wasm memory at its last answer; 0 when none is alive or it has not answered. */
  memoryBytes: number;
  /** Workers terminated to give memory back so far. */
  releases: number;
}

