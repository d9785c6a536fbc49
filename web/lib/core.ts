// The supercolor core compiled to WebAssembly (src/wasm/bindings.cpp): its typed surface, and
// the loader that picks the threaded or the non-threaded build.
import type { RgbaImage } from './types.js';

/** Side of the pipeline: 0 = target, 1 = reference. */
export type Side = 0 | 1;

export interface CorePipeline {
  setProgress(callback: (stage: string, fraction: number) => void): void;
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
  /** A copy out of wasm memory (an ArrayBuffer of its own, even in the threaded build). */
  resultRgba(): Uint8Array<ArrayBuffer>;
  delete(): void;
}

export interface CoreModule {
  Pipeline: new (
    params: Record<string, unknown>,
    targetRgba: Uint8Array,
    targetWidth: number,
    targetHeight: number,
    referenceRgba: Uint8Array,
    referenceWidth: number,
    referenceHeight: number,
  ) => CorePipeline;
  decodeImage(bytes: Uint8Array): RgbaImage & { data: Uint8Array };
  encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array;
  encodeJpeg(rgba: Uint8Array, width: number, height: number, quality: number): Uint8Array;
  version(): string;
  /** Byte offset in HEAP8 of the flag every Pipeline polls (see src/wasm/bindings.cpp). */
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
