// ONNX Runtime backend choice: the one place that decides which runtime runs the VGG model.
//
//   'node'  onnxruntime-node (native CPU), only in Node
//   'wasm'  onnxruntime-web on its WebAssembly execution provider (browsers and Node)
//   ('webgpu' will be added here for browsers, tried before 'wasm'.)

const isNode =
  typeof process !== 'undefined' && process.versions != null && process.versions.node != null && typeof window === 'undefined';

/** Backends in the order they are tried when none is asked for. */
export function defaultBackendOrder() {
  return isNode ? ['node', 'wasm'] : ['wasm'];
}

const modules = new Map();

// Hidden from bundlers: onnxruntime-node must never end up in a browser bundle.
const NODE_PACKAGE = 'onnxruntime-node';

const BACKENDS = {
  node: {
    available: () => isNode,
    load: () => import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_PACKAGE),
    executionProviders: ['cpu'],
    configure(ort, opts) {
      const so = {};
      if (opts.numThreads) so.intraOpNumThreads = opts.numThreads;
      return so;
    },
  },
  wasm: {
    available: () => typeof WebAssembly !== 'undefined',
    load: () => import('onnxruntime-web'),
    executionProviders: ['wasm'],
    configure(ort, opts) {
      // Global to the onnxruntime-web instance; only effective before its first session.
      if (opts.numThreads) ort.env.wasm.numThreads = opts.numThreads;
      if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
      return {};
    },
  },
};

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
 * Creates an InferenceSession for `modelBytes` on the first backend of `order` that loads and
 * accepts the model. Returns the backend actually used.
 * @param {Uint8Array} modelBytes
 * @param {{backend?: string | string[], numThreads?: number, wasmPaths?: string | object}} [opts]
 * @returns {Promise<{backend: string, ort: any, session: any, skipped: string[]}>}  skipped: why earlier
 *   backends of the order were not used
 */
export async function createSessionOnBestBackend(modelBytes, opts = {}) {
  const order = opts.backend === undefined ? defaultBackendOrder() : [opts.backend].flat();
  const failures = [];
  for (const name of order) {
    const b = BACKENDS[name];
    if (!b) throw new Error(`unknown ONNX Runtime backend "${name}" (expected one of ${BACKEND_NAMES.join(', ')})`);
    if (!b.available()) {
      failures.push(`${name}: not available in this environment`);
      continue;
    }
    try {
      const ort = await loadModule(name);
      const sessionOptions = {
        executionProviders: b.executionProviders,
        graphOptimizationLevel: 'all',
        ...b.configure(ort, opts),
      };
      const session = await ort.InferenceSession.create(modelBytes, sessionOptions);
      return { backend: name, ort, session, skipped: failures };
    } catch (e) {
      failures.push(`${name}: ${e?.message ?? e}`);
    }
  }
  throw new Error(`no ONNX Runtime backend could run the feature model (${failures.join('; ')})`);
}
