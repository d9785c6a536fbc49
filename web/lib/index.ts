// supercolor: recolour a target photo with the colours of a reference photo, on this machine.
//
//   const ct = await createColorTransfer();
//   const result = await ct.transfer(target, reference, { tau: 0.02 }, { onProgress, signal });
//
// The heavy work runs in a Worker (browsers) or a worker thread (Node); aborting terminates it.
//
// This is the package's browser entry ("browser" and "default" of package.json exports): nothing
// of Node is imported here. The Node entry (node.ts) installs Node's host (node-host.ts); in Node,
// a direct import of this module loads it through a specifier no bundler follows.
import { abortError, deserializeError, SupercolorError } from './errors.js';
import { browserThreads, hasWasmSimd, isNode, threadSupport } from './detect.js';
import { DEFAULT_ORT_WASM_PATHS, packageAssets } from './assets.js';
import { installedHost, type Host, type WorkerHandle } from './host.js';
import { checkParamsForImages, DEFAULT_PARAMS, resolveParams } from './params.js';
import type { FromWorker, WireImage, WireJob, WorkerConfig } from './protocol.js';
import { DEFAULT_RELEASE_MEMORY } from './types.js';
import { checkRgbaPixels } from './validate-image.js';
import type { ApplyLutOptions, BackendInfo, ColorTransferOptions, ImageInput, Logger, RgbaImage, TransferOptions, TransferParams, TransferResult, ReleaseMemoryOptions, WorkerInfo } from './types.js';

export * from './types.js';
export { SupercolorError } from './errors.js';
export { DEFAULT_PARAMS, analysisSize, defaultParams, resolveParams, requestedSuperpixels, LAYERS, PARAM_SCHEMA } from './params.js';

/** A loaded colour-transfer engine. Create with createColorTransfer(); dispose() when done. */
export interface ColorTransfer {
  transfer(target: ImageInput, reference: ImageInput, params?: TransferParams, options?: TransferOptions): Promise<TransferResult>;
  /**
   * Applies a 3D or 1D LUT (the text of a .cube file, Adobe Cube LUT Specification 1.0; e.g.
   * result.lut.cube) to an image: alpha kept, clamped and rounded to 8 bits. Rejects with
   * 'invalid_lut' naming the line of a malformed file. The result's timings and analysis are
   * those of the image (no transfer runs).
   */
  applyLut(cube: string, image: ImageInput, options?: ApplyLutOptions): Promise<TransferResult>;
  /** The core build and thread count chosen (features backend is known per result). */
  readonly backend: Omit<BackendInfo, 'features'>;
  /** The worker now: its generation and memory (see releaseMemory). */
  readonly worker: WorkerInfo;
  /** Stops the engine: pending calls reject with 'bad_state'; resolves when its worker is gone. */
  dispose(): Promise<void>;
}

const defaultLogger: Logger = (level, message) => {
  if (level === 'error') console.error(`supercolor: ${message}`);
  else if (level === 'warn') console.warn(`supercolor: ${message}`);
};

/** Browsers: the package's module Worker. */
function spawnBrowserWorker(): WorkerHandle {
  // Written inline, as bundlers (Vite, webpack 5) recognise it: they bundle worker.js as a worker.
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  let failed = false;
  const failures: ((error: Error) => void)[] = [];
  const fail = (message: string) => {
    if (failed) return;
    failed = true;
    for (const handler of failures) handler(new Error(message));
  };
  // A worker script that cannot be fetched or parsed gives an 'error' Event (an ErrorEvent only
  // for an exception thrown in it); a message that cannot be deserialised gives 'messageerror'.
  // Either way the waiting promises are rejected, never left pending.
  worker.addEventListener('error', (event: Event) => {
    const error = event as ErrorEvent;
    const where = error.filename ? ` at ${error.filename}:${error.lineno}` : '';
    fail(
      error.message
        ? `${error.message}${where}`
        : `the supercolor worker (worker.js beside ${import.meta.url}) could not be loaded: check that it is served, as a JavaScript module`,
    );
  });
  worker.addEventListener('messageerror', () => fail('a message from the supercolor worker could not be deserialised'));
  return {
    post: (message, transfer) => worker.postMessage(message, transfer ?? []),
    onMessage: (handler) => worker.addEventListener('message', (event: MessageEvent) => handler(event.data as FromWorker)),
    onError: (handler) => void failures.push(handler),
    terminate: () => worker.terminate(),
    keepAlive: () => undefined,
  };
}

const browserHost: Host = {
  spawnWorker: spawnBrowserWorker,
  hardwareThreads: browserThreads,
  relativeBase: () => (globalThis as { location?: { href: string } }).location?.href ?? import.meta.url,
};

