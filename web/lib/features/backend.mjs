// ONNX Runtime backend choice: the one place that decides which runtime runs the VGG model.
//
//   'node'    onnxruntime-node (native CPU), only in Node
//   'webgpu'  onnxruntime-web on its WebGPU execution provider, only in browsers (window or worker)
//             whose navigator.gpu.requestAdapter() gives an adapter
//   'wasm'    onnxruntime-web on its WebAssembly execution provider (browsers and Node)
//
// Default order: node → wasm in Node, webgpu → wasm in browsers. A backend that is not available
// is skipped, one whose session creation fails falls through to the next (the reason is logged);
// either way the reason is reported in `skipped`, and the backend actually used in `backend`.
//
// Which onnxruntime-web entry: in 1.30 the package's default entry ('onnxruntime-web', i.e.
// dist/ort.bundle.min.mjs / ort.min.mjs) is the JSEP build: it registers the 'webgpu', 'webnn',
// 'wasm' and 'cpu' backends and loads ort-wasm-simd-threaded.jsep.{mjs,wasm} (28 MB of wasm).
// 'onnxruntime-web/wasm' (ort.wasm.bundle.min.mjs) has no WebGPU and loads
// ort-wasm-simd-threaded.{mjs,wasm} (14 MB). A page downloads the JSEP build only when a WebGPU
// adapter exists ('webgpu' is tried); the 'wasm' backend loads 'onnxruntime-web/wasm' in browsers.
// (A WebGPU session that fails and falls back to 'wasm' then loads the second runtime too.) In Node
// the default entry resolves to ort.node.min.mjs (wasm and cpu only), used by 'wasm' there.
//
// WebGPU buffer limits: a storage buffer cannot exceed the device's maxStorageBufferBindingSize
// (nor maxBufferSize). The largest tensor the feature models hold is a full-resolution 64-channel
// float32 map (relu1_1, relu1_2): 64·tileH·tileW·4 bytes, so on WebGPU the tile side is capped by
// maxTileSizeForLimits(adapter.limits); extractFeatures applies the cap (sessionTileLimit).

const isNode =
  typeof process !== 'undefined' && process.versions != null && process.versions.node != null && typeof window === 'undefined';

/** Bytes per input pixel of the largest intermediate tensor of every feature model: 64 float32
 *  channels at full resolution (relu1_1 / relu1_2); deeper layers hold less (128 channels on 1/4
 *  of the pixels, 256 on 1/16). */
export const WEBGPU_BYTES_PER_PIXEL = 64 * 4;

/**
 * Largest tile side (in input pixels, halo included) whose intermediates fit in one WebGPU buffer:
 * the largest t with WEBGPU_BYTES_PER_PIXEL·t·t ≤ min(maxStorageBufferBindingSize, maxBufferSize).
 * @param {{maxStorageBufferBindingSize?: number, maxBufferSize?: number}} limits  GPUSupportedLimits
 * @returns {number}
 */
export function maxTileSizeForLimits(limits) {
  const candidates = [limits?.maxStorageBufferBindingSize, limits?.maxBufferSize].filter((v) => v !== undefined);
  if (candidates.length === 0 || candidates.some((v) => typeof v !== 'number' || !(v > 0))) {
    throw new Error('WebGPU limits must give a positive maxStorageBufferBindingSize and/or maxBufferSize');
  }
  const bytes = Math.min(...candidates);
  let t = Math.floor(Math.sqrt(bytes / WEBGPU_BYTES_PER_PIXEL));
  // Guard against sqrt rounding either way.
  while (WEBGPU_BYTES_PER_PIXEL * t * t > bytes) t--;
  while (WEBGPU_BYTES_PER_PIXEL * (t + 1) * (t + 1) <= bytes) t++;
  return t;
}

/** Per-session largest tile side (set for WebGPU sessions), looked up by extractFeatures. */
const tileLimits = new WeakMap();

/**
 * The largest tile side the backend of this ONNX Runtime session allows, or undefined (no limit).
 * @param {object} session  an InferenceSession from createSessionOnBestBackend
 * @returns {number | undefined}
 */
export function sessionTileLimit(session) {
  return session != null && typeof session === 'object' ? tileLimits.get(session) : undefined;
}

/** Backends in the order they are tried when none is asked for. */
export function defaultBackendOrder() {
  return isNode ? ['node', 'wasm'] : ['webgpu', 'wasm'];
}

const modules = new Map();

// Hidden from bundlers: onnxruntime-node must never end up in a browser bundle.
const NODE_PACKAGE = 'onnxruntime-node';

/** navigator.gpu.requestAdapter(), asked once: {adapter} or {reason} why there is none. */
let adapterProbe;
function probeWebGpuAdapter() {
  adapterProbe ??= (async () => {
    if (isNode) return { reason: 'not offered in Node' };
    const gpu = typeof navigator !== 'undefined' ? /** @type {any} */ (navigator).gpu : undefined;
    if (!gpu || typeof gpu.requestAdapter !== 'function') return { reason: 'navigator.gpu is not available (no WebGPU in this browser or context)' };
    try {
      const adapter = await gpu.requestAdapter();
      if (!adapter) return { reason: 'navigator.gpu.requestAdapter() gave no adapter' };
      return { adapter };
    } catch (e) {
      return { reason: `navigator.gpu.requestAdapter() failed: ${e?.message ?? e}` };
    }
  })();
  return adapterProbe;
}

/** Whether a GPUAdapter is a software fallback (adapter.info.isFallbackAdapter; older: adapter.isFallbackAdapter). */
export function isFallbackAdapter(adapter) {
  return adapter?.info?.isFallbackAdapter === true || adapter?.isFallbackAdapter === true;
}

