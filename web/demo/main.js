// supercolor demo page: built on the package's public API only (`supercolor`).
import { createColorTransfer, DEFAULT_PARAMS, STAGES } from 'supercolor';
import { bitmapPixels, drawThumb, encodePng, fitSize, floatRgbToRgba, formatBytes, ImageReadError, putRgba, readImage } from './images.js';
import { AttentionView, clearCanvas, drawBoundaries } from './views.js';
import { ensureIsolation, makeAvailableOffline, offlineStatus, registerServiceWorker, serviceWorkerSupported } from './offline.js';

const ROOT = new URL('../', import.meta.url);
const ORT_PATH = new URL('../ort/', import.meta.url);
const EXAMPLE_URL = new URL('../example/example.json', import.meta.url);

const STAGE_LABELS = {
  decode: 'Decoding the images',
  segment: 'Cutting both images into SLIC superpixels',
  features: 'Extracting VGG-19 features',
  match: 'Matching superpixels (attention)',
  fuse: 'Fusing colours at full resolution',
  regrain: 'Regrain: restoring the target’s detail',
};
/** Share of the progress bar per stage (roughly their cost). */
const STAGE_WEIGHTS = { decode: 0.04, segment: 0.16, features: 0.4, match: 0.08, fuse: 0.16, regrain: 0.16 };

/** Largest working image (pixels) for which the intermediate results are kept. */
const INTERMEDIATES_MAX_PIXELS = 6_000_000;

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const query = new URLSearchParams(location.search);

/** Everything the page knows; exposed as window.__supercolor for tests and the curious. */
const state = {
  ready: false,
  engine: null,
  engineOptions: null,
  isolation: null,
  inputs: { target: null, reference: null },
  running: false,
  controller: null,
  stagesSeen: [],
  progress: { stage: null, fraction: 0, overall: 0 },
  lastResult: null,
  lastRun: null,
  lastError: null,
  afterMode: 'result',
  selectedSuperpixel: -1,
  selectedAttentionRow: null,
  selectedAttention: null,
  status: {},
  offline: { state: 'unknown' },
  webgpuAdapter: null,
  logs: [],
  cspViolations: [],
  runs: 0,
};
window.__supercolor = state;
document.addEventListener('securitypolicyviolation', (event) => state.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));

// ---------------------------------------------------------------- status line

