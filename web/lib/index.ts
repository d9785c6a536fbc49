// supercolor: recolour a target photo with the colours of a reference photo, on this machine.
//
//   const ct = await createColorTransfer();
//   const result = await ct.transfer(target, reference, { tau: 0.02 }, { onProgress, signal });
//
// The heavy work runs in a Worker (browsers) or a worker thread (Node); aborting terminates it.
import { abortError, deserializeError, SupercolorError } from './errors.js';
import { hardwareThreads, hasWasmSimd, isNode, threadSupport } from './detect.js';
import { checkParamsForImages, DEFAULT_PARAMS, resolveParams } from './params.js';
import type { CoreCancelFlag, FromWorker, ToWorker, WireImage, WireJob, WorkerConfig } from './protocol.js';
import type { BackendInfo, ColorTransferOptions, ImageInput, Logger, RgbaImage, TransferOptions, TransferParams, TransferResult } from './types.js';

export * from './types.js';
export { SupercolorError } from './errors.js';
export { DEFAULT_PARAMS, resolveParams, LAYERS } from './params.js';

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

// Until the lead moves them into types.ts: the option, and what each result says of its worker.
declare module './types.js' {
  interface ColorTransferOptions {
    /** When the worker's memory is given back (default DEFAULT_RELEASE_MEMORY); false = never. */
    releaseMemory?: ReleaseMemoryOptions | false;
  }
  interface BackendInfo {
    /** The generation of the worker that ran this transfer (WorkerInfo.generation). */
    workerGeneration?: number;
    /** Its core's wasm memory, in bytes, when it answered. */
    memoryBytes?: number;
  }
}

/** A loaded colour-transfer engine. Create with createColorTransfer(); dispose() when done. */
export interface ColorTransfer {
  transfer(target: ImageInput, reference: ImageInput, params?: TransferParams, options?: TransferOptions): Promise<TransferResult>;
  /** The core build and thread count chosen (features backend is known per result). */
  readonly backend: Omit<BackendInfo, 'features'>;
  /** The worker now: its generation and memory (see releaseMemory). */
  readonly worker: WorkerInfo;
  dispose(): void;
}

interface WorkerHandle {
  post(message: ToWorker, transfer?: Transferable[]): void;
  onMessage(handler: (message: FromWorker) => void): void;
  onError(handler: (error: Error) => void): void;
  terminate(): void;
  /** Node: whether the worker thread keeps the process alive (only while work is pending). */
  keepAlive(alive: boolean): void;
  /** The threaded core's own cancellation flag, once the worker is ready. */
  coreCancel?: CoreCancelFlag;
}

const defaultLogger: Logger = (level, message) => {
  if (level === 'error') console.error(`supercolor: ${message}`);
  else if (level === 'warn') console.warn(`supercolor: ${message}`);
};

async function spawnWorker(): Promise<WorkerHandle> {
  const url = new URL('./worker.js', import.meta.url);
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    // A worker thread inherits the process's flags, and refuses to start with --input-type
    // (as in `node --input-type=module -e "..."`): leave that one out.
    const execArgv: string[] = [];
    for (let i = 0; i < process.execArgv.length; i++) {
      const arg = process.execArgv[i];
      if (arg === '--input-type') i++;
      else if (!arg.startsWith('--input-type=')) execArgv.push(arg);
    }
    const worker = new Worker(url, { execArgv });
    let terminated = false;
    let failed = false;
    return {
      post: (message, transfer) => worker.postMessage(message, (transfer ?? []) as ArrayBuffer[]),
      onMessage: (handler) => worker.on('message', handler),
      onError: (handler) => {
        worker.on('error', (error) => {
          failed = true;
          handler(error);
        });
        // A worker thread that dies without an 'error' event (e.g. the wasm heap could not grow
        // and the thread was killed) must not leave its jobs waiting forever.
        worker.on('exit', (code) => {
          if (!terminated && !failed) handler(new Error(`the worker thread exited unexpectedly (code ${code})`));
        });
      },
      terminate: () => {
        terminated = true;
        void worker.terminate();
      },
      keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
    };
  }
  const worker = new Worker(url, { type: 'module' });
  return {
    post: (message, transfer) => worker.postMessage(message, transfer ?? []),
    onMessage: (handler) => worker.addEventListener('message', (event: MessageEvent) => handler(event.data as FromWorker)),
    onError: (handler) => worker.addEventListener('error', (event: ErrorEvent) => handler(new Error(event.message || 'worker failed to start'))),
    terminate: () => worker.terminate(),
    keepAlive: () => undefined,
  };
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

