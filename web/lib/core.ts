// The supercolor core compiled to WebAssembly (src/wasm/*_bindings.cpp): its typed surface, and
// the loader that picks the threaded or the non-threaded build.
import type { RgbaImage } from './types.js';

/** Side of the pipeline: 0 = target, 1 = reference. */
export type Side = 0 | 1;

export interface CorePipeline {
  setProgress(callback: ((stage: string, fraction: number) => void) | null): void;
  /** Other parameters for the same pair: the first stage to run again ('segment': make a new Pipeline). */
  updateParams(params: object): string;
  segment(): void;
  labels(side: Side | number): Int32Array;
  superpixelCount(side: Side | number): number;
  featureMapHeight(side: Side | number, layer: number): number;
  featureMapWidth(side: Side | number, layer: number): number;
  addFeatureTile(side: Side | number, layer: number, y0: number, x0: number, rows: number, cols: number, data: Float32Array, rowStride: number, planeStride: number): void;
  featuresComplete(): boolean;
  match(): void;
  directColors(): Float32Array;
  /** Mean RGB of each superpixel of a side, N×3. */
  meanColors(side: Side | number): Float32Array;
  superfeatures(side: Side | number): Float32Array;
  superfeatureChannels(): number;
  /** Each pixel of a side painted with its superpixel's colour (colors N×3), H×W×3 float. */
  paintSuperpixels(side: Side | number, colors: Float32Array): Float32Array;
  attentionRows(begin: number, end: number): Float32Array;
  fuse(): void;
  fused(): Float32Array;
  finish(): void;
  /** Final image at the analysis size, H×W×3 float in [0,1]. */
  result(): Float32Array;
  /** The same as RGBA8 (alpha 255): the preview. A copy out of wasm memory. */
  resultRgba(): Uint8Array<ArrayBuffer>;
  /** Carries the result to the target's full size (stage 'upsample'). */
  upsample(): void;
  /** The final image at full size, RGBA8 with the target's alpha. */
  output(): Uint8Array<ArrayBuffer>;
  outputWidth(): number;
  outputHeight(): number;
  /** Size a side is analysed at (its working-size reduction, or its own size). */
  analysisWidth(side: Side | number): number;
  analysisHeight(side: Side | number): number;
  /** The analysed image of a side, channel-planar float RGB 3×H×W in [0,1] (the feature model's input). */
  analysisPlanarRgb(side: Side | number): Float32Array;
  /** The analysed image of a side as RGBA8. */
  analysisRgba(side: Side | number): Uint8Array;
  /** A 3D LUT of the transfer (after finish()), .cube text and fit error. */
  fitLut(size: number): { cube: string; size: number; meanDeltaE2000: number; p95DeltaE2000: number };
  delete(): void;
}

export interface CoreModule {
  /** params: read through the core's parameter table (names as in TransferParams). */
  Pipeline: new (
    params: object,
    threads: number,
    targetRgba: Uint8Array,
    targetWidth: number,
    targetHeight: number,
    referenceRgba: Uint8Array,
    referenceWidth: number,
    referenceHeight: number,
  ) => CorePipeline;
  /** Decodes to sRGB (an embedded ICC profile is converted); warnings: e.g. a profile that was ignored. */
  decodeImage(bytes: Uint8Array): RgbaImage & { data: Uint8Array; warnings: string[] };
  encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array;
  encodeJpeg(rgba: Uint8Array, width: number, height: number, quality: number): Uint8Array;
  version(): string;
  /** Applies .cube text to RGBA8 pixels (alpha kept); throws invalid_lut naming the line. */
  applyCube(cube: string, rgba: Uint8Array, width: number, height: number, interpolation: 'tetrahedral' | 'trilinear'): Uint8Array<ArrayBuffer>;
  /** The core's error codes (src/core/error.h). */
  errorCodes(): string[];
  /** The core's parameter table as JSON (src/core/params.h: param_schema_json). */
  paramSchema(): string;
  /** Byte offset in HEAP8 of the flag every Pipeline polls (see src/wasm/threads.h). */
  cancelFlagAddress(): number;
  resetCancel(): void;
  /** The module's memory (a SharedArrayBuffer in the threaded build). */
  HEAP8: Int8Array;
}

export type CoreKind = 'threads' | 'simd';

/** The factory an Emscripten core build exports (MODULARIZE + EXPORT_ES6). */
export type CoreFactory = (options: Record<string, unknown>) => Promise<
  CoreModule & { PThread?: { unusedWorkers: { unref?(): void }[]; runningWorkers: { unref?(): void }[] } }
>;

/** Pool size of the threaded build: the core uses at most pool + 1 threads. */
export function poolSize(threads: number): number {
  return Math.max(1, Math.min(threads, 16) - 1);
}
