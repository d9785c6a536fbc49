// The worker's work, the same in browsers (worker.ts) and Node (node-worker.ts): loads the core
// and the feature model once, then runs transfers one at a time. What differs (the message port,
// how the core and the files are loaded) comes from the entry.
import { runTransfer, type EngineContext, type StageCache } from './engine.js';
import { abortError, SupercolorError, serializeError } from './errors.js';
import type { CoreModule } from './core.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { resultTransferables } from './protocol.js';
import type { LayerName, LogLevel, RgbaImage } from './types.js';
import { createFeatureSession, selectModel, type ModelManifest } from './features/index.mjs';

/** Bytes of the core's wasm memory now (its size only grows; 0 when unknown). */
function coreMemoryBytes(core: CoreModule): number {
  // Emscripten re-creates HEAP8 when the memory grows, but a pthread build refreshes the view of
  // this thread lazily: the memory object itself, where the build exposes it, is authoritative.
  const memory = (core as { wasmMemory?: WebAssembly.Memory }).wasmMemory;
  return memory?.buffer.byteLength ?? core.HEAP8?.buffer.byteLength ?? 0;
}

export interface Port {
  post(message: FromWorker, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: ToWorker) => void): void;
}

export interface WorkerPlatform {
  loadCore(config: WorkerConfig, log: (level: LogLevel, message: string) => void): Promise<CoreModule>;
  /** The bytes at a URL; rejects with a SupercolorError naming the URL. */
  readBytes(url: string): Promise<Uint8Array>;
  decodeBlob?(blob: Blob, what: string): Promise<RgbaImage>;
  /** Threads ONNX Runtime may use (default config.featureThreads). */
  featureThreads?(config: WorkerConfig): number;
}

class WorkerState {
  /** The last pair's pipeline, for re-runs with other parameters (engine.ts StageCache). */
  readonly cache: StageCache = {};
  private sessions = new Map<string, Promise<Awaited<ReturnType<typeof createFeatureSession>>>>();
  private manifest: Promise<ModelManifest> | undefined;

  constructor(
    readonly config: WorkerConfig,
    readonly core: CoreModule,
    private readonly platform: WorkerPlatform,
    private readonly log: (level: LogLevel, message: string) => void,
  ) {}

  private loadManifest(): Promise<ModelManifest> {
    this.manifest ??= this.platform.readBytes(this.config.assets.manifest).then((bytes) => JSON.parse(new TextDecoder().decode(bytes)) as ModelManifest);
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
          // Only the model of the layers asked for is fetched.
          const url = this.config.assets.models[entry.file];
          if (this.config.modelBytes === undefined && url === undefined) throw new SupercolorError('backend_unavailable', `no URL for the model ${entry.file}`);
          const bytes = this.config.modelBytes ?? (await this.platform.readBytes(url));
          return createFeatureSession(bytes, entry, {
            backend,
            numThreads: this.platform.featureThreads?.(this.config) ?? this.config.featureThreads,
            wasmPaths: this.config.ortWasmPaths,
            log: (message: string) => this.log('warn', message.replace(/^supercolor: /, '')),
          });
        })();
        session.catch(() => this.sessions.delete(entry.file));
        this.sessions.set(entry.file, session);
      }
      return session;
    })();
  }
}

export function runWorker(port: Port, platform: WorkerPlatform): void {
  const log = (level: LogLevel, message: string) => port.post({ type: 'log', level, message });
  let state: Promise<WorkerState> | undefined;
  let queue: Promise<void> = Promise.resolve();
  port.listen((message) => {
    if (message === null || typeof message !== 'object') return;
    if (message.type === 'init') {
      state = platform.loadCore(message.config, log).then((core) => new WorkerState(message.config, core, platform, log));
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
    if (message.type !== 'transfer') return;
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
          cache: s.cache,
          tileSize: s.config.tileSize,
          decodeBlob: platform.decodeBlob,
          log,
          // Node: the main thread raises the shared flag (terminating a worker thread while
          // onnxruntime-node runs aborts the whole process). Browsers: it terminates this worker.
          checkAborted: () => {
            if (cancel !== undefined && Atomics.load(cancel, 0) !== 0) throw abortError();
          },
        };
        const result = await runTransfer(
          context,
          job,
          (stage, fraction) => port.post({ type: 'progress', id, stage, fraction }),
          job.preview ? (preview) => port.post({ type: 'preview', id, preview }, [preview.data.buffer as ArrayBuffer]) : undefined,
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
