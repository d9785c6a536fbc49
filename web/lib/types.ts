// Public types of the supercolor package: every option and result is typed here.

/** VGG-19 layers whose features can be matched (DESIGN.md 1.2). */
export type LayerName = 'relu1_2' | 'relu2_1' | 'relu2_2' | 'relu3_1';

/** The method's parameters; every one is optional and defaults to the paper's / DESIGN.md §1. */
export interface TransferParams {
  /** SLIC superpixels K requested per image; 0 or undefined = round(3·√(H·W)). */
  superpixels?: number;
  /** SLIC compactness m (default 10). */
  compactness?: number;
  /** SLIC iterations (default 10). */
  slicIterations?: number;
  /** Feature layers (default ['relu1_2']); several are L2-normalised and concatenated. */
  layers?: LayerName[];
  /** Attention softmax temperature τ (eq. 1, default 0.02). */
  tau?: number;
  /** Spatial scale δs of Σ_i (eq. 6, default 10). */
  deltaS?: number;
  /** Colour scale δc of Σ_i (eq. 6, default 0.1). */
  deltaC?: number;
  /** Ridge ε added to Σ_i (default 1e-4). */
  epsilon?: number;
  /** Fusion bandwidth σ_g: 'adaptive' (default: per pixel, min_i D_i(p) + 1e-5) or a fixed value > 0. */
  sigmaG?: number | 'adaptive';
  /** Fusion neighbourhood radius in normalised coordinates (default 0.3; Infinity = all superpixels). */
  fusionRadius?: number;
  /** Pitié's regrain post-processing (default true). */
  regrain?: boolean;
  /** Regrain smoothness (default 1). */
  regrainSmoothness?: number;
  /** Regrain Jacobi iterations per level, finest first (default [4, 16, 32, 64, 64, 64]). */
  regrainIterations?: number[];
}

/** TransferParams with every default filled in. */
export type ResolvedParams = Required<Omit<TransferParams, 'sigmaG'>> & { sigmaG: number | 'adaptive' };

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

/** Stages reported by progress and timings, in order. */
export type Stage = 'decode' | 'segment' | 'features' | 'match' | 'fuse' | 'regrain';
export const STAGES: readonly Stage[] = ['decode', 'segment', 'features', 'match', 'fuse', 'regrain'];

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
}

export interface Intermediates {
  /** The exact RGBA pixels used (after decoding and EXIF orientation). */
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
  /** Attention matrix A, N_T×N_R, only when both N ≤ 4096. */
  attention?: Float32Array;
}

export interface TransferResult {
  width: number;
  height: number;
  /** The recoloured image, RGBA 8-bit (the target's alpha is kept), in a buffer of its own (never
   *  shared memory): `new ImageData(result.data, result.width, result.height)` takes it as is. */
  data: Uint8ClampedArray<ArrayBuffer>;
  /** Wall time of each stage in milliseconds. */
  timings: Record<Stage, number>;
  backend: BackendInfo;
  /** Present when requested with `intermediates: true`. */
  intermediates?: Intermediates;
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
}

/** Error codes carried by SupercolorError.code. */
export type ErrorCode =
  | 'invalid_argument'
  | 'image_too_large'
  | 'out_of_memory'
  | 'cancelled'
  | 'bad_state'
  | 'decode_failed'
  | 'encode_failed'
  | 'model_integrity'
  | 'backend_unavailable'
  | 'internal';
