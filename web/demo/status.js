// The status bar (features, core, sizes, timings, offline) and the messages of the Run card.
import { $, state } from './state.js';

export function setStatus(key, text, extra) {
  state.status[key] = extra ? { text, ...extra } : { text };
  $(`status-${key}`).textContent = text;
}

export function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** A duration as a person reads it: "8 s", "1 min 05 s". */
export function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function describeCore(engine) {
  const b = engine.backend;
  const iso = state.isolation;
  if (b.core === 'threads') {
    const source = iso?.source === 'service-worker' ? 'cross-origin isolation provided by the service worker' : 'cross-origin isolated by the server';
    return `threaded build, ${b.threads} threads (${source})`;
  }
  const why = b.reason ?? iso?.reason ?? 'threads unavailable';
  return `single-threaded build (SIMD) — no threads: ${why}`;
}

export function showCoreStatus() {
  if (!state.engine) return;
  const b = state.engine.backend;
  setStatus('core', describeCore(state.engine), { core: b.core, threads: b.threads, reason: b.reason ?? null, isolation: state.isolation?.source ?? null });
}

export function featuresWanted() {
  return /** @type {HTMLSelectElement} */ ($('p-features')).value;
}

/**
 * What ran the features. `features`: the backend a transfer reported; without it, the last one
 * known for the current engine (so a cancelled run does not forget it), else what is planned.
 */
export function showFeaturesStatus(features = state.knownFeatures) {
  const wanted = featuresWanted();
  if (features) {
    const ran = features === 'webgpu' ? 'WebGPU' : features === 'wasm' ? 'WebAssembly (wasm)' : features;
    let note = '';
    if (wanted === 'auto' && features === 'wasm') note = state.webgpuAdapter ? ' — WebGPU was available but not used' : ' — no WebGPU adapter here';
    setStatus('features', `${ran}${note}`, { backend: features, requested: wanted });
    return;
  }
  const gpu = state.webgpuAdapter === null ? 'checking WebGPU…' : state.webgpuAdapter ? 'WebGPU adapter found' : 'no WebGPU adapter';
  const planned = wanted === 'auto' ? `auto (${gpu})` : wanted === 'webgpu' ? `WebGPU requested (${gpu})` : 'WebAssembly requested';
  setStatus('features', `${planned}; known after the first run`, { backend: null, requested: wanted });
}

/** Sizes of the chosen photos; the working sizes only when the shown result is of these photos. */
export function showSizes() {
  const t = state.inputs.target;
  const r = state.inputs.reference;
  const run = state.lastRun;
  const current = run && run.inputs.target === t && run.inputs.reference === r;
  const part = (label, input, used) => {
    if (!input) return `${label} –`;
    const base = `${label} ${input.width}×${input.height}`;
    return current && used && (used.width !== input.width || used.height !== input.height) ? `${base} (worked at ${used.width}×${used.height})` : base;
  };
  setStatus('sizes', `${part('target', t, run?.targetSize)}, ${part('reference', r, run?.referenceSize)}`);
}

export function showTimings(result, total) {
  if (!result) {
    setStatus('timings', '–', { timings: null, total: null });
    return;
  }
  const parts = Object.keys(result.timings).map((s) => `${s} ${formatMs(result.timings[s] ?? 0)}`);
  setStatus('timings', `${parts.join(' · ')} — ${formatMs(total)} in all`, { timings: result.timings, total });
}

// ---------------------------------------------------------------- messages of the Run card

export function showMessage(kind, title, detail) {
  const box = $('message');
  box.replaceChildren();
  box.className = `message${kind === 'error' ? ' error' : ''}`;
  const strong = document.createElement('strong');
  strong.textContent = title;
  box.append(strong);
  if (detail) box.append(` ${detail}`);
  box.hidden = false;
}

export function clearMessage() {
  $('message').hidden = true;
  $('message').replaceChildren();
}

/** A sentence a person can act on, from any error the package or the page raises. */
export function explainError(error) {
  const message = error?.message ?? String(error);
  switch (error?.code) {
    case 'decode_failed':
      return ['An image could not be read.', `${message} Use a PNG, JPEG or WebP photo.`];
    case 'image_too_large':
      return ['An image is too large for this device.', `${message} Choose a smaller working size under Parameters.`];
    case 'out_of_memory':
      return ['Out of memory.', `${message} Choose a smaller working size under Parameters.`];
    case 'invalid_argument':
      return ['These inputs cannot be used.', message];
    case 'backend_unavailable':
      return ['Part of the engine could not be loaded.', message];
    case 'model_integrity':
      return ['The feature model failed its integrity check.', message];
    default:
      return ['Something went wrong.', message];
  }
}