function checkRgba(image: RgbaImage, what: string): RgbaImage {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SupercolorError('invalid_argument', `${what} image has invalid size ${String(width)}x${String(height)}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length !== 4 * width * height) {
    throw new SupercolorError('invalid_argument', `${what} image data must be ${4 * width * height} RGBA bytes, got ${(data as { length?: number })?.length ?? typeof data}`);
  }
  // A copy, so the caller's buffer is never transferred away from it.
  return { data: new Uint8Array(data), width, height };
}

async function toWire(input: ImageInput, what: string): Promise<WireImage> {
  if (input === null || input === undefined) throw new SupercolorError('invalid_argument', `${what} image is missing`);
  if (typeof input === 'string' || input instanceof URL) {
    if (!isNode) throw new SupercolorError('invalid_argument', `${what}: file paths are only accepted in Node; pass a Blob, ImageData or ImageBitmap`);
    const { readFile } = await import('node:fs/promises');
    try {
      return { kind: 'encoded', bytes: new Uint8Array(await readFile(input)), name: String(input) };
    } catch (error) {
      throw new SupercolorError('decode_failed', `${what}: cannot read ${String(input)}: ${(error as Error).message}`);
    }
  }
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const bytes = asBytes(input);
    if (bytes.length === 0) throw new SupercolorError('decode_failed', `${what} image file is empty`);
    return isNode ? { kind: 'encoded', bytes: new Uint8Array(bytes) } : { kind: 'blob', blob: new Blob([new Uint8Array(bytes)]) };
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    if (input.size === 0) throw new SupercolorError('decode_failed', `${what} image file is empty`);
    if (isNode) return { kind: 'encoded', bytes: new Uint8Array(await input.arrayBuffer()) };
    return { kind: 'blob', blob: input };
  }
  if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) {
    const canvas = new OffscreenCanvas(input.width, input.height);
    const context = canvas.getContext('2d');
    if (!context) throw new SupercolorError('internal', 'no 2D canvas context');
    context.drawImage(input, 0, 0);
    const data = context.getImageData(0, 0, input.width, input.height);
    return { kind: 'rgba', image: { data: new Uint8Array(data.data.buffer), width: data.width, height: data.height } };
  }
  if (typeof input === 'object' && 'data' in input && 'width' in input && 'height' in input) {
    return { kind: 'rgba', image: checkRgba(input as RgbaImage, what) };
  }
  throw new SupercolorError('invalid_argument', `${what}: unsupported image input (${Object.prototype.toString.call(input)})`);
}

function pixelCount(image: WireImage): number | undefined {
  return image.kind === 'rgba' ? image.image.width * image.image.height : undefined;
}

function wireTransferables(image: WireImage): ArrayBuffer[] {
  if (image.kind === 'rgba') return [image.image.data.buffer as ArrayBuffer];
  if (image.kind === 'encoded') return [image.bytes.buffer as ArrayBuffer];
  return [];
}

const KNOWN_OPTIONS = new Set<string>(['featureBackend', 'core', 'threads', 'baseUrl', 'modelBytes', 'ortWasmPaths', 'tileSize', 'logger', 'releaseMemory'] satisfies (keyof ColorTransferOptions)[]);

/** Validates createColorTransfer's options before anything is loaded. */
function checkOptions(options: ColorTransferOptions): void {
  const invalid = (message: string): never => {
    throw new SupercolorError('invalid_argument', message);
  };
  if (options === null || typeof options !== 'object') invalid('createColorTransfer options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) invalid(`unknown option "${key}" (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const oneOf = (name: string, value: unknown, allowed: string[]) => {
    if (value !== undefined && !allowed.includes(value as string)) invalid(`${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  };
  oneOf('core', options.core, ['auto', 'threads', 'simd']);
  oneOf('featureBackend', options.featureBackend, ['auto', 'webgpu', 'wasm', 'node']);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    invalid(`threads must be an integer >= 1, got ${String(options.threads)}`);
  }
  if (options.tileSize !== undefined && (!Number.isInteger(options.tileSize) || options.tileSize < 64 || options.tileSize > 4096)) {
    invalid(`tileSize must be an integer in [64, 4096], got ${String(options.tileSize)}`);
  }
  if (options.modelBytes !== undefined && !(options.modelBytes instanceof Uint8Array)) invalid('modelBytes must be a Uint8Array');
  if (options.logger !== undefined && typeof options.logger !== 'function') invalid('logger must be a function');
  const release = options.releaseMemory;
  if (release !== undefined && release !== false) {
    if (release === null || typeof release !== 'object') invalid('releaseMemory must be an object {aboveBytes, idleMs} or false');
    for (const key of Object.keys(release)) if (key !== 'aboveBytes' && key !== 'idleMs') invalid(`releaseMemory: unknown key "${key}" (known: aboveBytes, idleMs)`);
    for (const key of ['aboveBytes', 'idleMs'] as const) {
      const value = release[key];
      if (value !== undefined && !(typeof value === 'number' && value >= 0 && !Number.isNaN(value))) invalid(`releaseMemory.${key} must be a number >= 0 (Infinity = never), got ${String(value)}`);
    }
  }
}

/**
 * Decides when an engine's worker gives its memory back (ReleaseMemoryOptions): `settled` after
 * every transfer call, `busy` when one starts. `release(restart)` terminates the worker (only
 * called while the engine is idle) and, with `restart`, starts a fresh one at once.
 */
function memoryReleaser(options: ReleaseMemoryOptions | false | undefined, engine: { idle(): boolean; memoryBytes(): number; release(restart: boolean): void }) {
  const { aboveBytes, idleMs } = options === false ? { aboveBytes: Infinity, idleMs: Infinity } : { ...DEFAULT_RELEASE_MEMORY, ...options };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    busy: stopTimer,
    settled() {
      stopTimer();
      if (!engine.idle()) return;
      // Browsers start the fresh worker at once (the next run does not wait for it); a Node
      // process must be free to exit, so there it starts with the next transfer.
      if (engine.memoryBytes() > aboveBytes) engine.release(!isNode);
      if (Number.isFinite(idleMs)) {
        timer = setTimeout(() => {
          timer = undefined;
          if (engine.idle()) engine.release(false);
        }, idleMs);
        // An idle engine never keeps a Node process alive.
        (timer as { unref?(): void }).unref?.();
      }
    },
    dispose: stopTimer,
  };
}

/**
 * Loads the engine: chooses the core build (threads when the environment allows, else the
 * SIMD-only build, logging why), and starts the worker that holds the core and the model.
 */
export async function createColorTransfer(options: ColorTransferOptions = {}): Promise<ColorTransfer> {
  checkOptions(options);
  const log = options.logger ?? defaultLogger;
  if (!hasWasmSimd()) throw new SupercolorError('backend_unavailable', 'WebAssembly SIMD is not supported by this engine (needed by the supercolor core)');
  const threadsAvailable = threadSupport();
  const wanted = options.core ?? 'auto';
  let core: 'threads' | 'simd' = wanted === 'simd' ? 'simd' : 'threads';
  let reason: string | undefined;
  if (core === 'threads' && !threadsAvailable.ok) {
    if (wanted === 'threads') throw new SupercolorError('backend_unavailable', `the threaded core cannot run here: ${threadsAvailable.reason}`);
    core = 'simd';
    reason = threadsAvailable.reason;
    log('warn', `using the non-threaded core: ${reason}`);
  } else if (wanted === 'simd') {
    reason = 'the non-threaded core was requested';
  }
  const wantedThreads = Math.max(1, Math.min(8, Math.floor(options.threads ?? (await hardwareThreads()))));
  const threads = core === 'simd' ? 1 : wantedThreads;
  log('info', `core: ${core}, ${threads} thread(s)`);
  const base = new URL(options.baseUrl !== undefined ? String(options.baseUrl) : '../', import.meta.url);
  const config: WorkerConfig = {
    core,
    threads,
    reason,
    coreModuleUrl: new URL(`wasm/supercolor-${core}.mjs`, base).href,
    modelsUrl: new URL('models/', base).href,
    modelBytes: options.modelBytes,
    featureBackend: options.featureBackend ?? 'auto',
    ortWasmPaths: options.ortWasmPaths,
    tileSize: options.tileSize ?? 512,
    // ONNX Runtime's threads do not depend on the core build (onnxruntime-web falls back to one
    // where the page is not cross-origin isolated).
    featureThreads: wantedThreads,
  };
  // Node cancels cooperatively (a shared flag polled between tiles and stages): terminating a
  // worker thread while onnxruntime-node runs aborts the whole process. Browsers terminate the
  // Worker (Squoosh-style), which also stops a long synchronous stage at once.
  const cooperative = isNode && typeof SharedArrayBuffer !== 'undefined';

  let worker: Promise<WorkerHandle> | undefined;
  /** The live worker: generation (1, 2, …) and its core's memory at its last answer. */
  const workerInfo = { generation: 0, memoryBytes: 0, releases: 0 };
  /** transfer() calls not settled yet (queued or running). */
  let calls = 0;
  let nextId = 1;
  const pending = new Map<number, { resolve(r: TransferResult): void; reject(e: Error): void; onProgress?: TransferOptions['onProgress'] }>();
  let disposed = false;
  let busy: Promise<unknown> = Promise.resolve();
  /** Jobs the current worker has been given and not answered yet (aborted ones included). */
  const running = new Map<number, Int32Array | undefined>();
  /** Called when `running` becomes empty (dispose() waits for it to terminate the worker). */
  let onIdle: (() => void) | undefined;

  const failAll = (error: Error) => {
    for (const job of pending.values()) job.reject(error);
    pending.clear();
  };

  const startWorker = (): Promise<WorkerHandle> => {
    const generation = ++workerInfo.generation;
    workerInfo.memoryBytes = 0;
    const started = spawnWorker().then(
      (handle) =>
        new Promise<WorkerHandle>((resolve, reject) => {
          let ready = false;
          handle.onMessage((message) => {
            if (message.type === 'ready') {
              ready = true;
              handle.coreCancel = message.coreCancel;
              // Node: an idle engine does not keep the process alive (no dispose() needed to exit).
              handle.keepAlive(pending.size > 0);
              resolve(handle);
            } else if (message.type === 'log') {
              log(message.level, message.message);
            } else if (message.type === 'error' && message.id === null) {
              const error = deserializeError(message.error);
              if (!ready) {
                // The core could not load: this worker is of no use (and would keep Node alive).
                handle.terminate();
                reject(error);
              } else {
                failAll(error);
              }
            } else if (message.type === 'progress') {
              try {
                pending.get(message.id)?.onProgress?.({ stage: message.stage, fraction: message.fraction });
              } catch (error) {
                // A throwing callback must not take the message loop (or the Node process) down.
                log('error', `onProgress threw: ${(error as Error)?.message ?? String(error)}`);
              }
            } else if (message.type === 'result' || message.type === 'error') {
              if (message.id === null) return;
              if (message.memoryBytes !== undefined && workerInfo.generation === generation) workerInfo.memoryBytes = message.memoryBytes;
              running.delete(message.id);
              if (running.size === 0) {
                handle.keepAlive(false);
                onIdle?.();
                // (Node) a job aborted earlier may end only now: the engine may be idle.
                releaser.settled();
              }
              const job = pending.get(message.id);
              if (!job) return; // aborted: its late answer is dropped
              pending.delete(message.id);
              if (message.type === 'result') job.resolve({ ...message.result, backend: { ...message.result.backend, workerGeneration: generation, memoryBytes: message.memoryBytes } });
              else job.reject(deserializeError(message.error));
            }
          });
          handle.onError((error) => {
            const wrapped = new SupercolorError('internal', `worker failed: ${error.message}`);
            if (!ready) reject(wrapped);
            failAll(wrapped);
            running.clear();
            onIdle?.();
            worker = undefined;
          });
          handle.post({ type: 'init', config });
        }),
    );
    started.catch(() => {
      worker = undefined;
    });
    return started;
  };
  const releaser = memoryReleaser(options.releaseMemory, {
    idle: () => calls === 0 && running.size === 0 && !disposed,
    memoryBytes: () => workerInfo.memoryBytes,
    release: (restart) => {
      const current = worker;
      worker = undefined;
      if (current) {
        workerInfo.releases += 1;
        void current.then((w) => w.terminate(), () => undefined);
      }
      workerInfo.memoryBytes = 0;
      log('debug', `worker ${workerInfo.generation} released${restart ? '; a fresh one is starting' : ''}`);
      if (restart) {
        worker = startWorker();
        worker.catch(() => undefined);
      }
    },
  });

  // Start loading right away so the first transfer does not pay for it; errors surface there.
  worker = startWorker();
  worker.catch(() => undefined);


  const transfer = async (target: ImageInput, reference: ImageInput, params: TransferParams = {}, opts: TransferOptions = {}): Promise<TransferResult> => {
    if (disposed) throw new SupercolorError('bad_state', 'this ColorTransfer was disposed');
    const signal = opts.signal;
    if (signal?.aborted) throw abortError(signal.reason);
    const resolved = resolveParams(params);
    const [targetWire, referenceWire] = await Promise.all([toWire(target, 'target'), toWire(reference, 'reference')]);
    checkParamsForImages(resolved, [pixelCount(targetWire), pixelCount(referenceWire)].filter((n): n is number => n !== undefined));

    // One transfer at a time per engine: the worker holds one core.
    calls += 1;
    releaser.busy();
    const run = busy.then(async () => {
      if (signal?.aborted) throw abortError(signal.reason);
      worker ??= startWorker();
      const handle = await worker;
      if (signal?.aborted) throw abortError(signal.reason);
      const id = nextId++;
      const job: WireJob = { target: targetWire, reference: referenceWire, params: resolved, intermediates: opts.intermediates === true };
      const cancel = cooperative ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
      return new Promise<TransferResult>((resolve, reject) => {
        const onAbort = () => {
          if (!pending.has(id)) return;
          pending.delete(id);
          if (cancel) {
            // The worker stops at its next check and stays loaded for the next transfer, which
            // it runs once this one has unwound.
            Atomics.store(cancel, 0, 1);
            // The threaded core also stops inside the stage it is running.
            if (handle.coreCancel) Atomics.store(new Int8Array(handle.coreCancel.memory), handle.coreCancel.address, 1);
          } else {
            // The worker is terminated mid-computation; a fresh one is started for the next
            // transfer.
            handle.terminate();
            running.clear();
            worker = undefined;
          }
          reject(abortError(signal?.reason));
        };
        pending.set(id, {
          resolve: (r) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(r);
          },
          reject: (e) => {
            signal?.removeEventListener('abort', onAbort);
            reject(e);
          },
          onProgress: opts.onProgress,
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        running.set(id, cancel);
        handle.keepAlive(true);
        handle.post({ type: 'transfer', id, job, cancel }, [...wireTransferables(targetWire), ...wireTransferables(referenceWire)]);
      });
    });
    busy = run.catch(() => undefined);
    const settled = () => {
      calls -= 1;
      releaser.settled();
    };
    run.then(settled, settled);
    return run;
  };

  return {
    transfer,
    backend: { core, threads, reason },
    get worker(): WorkerInfo {
      const alive = worker !== undefined;
      return { ...workerInfo, memoryBytes: alive ? workerInfo.memoryBytes : 0, alive };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      releaser.dispose();
      failAll(new SupercolorError('bad_state', 'the ColorTransfer was disposed'));
      const current = worker;
      worker = undefined;
      void current?.then(
        (w) => {
          if (cooperative && running.size > 0) {
            // Let the job in flight stop at its next check, then terminate (see `cooperative`).
            for (const flag of running.values()) if (flag) Atomics.store(flag, 0, 1);
            onIdle = () => {
              onIdle = undefined;
              w.terminate();
            };
          } else {
            w.terminate();
          }
        },
        () => undefined,
      );
    },
  };
}