function setStatus(key, text, extra) {
  state.status[key] = extra ? { text, ...extra } : { text };
  $(`status-${key}`).textContent = text;
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

function showCoreStatus() {
  if (!state.engine) return;
  const b = state.engine.backend;
  setStatus('core', describeCore(state.engine), { core: b.core, threads: b.threads, reason: b.reason ?? null, isolation: state.isolation?.source ?? null });
}

function featuresWanted() {
  return /** @type {HTMLSelectElement} */ ($('p-features')).value;
}

function showFeaturesStatus(result) {
  const wanted = featuresWanted();
  if (result) {
    const ran = result.backend.features === 'webgpu' ? 'WebGPU' : result.backend.features === 'wasm' ? 'WebAssembly (wasm)' : result.backend.features;
    let note = '';
    if (wanted === 'auto' && result.backend.features === 'wasm') note = state.webgpuAdapter ? ' — WebGPU was available but not used' : ' — no WebGPU adapter here';
    setStatus('features', `${ran}${note}`, { backend: result.backend.features, requested: wanted });
    return;
  }
  const gpu = state.webgpuAdapter === null ? 'checking WebGPU…' : state.webgpuAdapter ? 'WebGPU adapter found' : 'no WebGPU adapter';
  const planned = wanted === 'auto' ? `auto (${gpu})` : wanted === 'webgpu' ? `WebGPU requested (${gpu})` : 'WebAssembly requested';
  setStatus('features', `${planned}; known after the first run`, { backend: null, requested: wanted });
}

function showSizes() {
  const t = state.inputs.target;
  const r = state.inputs.reference;
  const part = (label, input, used) => {
    if (!input) return `${label} –`;
    const base = `${label} ${input.width}×${input.height}`;
    return used && (used.width !== input.width || used.height !== input.height) ? `${base} (worked at ${used.width}×${used.height})` : base;
  };
  const run = state.lastRun;
  setStatus('sizes', `${part('target', t, run?.targetSize)}, ${part('reference', r, run?.referenceSize)}`);
}

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function showTimings(result, total) {
  const parts = STAGES.map((s) => `${s} ${formatMs(result.timings[s] ?? 0)}`);
  setStatus('timings', `${parts.join(' · ')} — ${formatMs(total)} in all`, { timings: result.timings, total });
}

// ---------------------------------------------------------------- messages

function showMessage(kind, title, detail) {
  const box = $('message');
  box.replaceChildren();
  box.className = `message${kind === 'error' ? ' error' : ''}`;
  const strong = document.createElement('strong');
  strong.textContent = title;
  box.append(strong);
  if (detail) box.append(` ${detail}`);
  box.hidden = false;
}

function clearMessage() {
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

// ---------------------------------------------------------------- the engine

let enginePromise = null;

/** The engine for the current settings, created once (concurrent callers share it). */
function startEngine() {
  const features = featuresWanted();
  const core = query.get('core') ?? 'auto';
  const key = `${features}|${core}`;
  if (enginePromise && state.engineOptions === key) return enginePromise;
  state.engine?.dispose();
  state.engine = null;
  state.engineOptions = key;
  setStatus('core', 'loading…');
  const promise = createColorTransfer({
    baseUrl: ROOT.href,
    ortWasmPaths: ORT_PATH.href,
    featureBackend: /** @type {'auto'|'webgpu'|'wasm'} */ (features),
    core: /** @type {'auto'|'threads'|'simd'} */ (core),
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

/**
 * Loads ONNX Runtime and the feature model before the first real run, with a tiny transfer
 * (the public API has no separate "preload"). Started when the user shows intent (chooses an
 * image or the example), so a page that is only looked at downloads nothing big.
 */
let warmedEngine = null;
function warmUp(force = false) {
  if (!state.ready || query.has('nowarmup')) return;
  const engine = state.engine;
  if (!engine || (warmedEngine === engine && !force)) return;
  warmedEngine = engine;
  const size = 16;
  const data = new Uint8ClampedArray(4 * size * size);
  for (let p = 0; p < size * size; p++) data.set([(p * 7) % 256, (p * 3) % 256, (p * 5) % 256, 255], 4 * p);
  const image = { data, width: size, height: size };
  let layers = DEFAULT_PARAMS.layers;
  try {
    layers = readParamsQuiet().layers;
  } catch {
    // the form is being edited; warm the default model
  }
  state.warmup = { state: 'running' };
  scheduleOfflineCache();
  const t0 = performance.now();
  engine
    .transfer(image, { ...image, data: data.slice() }, { layers, regrain: false })
    .then(
      () => (state.warmup = { state: 'done', ms: performance.now() - t0 }),
      (error) => (state.warmup = { state: 'failed', error: error?.message ?? String(error) }),
    );
}

// ---------------------------------------------------------------- inputs

function pickerElements(side) {
  return {
    picker: $(`picker-${side}`),
    thumb: /** @type {HTMLCanvasElement} */ ($(`${side}-thumb`)),
    placeholder: $(`${side}-placeholder`),
    meta: $(`${side}-meta`),
  };
}

function renderPicker(side) {
  const input = state.inputs[side];
  const el = pickerElements(side);
  el.picker.classList.toggle('has-image', Boolean(input));
  el.thumb.hidden = !input;
  el.placeholder.hidden = Boolean(input);
  if (input) {
    drawThumb(el.thumb, input.bitmap);
    el.meta.textContent = `${input.name} · ${input.width}×${input.height} · ${formatBytes(input.blob.size)}`;
  } else {
    el.meta.textContent = 'No image yet';
  }
  updateAutoK();
  updateRunButton();
  showSizes();
}

async function setImage(side, blob, name) {
  try {
    const input = await readImage(blob, name);
    state.inputs[side] = input;
    renderPicker(side);
    warmUp();
    if (!state.running) clearMessage();
    return true;
  } catch (error) {
    const text = error instanceof ImageReadError ? error.message : `“${name}” could not be opened: ${error.message}`;
    state.lastError = { code: 'decode_failed', message: text, where: 'input' };
    showMessage('error', `The ${side} was not changed.`, text);
    return false;
  }
}

function imageFromTransfer(dataTransfer) {
  for (const item of dataTransfer?.items ?? []) {
    if (item.kind === 'file') {
      const file = item.getAsFile();
      if (file) return file;
    }
  }
  return dataTransfer?.files?.[0] ?? null;
}

function wirePicker(side) {
  const { picker } = pickerElements(side);
  const fileInput = /** @type {HTMLInputElement} */ ($(`${side}-file`));
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void setImage(side, file, file.name);
    fileInput.value = '';
  });
  picker.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    picker.classList.add('dragover');
  });
  picker.addEventListener('dragleave', (event) => {
    if (!picker.contains(/** @type {Node} */ (event.relatedTarget))) picker.classList.remove('dragover');
  });
  picker.addEventListener('drop', (event) => {
    event.preventDefault();
    picker.classList.remove('dragover');
    const file = imageFromTransfer(event.dataTransfer);
    if (file) void setImage(side, file, file.name || `dropped image`);
    else showMessage('error', 'Nothing to use in what was dropped.', 'Drop an image file (PNG, JPEG, WebP).');
  });
  picker.addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ' ') && event.target === picker) {
      event.preventDefault();
      fileInput.click();
    }
  });
}

