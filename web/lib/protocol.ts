// Typed messages between the main thread and the worker. Large buffers are transferred.
import type { SerializedError } from './errors.js';
import type { EngineJob, EnginePreview } from './engine.js';
import type { BackendInfo, Stage, TransferResult } from './types.js';
import type { PackageAssets } from './assets.js';

export interface WorkerConfig {
  core: 'threads' | 'simd';
  threads: number;
  reason?: string;
  /** URLs of the package's files: the core builds, the model manifest and every model. */
  assets: PackageAssets;
  modelBytes?: Uint8Array;
  featureBackend: 'auto' | 'webgpu' | 'wasm' | 'node';
  ortWasmPaths?: string;
  tileSize: number;
  /** Threads for ONNX Runtime (the core's are `threads`). */
  featureThreads: number;
}

/** A job as it crosses to the worker: browsers may send a Blob to decode there. */
export type WireImage = EngineJob['target'];
export type WireJob = EngineJob;

/**
 * The core's cancellation flag, one byte of the threaded core's shared wasm memory: raising it
 * (Atomics.store) stops the stage running in the worker at its next chunk.
 */
export interface CoreCancelFlag {
  memory: SharedArrayBuffer;
  address: number;
}

export type ToWorker =
  | { type: 'init'; config: WorkerConfig }
  /**
   * `cancel` (Node, where SharedArrayBuffer always exists): the main thread sets cancel[0] to 1
   * to abort this job; the worker polls it between tiles and stages. Without it (browsers) the
   * main thread aborts by terminating the worker.
   */
  | { type: 'transfer'; id: number; job: WireJob; cancel?: Int32Array };

export type FromWorker =
  | { type: 'ready'; backend: Omit<BackendInfo, 'features'>; coreCancel?: CoreCancelFlag }
  | { type: 'progress'; id: number; stage: Stage; fraction: number }
  /** The working-resolution result (only for jobs with `preview`), before upsampling. */
  | { type: 'preview'; id: number; preview: EnginePreview }
  /**
   * `memoryBytes`: size of the core's wasm memory after the job (it only grows: the main thread
   * uses it to decide when to recycle the worker, see releaseMemory in index.ts).
   */
  | { type: 'result'; id: number; result: TransferResult; memoryBytes: number }
  | { type: 'error'; id: number | null; error: SerializedError; memoryBytes?: number }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug'; message: string };

/** Buffers of a result that can be transferred instead of copied. */
export function resultTransferables(result: TransferResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (view: ArrayBufferView | undefined) => {
    if (view && view.buffer instanceof ArrayBuffer) buffers.add(view.buffer);
  };
  add(result.data);
  const i = result.intermediates;
  if (i) {
    for (const view of [i.labelsTarget, i.labelsReference, i.superfeaturesTarget, i.superfeaturesReference, i.directColors, i.referenceColors, i.direct, i.fused, i.result, i.attention, i.targetRgba.data, i.referenceRgba.data]) add(view);
  }
  return [...buffers];
}
