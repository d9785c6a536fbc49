// The package's engine for the current settings, and its warm-up before the first real run.
import { createColorTransfer } from 'supercolor';
import { readParamsQuiet } from './params-form.js';
import { DEFAULTS, query, state } from './state.js';
import { featuresWanted, setStatus, showCoreStatus, showFeaturesStatus } from './status.js';

const ROOT = new URL('../', import.meta.url);
const ORT_PATH = new URL('../ort/', import.meta.url);

/** The worker's memory comes back (the package's releaseMemory); URL options for tests. */
function releaseMemoryOption() {
  const option = {};
  const idle = Number(query.get('releaseIdleMs'));
  const above = Number(query.get('releaseAboveMB'));
  if (query.has('releaseIdleMs') && idle >= 0) option.idleMs = idle;
  if (query.has('releaseAboveMB') && above >= 0) option.aboveBytes = above * 1024 * 1024;
  return option;
}

let enginePromise = null;

/**
 * The engine for the current settings, created once (concurrent callers share it).
 * @returns {Promise<import('supercolor').ColorTransfer>}
 */
export function startEngine() {
  const features = featuresWanted();
  const core = query.get('core') ?? 'auto';
  const key = `${features}|${core}`;
  if (enginePromise && state.engineOptions === key) return enginePromise;
  state.engine?.dispose();
  state.engine = null;
  state.engineOptions = key;
  state.knownFeatures = null;
  setStatus('core', 'loading…');
  const promise = createColorTransfer({
    baseUrl: ROOT.href,
    ortWasmPaths: ORT_PATH.href,
    featureBackend: /** @type {'auto'|'webgpu'|'wasm'} */ (features),
    core: /** @type {'auto'|'threads'|'simd'} */ (core),
    releaseMemory: releaseMemoryOption(),
    logger: (level, message) => {
      state.logs.push({ level, message });
      if (level === 'error') console.error(`supercolor: ${message}`);
      else if (level === 'warn') console.warn(`supercolor: ${message}`);
    },
  }).then(
    (engine) => {
      if (enginePromise !== promise) {
        engine.dispose(); // the settings changed meanwhile
        return enginePromise;
      }
      state.engine = engine;
      showCoreStatus();
      return engine;
    },
    (error) => {
      if (enginePromise === promise) {
        enginePromise = null;
        state.engineOptions = null;
        setStatus('core', `unavailable: ${error.message}`);
      }
      throw error;
    },
  );
  enginePromise = promise;
  return promise;
}

/** Remembers which backend ran the features (shown until the engine changes). */
export function noteFeatures(engine, features) {
  if (engine !== state.engine || !features) return;
  state.knownFeatures = features;
  if (!state.running) showFeaturesStatus();
}

/**
 * Loads ONNX Runtime and the feature model before the first real run, with a tiny transfer
 * (the public API has no separate "preload"). Started when the user shows intent (chooses an
 * image or the example), so a page that is only looked at downloads nothing big.
 * `onStart` runs when a warm-up starts (the offline cache is scheduled then).
 */
let warmedEngine = null;
export function warmUp({ force = false, onStart = () => {} } = {}) {
  if (!state.ready || query.has('nowarmup')) return;
  const engine = state.engine;
  if (!engine || (warmedEngine === engine && !force)) return;
  warmedEngine = engine;
  const size = 16;
  const data = new Uint8ClampedArray(4 * size * size);
  for (let p = 0; p < size * size; p++) data.set([(p * 7) % 256, (p * 3) % 256, (p * 5) % 256, 255], 4 * p);
  const image = { data, width: size, height: size };
  let layers = DEFAULTS.layers;
  try {
    layers = readParamsQuiet().layers;
  } catch {
    // the form is being edited; warm the default model
  }
  state.warmup = { state: 'running' };
  onStart();
  const t0 = performance.now();
  engine.transfer(image, { ...image, data: data.slice() }, { layers, regrain: 'none' }).then(
    (result) => {
      state.warmup = { state: 'done', ms: performance.now() - t0 };
      noteFeatures(engine, result.backend.features);
    },
    (error) => (state.warmup = { state: 'failed', error: error?.message ?? String(error) }),
  );
}