const BACKENDS = {
  node: {
    available: async () => (isNode ? true : 'onnxruntime-node runs only in Node'),
    // A computed specifier that bundlers leave alone: Node resolves it at run time.
    load: () => import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_PACKAGE),
    executionProviders: ['cpu'],
    configure(ort, opts) {
      const so = {};
      if (opts.numThreads) so.intraOpNumThreads = opts.numThreads;
      return so;
    },
  },
  webgpu: {
    // explicit: the caller asked for WebGPU by name (featureBackend: 'webgpu').
    async available(explicit) {
      const probe = await probeWebGpuAdapter();
      if (!probe.adapter) return probe.reason;
      // A software adapter (SwiftShader, WARP, lavapipe...) runs the convolutions on the CPU far
      // slower than the wasm backend (50-80x measured with Chromium's SwiftShader): never chosen
      // automatically, only when asked for by name.
      if (!explicit && isFallbackAdapter(probe.adapter)) {
        return "the only WebGPU adapter is a software fallback (isFallbackAdapter), ~50-80x slower than the wasm backend; featureBackend: 'webgpu' uses it anyway";
      }
      return true;
    },
    load: () => import('onnxruntime-web'),
    executionProviders: ['webgpu'],
    async configure(ort, opts) {
      configureWasmRuntime(ort, opts);
      const { adapter } = await probeWebGpuAdapter();
      // Let ORT create its device on the adapter whose limits cap the tiles (unless the caller
      // gave ORT an adapter or device of their own).
      const env = ort.env.webgpu;
      if (env && !env.adapter && !hasOwnDevice(env)) env.adapter = adapter;
      return {};
    },
    async tileLimit(ort) {
      const env = ort.env.webgpu;
      const limits = (hasOwnDevice(env) ? env.device.limits : undefined) ?? env?.adapter?.limits ?? (await probeWebGpuAdapter()).adapter?.limits;
      return limits ? maxTileSizeForLimits(limits) : undefined;
    },
  },
  wasm: {
    available: async () => (typeof WebAssembly !== 'undefined' ? true : 'WebAssembly is not available'),
    load: () => (isNode ? import('onnxruntime-web') : import('onnxruntime-web/wasm')),
    executionProviders: ['wasm'],
    configure(ort, opts) {
      configureWasmRuntime(ort, opts);
      return {};
    },
  },
};

function hasOwnDevice(env) {
  // Before ORT's WebGPU init, env.webgpu.device is undefined (reading it does not throw in 1.30).
  try {
    return env?.device != null && typeof env.device === 'object';
  } catch {
    return false;
  }
}

// Global to the onnxruntime-web instance (shared by 'webgpu' and 'wasm'); only effective before its
// first session.
function configureWasmRuntime(ort, opts) {
  if (opts.numThreads) ort.env.wasm.numThreads = opts.numThreads;
  if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
}

export const BACKEND_NAMES = Object.freeze(Object.keys(BACKENDS));

async function loadModule(name) {
  if (!modules.has(name)) {
    const p = BACKENDS[name].load().then((m) => (m.InferenceSession ? m : m.default));
    modules.set(name, p);
    p.catch(() => modules.delete(name));
  }
  return modules.get(name);
}

/**
 * Creates an InferenceSession for `modelBytes` on the first backend of `order` that is available
 * and accepts the model. Returns the backend actually used, and why the ones before it were not.
 * @param {Uint8Array} modelBytes
 * @param {{backend?: string | string[], numThreads?: number, wasmPaths?: string | object,
 *          log?: (message: string) => void}} [opts]  log: receives the reason of each fallback
 *          after a failed session creation (default console.warn)
 * @returns {Promise<{backend: string, ort: any, session: any, skipped: string[], maxTileSize?: number}>}
 *   skipped: why earlier backends of the order were not used; maxTileSize: the backend's largest
 *   tile side (WebGPU buffer limits), also applied by extractFeatures
 */
export async function createSessionOnBestBackend(modelBytes, opts = {}) {
  const order = opts.backend === undefined ? defaultBackendOrder() : [opts.backend].flat();
  for (const name of order) {
    if (!Object.hasOwn(BACKENDS, name)) {
      throw new Error(`unknown ONNX Runtime backend "${name}" (expected one of ${BACKEND_NAMES.join(', ')})`);
    }
  }
  const log = opts.log ?? ((m) => console.warn(m));
  const failures = [];
  for (const [i, name] of order.entries()) {
    const b = BACKENDS[name];
    const available = await b.available(opts.backend !== undefined);
    if (available !== true) {
      failures.push(`${name}: not available (${available})`);
      continue;
    }
    try {
      const ort = await loadModule(name);
      const sessionOptions = {
        executionProviders: b.executionProviders,
        graphOptimizationLevel: 'all',
        ...(await b.configure(ort, opts)),
      };
      const session = await ort.InferenceSession.create(modelBytes, sessionOptions);
      const maxTileSize = b.tileLimit ? await b.tileLimit(ort) : undefined;
      if (maxTileSize !== undefined) tileLimits.set(session, maxTileSize);
      return { backend: name, ort, session, skipped: failures, ...(maxTileSize !== undefined ? { maxTileSize } : {}) };
    } catch (e) {
      const reason = `${name}: session creation failed (${e?.message ?? e})`;
      failures.push(reason);
      if (i + 1 < order.length) log(`supercolor: ONNX Runtime backend ${reason}; falling back to ${order[i + 1]}`);
    }
  }
  throw new Error(`no ONNX Runtime backend could run the feature model (${failures.join('; ')})`);
}