document.addEventListener('paste', (event) => {
  const file = imageFromTransfer(event.clipboardData);
  if (!file) return;
  const focused = document.activeElement?.closest?.('.picker');
  const side = focused?.dataset.side ?? (!state.inputs.target ? 'target' : !state.inputs.reference ? 'reference' : 'target');
  event.preventDefault();
  void setImage(side, file, file.name && file.name !== 'image.png' ? file.name : `pasted image`);
});

// Dropping outside a box must not navigate away from the page.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

async function loadExample() {
  const button = /** @type {HTMLButtonElement} */ ($('example-button'));
  button.disabled = true;
  try {
    const info = await (await fetch(EXAMPLE_URL)).json();
    const get = async (file) => {
      const response = await fetch(new URL(file, EXAMPLE_URL));
      if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
      return response.blob();
    };
    const [target, reference] = await Promise.all([get(info.target), get(info.reference)]);
    await setImage('target', target, info.targetName ?? info.target);
    await setImage('reference', reference, info.referenceName ?? info.reference);
  } catch (error) {
    showMessage('error', 'The example could not be loaded.', error.message);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- parameters

const form = /** @type {HTMLFormElement} */ ($('params-form'));
const fields = {
  superpixels: /** @type {HTMLInputElement} */ ($('p-superpixels')),
  tau: /** @type {HTMLInputElement} */ ($('p-tau')),
  deltaS: /** @type {HTMLInputElement} */ ($('p-deltaS')),
  deltaC: /** @type {HTMLInputElement} */ ($('p-deltaC')),
  sigmaG: /** @type {HTMLInputElement} */ ($('p-sigmaG')),
  sigmaAdaptive: /** @type {HTMLInputElement} */ ($('p-sigmaG-adaptive')),
  regrain: /** @type {HTMLInputElement} */ ($('p-regrain')),
  maxSide: /** @type {HTMLSelectElement} */ ($('p-maxSide')),
  intermediates: /** @type {HTMLInputElement} */ ($('p-intermediates')),
};

function resetParams() {
  fields.superpixels.value = DEFAULT_PARAMS.superpixels ? String(DEFAULT_PARAMS.superpixels) : '';
  fields.tau.value = String(DEFAULT_PARAMS.tau);
  fields.deltaS.value = String(DEFAULT_PARAMS.deltaS);
  fields.deltaC.value = String(DEFAULT_PARAMS.deltaC);
  fields.sigmaAdaptive.checked = DEFAULT_PARAMS.sigmaG === 'adaptive';
  fields.sigmaG.value = DEFAULT_PARAMS.sigmaG === 'adaptive' ? '' : String(DEFAULT_PARAMS.sigmaG);
  fields.sigmaG.disabled = fields.sigmaAdaptive.checked;
  for (const box of form.querySelectorAll('input[name=layers]')) {
    /** @type {HTMLInputElement} */ (box).checked = DEFAULT_PARAMS.layers.includes(/** @type {any} */ (/** @type {HTMLInputElement} */ (box).value));
  }
  fields.regrain.checked = DEFAULT_PARAMS.regrain;
  fields.maxSide.value = '0';
  fields.intermediates.checked = true;
  /** @type {HTMLSelectElement} */ ($('p-features')).value = 'auto';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  $('param-error').textContent = '';
  updateParamsSummary();
}

class ParamError extends Error {}

function numberField(input, name, { integer = false, allowEmpty = false } = {}) {
  const raw = input.value.trim();
  if (raw === '' && allowEmpty) return undefined;
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    throw new ParamError(`${name} must be a positive ${integer ? 'whole number' : 'number'}${allowEmpty ? ' (or empty for automatic)' : ''}.`);
  }
  input.removeAttribute('aria-invalid');
  return value;
}

/** The form as TransferParams (only what differs from the defaults is sent). Throws ParamError. */
function readParams() {
  $('param-error').textContent = '';
  const params = {};
  const k = numberField(fields.superpixels, 'Superpixels', { integer: true, allowEmpty: true });
  if (k !== undefined) params.superpixels = k;
  params.tau = numberField(fields.tau, 'τ');
  params.deltaS = numberField(fields.deltaS, 'δs');
  params.deltaC = numberField(fields.deltaC, 'δc');
  params.sigmaG = fields.sigmaAdaptive.checked ? 'adaptive' : numberField(fields.sigmaG, 'σg');
  const layers = [...form.querySelectorAll('input[name=layers]:checked')].map((box) => /** @type {HTMLInputElement} */ (box).value);
  if (layers.length === 0) throw new ParamError('Choose at least one VGG-19 layer.');
  params.layers = layers;
  params.regrain = fields.regrain.checked;
  return params;
}

function updateParamsSummary() {
  const changed = [];
  const p = (() => {
    try {
      return readParamsQuiet();
    } catch {
      return null;
    }
  })();
  if (!p) {
    $('params-summary').textContent = 'check the values';
    return;
  }
  if (p.superpixels !== undefined) changed.push(`K = ${p.superpixels}`);
  if (p.tau !== DEFAULT_PARAMS.tau) changed.push(`τ = ${p.tau}`);
  if (p.deltaS !== DEFAULT_PARAMS.deltaS) changed.push(`δs = ${p.deltaS}`);
  if (p.deltaC !== DEFAULT_PARAMS.deltaC) changed.push(`δc = ${p.deltaC}`);
  if (p.sigmaG !== DEFAULT_PARAMS.sigmaG) changed.push(`σg = ${p.sigmaG}`);
  if (p.layers.join() !== DEFAULT_PARAMS.layers.join()) changed.push(p.layers.join(' + '));
  if (p.regrain !== DEFAULT_PARAMS.regrain) changed.push('no regrain');
  if (fields.maxSide.value !== '0') changed.push(`≤ ${fields.maxSide.value} px`);
  if (featuresWanted() !== 'auto') changed.push(featuresWanted() === 'webgpu' ? 'WebGPU' : 'wasm');
  $('params-summary').textContent = changed.length ? changed.join(', ') : 'defaults of the paper';
}

function readParamsQuiet() {
  const active = document.activeElement;
  const invalid = [...form.querySelectorAll('[aria-invalid]')];
  try {
    return readParams();
  } finally {
    // readParams focuses the first bad field; the summary must not move focus.
    if (document.activeElement !== active && active instanceof HTMLElement) active.focus();
    for (const input of form.querySelectorAll('[aria-invalid]')) if (!invalid.includes(input)) input.removeAttribute('aria-invalid');
  }
}

function updateAutoK() {
  const t = state.inputs.target;
  const r = state.inputs.reference;
  const maxSide = Number(fields.maxSide.value);
  const k = (input) => {
    const s = fitSize(input.width, input.height, maxSide);
    return Math.round(3 * Math.sqrt(s.width * s.height));
  };
  $('auto-k').textContent = t && r ? ` (here ${k(t)} and ${k(r)})` : t ? ` (here ${k(t)})` : '';
}

// ---------------------------------------------------------------- run

function updateRunButton() {
  const ready = Boolean(state.inputs.target && state.inputs.reference) && !state.running && state.ready;
  /** @type {HTMLButtonElement} */ ($('run-button')).disabled = !ready;
  /** @type {HTMLButtonElement} */ ($('cancel-button')).disabled = !state.running;
  if (!state.running && !state.lastResult) {
    const label = !state.ready
      ? 'Loading…'
      : state.inputs.target && state.inputs.reference
        ? 'Ready. Press Recolour.'
        : 'Choose a target and a reference, or try the example.';
    setProgressLabel(label);
  }
}

function setProgressLabel(text) {
  $('progress-label').textContent = text;
}

/** Screen readers hear stage changes and outcomes, not every percent. */
function announce(text) {
  $('announcer').textContent = text;
}

function setProgress(overall) {
  const pct = Math.max(0, Math.min(100, overall * 100));
  $('progress-fill').style.width = `${pct}%`;
  $('progress').setAttribute('aria-valuenow', String(Math.round(pct)));
}

function markStages(current, finished) {
  const index = current ? STAGES.indexOf(current) : -1;
  for (const li of $('stages').children) {
    const i = STAGES.indexOf(/** @type {any} */ (/** @type {HTMLElement} */ (li).dataset.stage));
    li.classList.toggle('done', finished || (index >= 0 && i < index));
    li.classList.toggle('active', !finished && i === index);
    if (!finished && i === index) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
}

function onProgress({ stage, fraction }) {
  if (!state.stagesSeen.includes(stage)) state.stagesSeen.push(stage);
  const index = STAGES.indexOf(stage);
  let before = 0;
  for (let i = 0; i < index; i++) before += STAGE_WEIGHTS[STAGES[i]];
  const overall = before + STAGE_WEIGHTS[stage] * Math.max(0, Math.min(1, fraction));
  if (state.progress.stage !== stage) announce(STAGE_LABELS[stage]);
  state.progress = { stage, fraction, overall };
  setProgress(overall);
  markStages(stage, false);
  setProgressLabel(`${STAGE_LABELS[stage]}… ${Math.round(fraction * 100)}%  (stage ${index + 1} of ${STAGES.length})`);
}

async function prepareInput(input, maxSide) {
  const size = fitSize(input.width, input.height, maxSide);
  if (!size.scaled) return { image: input.blob, size: { width: input.width, height: input.height } };
  const pixels = await bitmapPixels(input.bitmap, size.width, size.height);
  return { image: pixels, size };
}

async function run() {
  if (state.running || !state.inputs.target || !state.inputs.reference) return;
  let params;
  try {
    params = readParams();
  } catch (error) {
    if (error instanceof ParamError) {
      $('param-error').textContent = error.message;
      /** @type {HTMLDetailsElement} */ ($('params-details')).open = true;
      return;
    }
    throw error;
  }
  const controller = new AbortController();
  state.controller = controller;
  state.running = true;
  state.stagesSeen = [];
  state.progress = { stage: null, fraction: 0, overall: 0 };
  state.lastError = null;
  state.runs += 1;
  document.body.classList.add('running');
  clearMessage();
  updateRunButton();
  setProgress(0);
  markStages(null, false);
  const maxSideNow = Number(fields.maxSide.value);
  const workingPixels = (input) => {
    const size = fitSize(input.width, input.height, maxSideNow);
    return size.width * size.height;
  };
  // Intermediates hold several float copies of the image: skip them for very large photos.
  const tooLargeForIntermediates = Math.max(workingPixels(state.inputs.target), workingPixels(state.inputs.reference)) > INTERMEDIATES_MAX_PIXELS;
  const wantIntermediates = fields.intermediates.checked && !tooLargeForIntermediates;
  state.intermediatesSkipped = fields.intermediates.checked && tooLargeForIntermediates;
  const started = performance.now();
  try {
    const engine = await startEngine();
    setProgressLabel('Starting the engine (first run: loading the wasm core and the VGG-19 model)…');
    const maxSide = Number(fields.maxSide.value);
    const [target, reference] = await Promise.all([prepareInput(state.inputs.target, maxSide), prepareInput(state.inputs.reference, maxSide)]);
    const transfer = engine.transfer(target.image, reference.image, params, { signal: controller.signal, intermediates: wantIntermediates, onProgress });
    transfer.catch(() => undefined);
    // Cancel takes effect at once, even while the engine is still busy warming up.
    const aborted = new Promise((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(new DOMException('the transfer was cancelled', 'AbortError')), { once: true });
    });
    aborted.catch(() => undefined);
    const result = await Promise.race([transfer, aborted]);
    const total = performance.now() - started;
    state.lastResult = result;
    state.lastRun = { params, targetSize: target.size, referenceSize: reference.size, total, targetName: state.inputs.target.name, inputs: { ...state.inputs } };
    setProgress(1);
    markStages(null, true);
    setProgressLabel(`Done in ${formatMs(total)}.`);
    announce(`Done in ${formatMs(total)}. The result is shown below.`);
    showFeaturesStatus(result);
    showCoreStatus();
    showTimings(result, total);
    showSizes();
    await showResult(result);
    scheduleOfflineCache();
  } catch (error) {
    setProgress(0);
    markStages(null, false);
    if (error?.name === 'AbortError') {
      state.lastError = { code: 'aborted', message: 'cancelled' };
      setProgressLabel('Cancelled. Ready for another run.');
      announce('Cancelled.');
      // The package stopped its worker; get a fresh one ready in the background.
      warmUp(true);
      showMessage('info', 'Cancelled.', 'Nothing was changed; you can run again.');
    } else {
      const [title, detail] = explainError(error);
      state.lastError = { code: error?.code ?? 'internal', message: error?.message ?? String(error), where: 'transfer' };
      setProgressLabel('Stopped by an error.');
      showMessage('error', title, detail);
      console.error(error);
    }
  } finally {
    state.running = false;
    state.controller = null;
    document.body.classList.remove('running');
    updateRunButton();
    if (state.lastResult && !state.lastError) $('download-button').removeAttribute('disabled');
  }
}

function cancel() {
  state.controller?.abort();
}

// ---------------------------------------------------------------- result views

const attention = new AttentionView({
  target: /** @type {HTMLCanvasElement} */ ($('attention-target')),
  reference: /** @type {HTMLCanvasElement} */ ($('attention-reference')),
  onSelect: (info) => {
    state.selectedSuperpixel = info.index;
    state.selectedAttentionRow = info.row;
    state.selectedAttention = { index: info.index, sum: info.sum, max: info.max, top: info.top, pixels: info.pixels, colour: info.colour };
    $('attention-index').textContent = `#${info.index}`;
    const [r, g, b] = info.colour.map((v) => Math.round(Math.max(0, Math.min(1, v)) * 255));
    $('attention-swatch').style.background = `rgb(${r} ${g} ${b})`;
    $('attention-max').textContent = `${(info.max * 100).toFixed(1)}% (√ scale)`;
    const top = info.top.map((t) => `#${t.index} ${(t.weight * 100).toFixed(1)}%`).join(', ');
    $('attention-info').textContent = `Superpixel #${info.index} (${info.pixels} px): weights sum to ${info.sum.toFixed(4)}; strongest reference superpixels ${top}; c(i) = rgb(${r}, ${g}, ${b}).`;
  },
});

const converted = new Map();

function afterPixels(result, mode) {
  const i = result.intermediates;
  if (mode === 'result' || !i) return result.data;
  if (!converted.has(mode)) {
    const source = mode === 'direct' ? i.direct : i.fused;
    converted.set(mode, floatRgbToRgba(source, result.width, result.height, i.targetRgba.data));
  }
  return converted.get(mode);
}

function renderAfter() {
  const result = state.lastResult;
  if (!result) return;
  putRgba(/** @type {HTMLCanvasElement} */ ($('after-canvas')), afterPixels(result, state.afterMode), result.width, result.height);
  const names = { result: 'after', direct: 'direct matching', fused: 'before regrain' };
  $('after-tag').textContent = names[state.afterMode];
  $('after-canvas').setAttribute('aria-label', state.afterMode === 'result' ? 'Recoloured result' : state.afterMode === 'direct' ? 'Direct matching: each target superpixel painted with c(i)' : 'Fused colours before regrain');
}

function renderBoundaries() {
  const result = state.lastResult;
  const on = /** @type {HTMLInputElement} */ ($('boundaries-toggle')).checked;
  const overlays = ['before-overlay', 'after-overlay', 'reference-overlay'].map((id) => /** @type {HTMLCanvasElement} */ ($(id)));
  const i = result?.intermediates;
  if (!on || !i) {
    overlays.forEach(clearCanvas);
    return;
  }
  drawBoundaries(overlays[0], i.labelsTarget, result.width, result.height);
  drawBoundaries(overlays[1], i.labelsTarget, result.width, result.height);
  drawBoundaries(overlays[2], i.labelsReference, i.referenceRgba.width, i.referenceRgba.height);
}

function renderAttention() {
  const on = /** @type {HTMLInputElement} */ ($('attention-toggle')).checked;
  const panel = $('attention-panel');
  const i = state.lastResult?.intermediates;
  panel.hidden = !(on && i?.attention);
  if (panel.hidden) return;
  if (attention.data?.attention !== i.attention) {
    attention.setData({
      attention: i.attention,
      nT: i.superpixelsTarget,
      nR: i.superpixelsReference,
      labelsT: i.labelsTarget,
      labelsR: i.labelsReference,
      target: i.targetRgba,
      reference: i.referenceRgba,
      directColors: i.directColors,
    });
    // Start on the superpixel at the centre so the heat map is never empty.
    const { width, height } = i.targetRgba;
    attention.select(i.labelsTarget[(height >> 1) * width + (width >> 1)]);
  }
}

async function showResult(result) {
  converted.clear();
  const i = result.intermediates;
  const section = $('result-section');
  section.hidden = false;
  // Before = the exact pixels the method used; reference likewise.
  if (i) {
    putRgba(/** @type {HTMLCanvasElement} */ ($('before-canvas')), i.targetRgba.data, i.targetRgba.width, i.targetRgba.height);
    putRgba(/** @type {HTMLCanvasElement} */ ($('reference-canvas')), i.referenceRgba.data, i.referenceRgba.width, i.referenceRgba.height);
  } else {
    const run = state.lastRun;
    const pixels = await bitmapPixels(run.inputs.target.bitmap, result.width, result.height);
    putRgba(/** @type {HTMLCanvasElement} */ ($('before-canvas')), pixels.data, result.width, result.height);
    const ref = await bitmapPixels(run.inputs.reference.bitmap, run.referenceSize.width, run.referenceSize.height);
    putRgba(/** @type {HTMLCanvasElement} */ ($('reference-canvas')), ref.data, ref.width, ref.height);
  }
  $('compare-caption').textContent = `${result.width}×${result.height}`;
  const ref = /** @type {HTMLCanvasElement} */ ($('reference-canvas'));
  $('reference-caption').textContent = `${ref.width}×${ref.height}`;
  renderAfter();

  // Views that need the intermediates.
  const note = $('views-note');
  const modes = /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name=after-mode]'));
  const boundaries = /** @type {HTMLInputElement} */ ($('boundaries-toggle'));
  const attentionToggle = /** @type {HTMLInputElement} */ ($('attention-toggle'));
  for (const m of modes) m.disabled = !i && m.value !== 'result';
  boundaries.disabled = !i;
  attentionToggle.disabled = !i?.attention;
  if (!i && state.intermediatesSkipped) {
    note.textContent = `Intermediate results are not kept for images over ${INTERMEDIATES_MAX_PIXELS / 1e6} megapixels (they would take several copies of the image in memory); choose a working size of 2048 px or less under Parameters to explore the method.`;
  } else if (!i) {
    note.textContent = 'Turn on “keep intermediate results” under Parameters and run again to see the superpixels, the direct matching and the attention.';
  } else if (!i.attention) {
    note.textContent = `The attention view needs at most 4096 superpixels per image (this run: ${i.superpixelsTarget} and ${i.superpixelsReference}); lower K under Parameters.`;
  } else {
    note.textContent = `${i.superpixelsTarget} target and ${i.superpixelsReference} reference superpixels; ${i.channels} feature channels.`;
  }
  note.hidden = false;
  if (!i || (state.afterMode !== 'result' && !i)) setAfterMode('result');
  attention.clear();
  if (!i?.attention) attentionToggle.checked = false;
  requestAnimationFrame(() => {
    renderBoundaries();
    renderAttention();
  });
  if (state.runs === 1) section.scrollIntoView({ behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth', block: 'start' });
}

function setAfterMode(mode) {
  state.afterMode = mode;
  for (const m of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name=after-mode]'))) m.checked = m.value === mode;
  renderAfter();
}

function wireCompare() {
  const range = /** @type {HTMLInputElement} */ ($('compare-range'));
  const update = () => {
    const v = Number(range.value);
    $('after-clip').style.clipPath = `inset(0 0 0 ${v}%)`;
    $('compare-handle').style.left = `${v}%`;
    range.setAttribute('aria-valuetext', `${v}% target, ${100 - v}% ${state.afterMode === 'result' ? 'result' : state.afterMode}`);
  };
  range.addEventListener('input', update);
  update();
}

async function download() {
  const result = state.lastResult;
  if (!result) return;
  const blob = await encodePng(result.data, result.width, result.height);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  const base = (state.lastRun?.targetName ?? 'image').replace(/\.[a-z0-9]+$/i, '');
  a.href = url;
  a.download = `${base}-supercolor.png`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------------------------------------------------------------- offline

let offlineScheduled = false;
function scheduleOfflineCache() {
  if (offlineScheduled || query.has('nosw') || !serviceWorkerSupported()) return;
  offlineScheduled = true;
  state.offline = { state: 'scheduled' };
  setStatus('offline', 'the engine will be saved for offline use once it is idle', { state: 'scheduled' });
  const go = async () => {
    // Wait until the engine is idle: what it fetched is then in the HTTP cache and the service
    // worker only revalidates it (no second download).
    if (state.running || state.warmup?.state === 'running') {
      setTimeout(go, 1000);
      return;
    }
    state.offline = { state: 'caching' };
    setStatus('offline', 'saving the page, wasm and models for offline use…', { state: 'caching' });
    try {
      const r = await makeAvailableOffline();
      state.offline = { state: r.failed.length ? 'partial' : 'ready', ...r };
      setStatus(
        'offline',
        r.failed.length ? `partly available offline (${r.failed.length} files failed)` : `available offline (${formatBytes(r.bytes)} cached)`,
        { state: state.offline.state },
      );
    } catch (error) {
      state.offline = { state: 'unavailable', error: error.message };
      setStatus('offline', `not available offline: ${error.message}`, { state: 'unavailable' });
    }
  };
  void go();
}

async function showOfflineStatus() {
  if (query.has('nosw')) {
    setStatus('offline', 'service worker disabled (?nosw)', { state: 'unavailable' });
    return;
  }
  if (!serviceWorkerSupported()) {
    setStatus('offline', 'not available (no service workers in this context)', { state: 'unavailable' });
    return;
  }
  // The page itself is cached at once; the engine (wasm, model: megabytes) once the visitor
  // uses the page, so a visit that only looks downloads nothing big.
  await registerServiceWorker().catch(() => undefined);
  const s = await offlineStatus().catch(() => null);
  if (s && s.cached === s.total) {
    state.offline = { state: 'ready', ...s };
    setStatus('offline', `available offline (${formatBytes(s.bytes)} cached)`, { state: 'ready' });
    offlineScheduled = true;
  } else if (!offlineScheduled) {
    state.offline = { state: 'pending' };
    setStatus('offline', 'the page is cached; the engine will be once you use it', { state: 'pending' });
  }
}

// ---------------------------------------------------------------- boot

async function boot() {
  // URL options: ?features=webgpu|wasm|auto, ?core=threads|simd|auto, ?maxSide=N, ?nosw
  resetParams();
  const features = query.get('features');
  if (features && ['auto', 'webgpu', 'wasm'].includes(features)) /** @type {HTMLSelectElement} */ ($('p-features')).value = features;
  const maxSide = Number(query.get('maxSide'));
  if (Number.isInteger(maxSide) && maxSide > 0) {
    if (![...fields.maxSide.options].some((o) => o.value === String(maxSide))) fields.maxSide.add(new Option(`at most ${maxSide} px`, String(maxSide)));
    fields.maxSide.value = String(maxSide);
    updateParamsSummary();
  }
  wirePicker('target');
  wirePicker('reference');
  wireCompare();
  $('example-button').addEventListener('click', () => {
    warmUp();
    void loadExample();
  });
  $('swap-button').addEventListener('click', () => {
    [state.inputs.target, state.inputs.reference] = [state.inputs.reference, state.inputs.target];
    renderPicker('target');
    renderPicker('reference');
  });
  $('reset-button').addEventListener('click', () => {
    resetParams();
    void startEngine().catch(() => undefined);
    showFeaturesStatus(null);
  });
  form.addEventListener('input', updateParamsSummary);
  form.addEventListener('change', (event) => {
    if (event.target === fields.sigmaAdaptive) {
      fields.sigmaG.disabled = fields.sigmaAdaptive.checked;
      if (!fields.sigmaAdaptive.checked && !fields.sigmaG.value) fields.sigmaG.value = '1';
    }
    if (event.target === fields.maxSide) updateAutoK();
    if (event.target === $('p-features')) {
      showFeaturesStatus(null);
      if (!state.running) {
        void startEngine().then(
          () => (state.inputs.target || state.inputs.reference ? warmUp() : undefined),
          () => undefined,
        );
      }
    }
    updateParamsSummary();
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  $('run-button').addEventListener('click', () => void run());
  $('cancel-button').addEventListener('click', cancel);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.running) cancel();
  });
  $('download-button').addEventListener('click', () => void download());
  for (const m of document.querySelectorAll('input[name=after-mode]')) {
    m.addEventListener('change', () => setAfterMode(/** @type {HTMLInputElement} */ (m).value));
  }
  $('boundaries-toggle').addEventListener('change', renderBoundaries);
  $('attention-toggle').addEventListener('change', renderAttention);
  let resizeTimer = 0;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => {
      renderBoundaries();
      for (const side of ['target', 'reference']) if (state.inputs[side]) drawThumb(pickerElements(side).thumb, state.inputs[side].bitmap);
    }, 120);
  }).observe($('compare-frame'));

  updateRunButton();
  showSizes();
  showFeaturesStatus(null);

  const hadController = Boolean(navigator.serviceWorker?.controller);
  navigator.serviceWorker?.addEventListener('controllerchange', () => {
    if (hadController && !state.running) showMessage('info', 'A new version of this page is available.', 'Reload the page to use it.');
  });

  state.isolation = await ensureIsolation({
    disabled: query.has('nosw'),
    onWait: (message) => setStatus('core', message),
  });
  if (state.isolation.reloading) return;

  void (async () => {
    const gpu = /** @type {any} */ (navigator).gpu;
    try {
      state.webgpuAdapter = gpu ? (await gpu.requestAdapter()) !== null : false;
    } catch {
      state.webgpuAdapter = false;
    }
    if (!state.lastResult) showFeaturesStatus(null);
  })();

  try {
    await startEngine();
  } catch (error) {
    const [title, detail] = explainError(error);
    showMessage('error', title, detail);
  }
  state.ready = true;
  updateRunButton();
  void showOfflineStatus();
  document.documentElement.dataset.ready = 'true';
}

void boot();