// Node's host, when this module is imported in Node without the Node entry: a computed specifier,
// which no bundler resolves (and so never pulls Node modules into a browser bundle).
const NODE_HOST_MODULE = './node-host.js';
let nodeHost: Promise<Host> | undefined;

function currentHost(): Promise<Host> {
  const host = installedHost();
  if (host) return Promise.resolve(host);
  if (!isNode) return Promise.resolve(browserHost);
  nodeHost ??= (import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_HOST_MODULE) as Promise<{ nodeHost: Host }>).then((m) => m.nodeHost);
  return nodeHost;
}

/** The result's pixels in a buffer of their own (never a view of shared memory), as ImageData wants. */
function ownPixels(result: TransferResult): TransferResult {
  const data = result.data as Uint8ClampedArray<ArrayBufferLike>;
  if (!(data.buffer instanceof ArrayBuffer)) result.data = new Uint8ClampedArray(data);
  return result;
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

function checkRgba(image: RgbaImage, what: string): RgbaImage {
  const data = checkRgbaPixels(image, `${what} image`);
  // A copy, so the caller's buffer is never transferred away from it.
  return { data: new Uint8Array(data), width: image.width, height: image.height };
}

async function toWire(input: ImageInput, what: string, host: Host): Promise<WireImage> {
  if (input === null || input === undefined) throw new SupercolorError('invalid_argument', `${what} image is missing`);
  if (typeof input === 'string' || input instanceof URL) {
    if (!host.readImageFile) throw new SupercolorError('invalid_argument', `${what}: file paths are only accepted in Node; pass a Blob, ImageData or ImageBitmap`);
    try {
      return { kind: 'encoded', bytes: await host.readImageFile(input), name: String(input) };
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
  // The core works in sRGB: pixels in another colour space (an ImageBitmap or a 'display-p3'
  // ImageData) are drawn onto an sRGB canvas, which converts them.
  const displayP3 = typeof ImageData !== 'undefined' && input instanceof ImageData && input.colorSpace !== undefined && input.colorSpace !== 'srgb';
  if ((typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) || displayP3) {
    const source = input as ImageBitmap | ImageData;
    const canvas = new OffscreenCanvas(source.width, source.height);
    const context = canvas.getContext('2d', { colorSpace: 'srgb' });
    if (!context) throw new SupercolorError('internal', 'no 2D canvas context');
    if (source instanceof ImageBitmap) {
      context.drawImage(source, 0, 0);
    } else {
      const bitmap = await createImageBitmap(source, { colorSpaceConversion: 'default' });
      context.drawImage(bitmap, 0, 0);
      bitmap.close();
    }
    const data = context.getImageData(0, 0, source.width, source.height, { colorSpace: 'srgb' });
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
  const host = await currentHost();
  const wantedThreads = Math.max(1, Math.min(8, Math.floor(options.threads ?? host.hardwareThreads())));
  const threads = core === 'simd' ? 1 : wantedThreads;
  log('info', `core: ${core}, ${threads} thread(s)`);
  // baseUrl: the folder holding wasm/ and models/ (a relative one is taken relative to the page,
  // in Node to the working directory); by default the files the bundler emitted (assets.ts).
  let base: URL | undefined;
  if (options.baseUrl !== undefined) {
    base = new URL(String(options.baseUrl), host.relativeBase());
    if (!base.pathname.endsWith('/')) base.pathname += '/';
  }
  const config: WorkerConfig = {
    core,
    threads,
    reason,
    assets: packageAssets(base),
    modelBytes: options.modelBytes,
    featureBackend: options.featureBackend ?? 'auto',
    ortWasmPaths: options.ortWasmPaths ?? DEFAULT_ORT_WASM_PATHS,
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
  const pending = new Map<number, { resolve(r: TransferResult): void; reject(e: Error): void; onProgress?: TransferOptions['onProgress']; onPreview?: TransferOptions['onPreview'] }>();
  let disposed = false;
  /** Resolves once the worker is gone, after dispose(). */
  let gone: Promise<void> = Promise.resolve();
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
    const started = Promise.resolve().then(() => host.spawnWorker()).then(
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
            } else if (message.type === 'preview') {
              try {
                pending.get(message.id)?.onPreview?.(message.preview);
              } catch (error) {
                log('error', `onPreview threw: ${(error as Error)?.message ?? String(error)}`);
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
              if (message.type === 'result') {
                const result = ownPixels(message.result);
                job.resolve({ ...result, backend: { ...result.backend, workerGeneration: generation, memoryBytes: message.memoryBytes } });
              }
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
    if (opts.signal?.aborted) throw abortError(opts.signal.reason);
    const resolved = resolveParams(params);
    const lutSize = opts.lut === undefined || opts.lut === false ? undefined : opts.lut === true ? 33 : (opts.lut.size ?? 33);
    if (lutSize !== undefined && ![17, 33, 65].includes(lutSize)) throw new SupercolorError('invalid_argument', `lut.size must be 17, 33 or 65, got ${String(lutSize)}`);
    const [targetWire, referenceWire] = await Promise.all([toWire(target, 'target', host), toWire(reference, 'reference', host)]);
    checkParamsForImages(resolved, [pixelCount(targetWire), pixelCount(referenceWire)].filter((n): n is number => n !== undefined));
    return submit({ target: targetWire, reference: referenceWire, params: resolved, intermediates: opts.intermediates === true, preview: typeof opts.onPreview === 'function', lutSize }, opts);
  };

  const applyLut = async (cube: string, image: ImageInput, opts: ApplyLutOptions = {}): Promise<TransferResult> => {
    if (disposed) throw new SupercolorError('bad_state', 'this ColorTransfer was disposed');
    if (typeof cube !== 'string') throw new SupercolorError('invalid_argument', 'cube must be the text of a .cube file (a string)');
    const interpolation = opts.interpolation ?? 'tetrahedral';
    if (interpolation !== 'tetrahedral' && interpolation !== 'trilinear') throw new SupercolorError('invalid_argument', `interpolation must be 'tetrahedral' or 'trilinear', got ${String(interpolation)}`);
    if (opts.signal?.aborted) throw abortError(opts.signal.reason);
    const targetWire = await toWire(image, 'image', host);
    return submit({ target: targetWire, params: DEFAULT_PARAMS, intermediates: false, preview: false, applyLut: { cube, interpolation } }, opts);
  };

  /** Queues a job for the worker (one at a time: the worker holds one core). */
  const submit = (job: WireJob, opts: { signal?: AbortSignal; onProgress?: TransferOptions['onProgress']; onPreview?: TransferOptions['onPreview'] }): Promise<TransferResult> => {
    const signal = opts.signal;
    const targetWire = job.target;
    const referenceWire = job.reference;
    // One transfer at a time per engine: the worker holds one core.
    calls += 1;
    releaser.busy();
    const run = busy.then(async () => {
      if (disposed) throw new SupercolorError('bad_state', 'the ColorTransfer was disposed');
      if (signal?.aborted) throw abortError(signal.reason);
      worker ??= startWorker();
      const handle = await worker;
      if (signal?.aborted) throw abortError(signal.reason);
      const id = nextId++;
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
          onPreview: opts.onPreview,
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        running.set(id, cancel);
        handle.keepAlive(true);
        handle.post({ type: 'transfer', id, job, cancel }, [...wireTransferables(targetWire), ...(referenceWire ? wireTransferables(referenceWire) : [])]);
      });
    });
    busy = run.catch(() => undefined);
    // A call still waiting behind another rejects as soon as it is aborted (its turn then
    // passes at once); a running one is stopped by the abort handler above.
    let onQueuedAbort: (() => void) | undefined;
    const abortedWhileQueued = signal
      ? new Promise<never>((_, reject) => {
          onQueuedAbort = () => reject(abortError(signal.reason));
          signal.addEventListener('abort', onQueuedAbort, { once: true });
        })
      : undefined;
    const settled = () => {
      calls -= 1;
      releaser.settled();
      if (onQueuedAbort) signal?.removeEventListener('abort', onQueuedAbort);
    };
    run.then(settled, settled);
    return abortedWhileQueued ? Promise.race([run, abortedWhileQueued]) : run;
  };

  return {
    transfer,
    applyLut,
    backend: { core, threads, reason },
    get worker(): WorkerInfo {
      const alive = worker !== undefined;
      return { ...workerInfo, memoryBytes: alive ? workerInfo.memoryBytes : 0, alive };
    },
    dispose() {
      if (disposed) return gone;
      disposed = true;
      releaser.dispose();
      failAll(new SupercolorError('bad_state', 'the ColorTransfer was disposed'));
      const current = worker;
      worker = undefined;
      gone = new Promise<void>((resolve) => {
        if (!current) return resolve();
        current.then(
          (w) => {
            if (cooperative && running.size > 0) {
              // Let the job in flight stop at its next check, then terminate (see `cooperative`).
              for (const flag of running.values()) if (flag) Atomics.store(flag, 0, 1);
              onIdle = () => {
                onIdle = undefined;
                w.terminate();
                resolve();
              };
            } else {
              w.terminate();
              resolve();
            }
          },
          () => resolve(),
        );
      });
      return gone;
    },
  };
}

