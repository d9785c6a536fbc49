// The worker: loads the core and the feature model once, then runs transfers one at a time.
// The same file runs as a browser module Worker and as a Node worker thread.
import { runTransfer, type EngineContext } from './engine.js';
import { abortError, SupercolorError, serializeError } from './errors.js';
import { loadCore } from './loader.js';
import { isNode } from './detect.js';
import { readBytes } from './fetch.js';
import type { CoreModule } from './core.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { resultTransferables } from './protocol.js';
import type { LayerName, RgbaImage } from './types.js';
import { createFeatureSession, selectModel, type ModelManifest } from './features/index.mjs';

interface Port {
  post(message: FromWorker, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: ToWorker) => void): void;
}

async function connect(): Promise<Port> {
  if (isNode) {
    const { parentPort } = await import('node:worker_threads');
    if (!parentPort) throw new Error('supercolor worker: not running in a worker thread');
    return {
      post: (message, transfer) => parentPort.postMessage(message, transfer ?? []),
      listen: (handler) => parentPort.on('message', handler),
    };
  }
  const scope = globalThis as unknown as {
    postMessage(message: unknown, transfer: Transferable[]): void;
    addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  };
  return {
    post: (message, transfer) => scope.postMessage(message, transfer ?? []),
    listen: (handler) => scope.addEventListener('message', (event) => handler(event.data as ToWorker)),
  };
}

async function blobToRgba(blob: Blob, what: string): Promise<RgbaImage> {
  // Browsers decode with their own decoders (EXIF orientation applied by createImageBitmap).
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch (error) {
    throw new SupercolorError('decode_failed', `${what} image: could not decode it: ${(error as Error).message}`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new SupercolorError('internal', 'no 2D context for decoding');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const data = context.getImageData(0, 0, canvas.width, canvas.height);
  return { data: data.data, width: data.width, height: data.height };
}

/** Bytes of the core's wasm memory now (its size only grows; 0 when unknown). */
function coreMemoryBytes(core: CoreModule): number {
  // Emscripten re-creates HEAP8 when the memory grows, but a pthread build refreshes the view of
  // this thread lazily: the memory object itself, where the build exposes it, is authoritative.
  const memory = (core as { wasmMemory?: WebAssembly.Memory }).wasmMemory;
  return memory?.buffer.byteLength ?? core.HEAP8?.buffer.byteLength ?? 0;
}

class WorkerState {
  private sessions = new Map<string, Promise<Awaited<ReturnType<typeof createFeatureSession>>>>();
  private manifest: Promise<ModelManifest> | undefined;

  constructor(
    readonly config: WorkerConfig,
    readonly core: CoreModule,
  ) {}

  private loadManifest(): Promise<ModelManifest> {
    this.manifest ??= readBytes(new URL('manifest.json', this.config.modelsUrl).href).then((bytes) => JSON.parse(new TextDecoder().decode(bytes)) as ModelManifest);
    return this.manifest;
  }

  featureSession(layers: LayerName[]) {
    return (async () => {
      const manifest = await this.loadManifest();
      const entry = selectModel(manifest, layers);
      let session = this.sessions.get(entry.file);
      if (!session) {
        const backend = this.config.featureBackend === 'auto' ? undefined : this.config.featureBackend;
        session = (async () => {
          const bytes = this.config.modelBytes ?? (await readBytes(new URL(entry.file, this.config.modelsUrl).href));
          return createFeatureSession(bytes, entry, { backend, numThreads: this.config.featureThreads, wasmPaths: this.config.ortWasmPaths });
        })();
        session.catch(() => this.sessions.delete(entry.file));
        this.sessions.set(entry.file, session);
      }
      return session;
    })();
  }
}

async function main(): Promise<void> {
  const port = await connect();
  let state: Promise<WorkerState> | undefined;
  let queue: Promise<void> = Promise.resolve();
  port.listen((message) => {
    if (message.type === 'init') {
      state = loadCore(message.config.coreModuleUrl, message.config.core, message.config.threads).then((core) => new WorkerState(message.config, core));
      state.then(
        (s) => {
          // The threaded core's memory is shared: hand its cancellation flag to the main thread,
          // which can then stop a stage in the middle (Node; browsers terminate the worker).
          const memory = s.core.HEAP8.buffer;
          const coreCancel = typeof SharedArrayBuffer !== 'undefined' && memory instanceof SharedArrayBuffer ? { memory, address: s.core.cancelFlagAddress() } : undefined;
          port.post({ type: 'ready', backend: { core: s.config.core, threads: s.config.threads, reason: s.config.reason }, coreCancel });
        },
        (error: unknown) => port.post({ type: 'error', id: null, error: serializeError(error) }),
      );
      return;
    }
    const { id, job, cancel } = message;
    queue = queue.then(async () => {
      let core: CoreModule | undefined;
      try {
        if (!state) throw new SupercolorError('bad_state', 'worker used before init');
        const s = await state;
        core = s.core;
        s.core.resetCancel();
        const context: EngineContext = {
          core: s.core,
          backend: { core: s.config.core, threads: s.config.threads, reason: s.config.reason },
          featureSession: (layers) => s.featureSession(layers),
          tileSize: s.config.tileSize,
          decodeBlob: blobToRgba,
          // Node: the main thread raises the shared flag (terminating a worker thread while
          // onnxruntime-node runs aborts the whole process). Browsers: it terminates this worker.
          checkAborted: () => {
            if (cancel !== undefined && Atomics.load(cancel, 0) !== 0) throw abortError();
          },
        };
        const result = await runTransfer(context, job, (stage, fraction) =>
          port.post({ type: 'progress', id, stage, fraction }),
        );
        // The core's memory only grows: its size goes with every answer (index.ts recycles a
        // worker that grew too much).
        port.post({ type: 'result', id, result, memoryBytes: coreMemoryBytes(core) }, resultTransferables(result));
      } catch (error) {
        port.post({ type: 'error', id, error: serializeError(error), memoryBytes: core ? coreMemoryBytes(core) : undefined });
      }
    });
  });
}

void main();
