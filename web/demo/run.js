// A run: from Recolour to a result shown with the run it came from. The photo boxes are locked
// meanwhile, focus moves to Cancel and back to Recolour, and a parameter changed after a first
// result runs again by itself (debounced; after the run in progress, never cancelling it).
import { bitmapPixels, putRgba } from './images.js';
import { noteFeatures, startEngine, warmUp } from './engine.js';
import { ParamError, fields, readParams, readParamsQuiet, workingSize } from './params-form.js';
import { setPickersLocked } from './pickers.js';
import { RunProgress, announce, setProgressLabel } from './progress.js';
import { INTERMEDIATES_MAX_PIXELS, showResult } from './results.js';
import { $, state } from './state.js';
import { clearMessage, explainError, formatMs, showCoreStatus, showFeaturesStatus, showMessage, showSizes, showTimings } from './status.js';

/** Wait after the last parameter change before running again. */
const AUTO_RUN_DELAY_MS = 700;

const progress = new RunProgress();
const runButton = /** @type {HTMLButtonElement} */ ($('run-button'));
const cancelButton = /** @type {HTMLButtonElement} */ ($('cancel-button'));

/** Hooks set by main.js: `idle` once a run has ended (the offline cache waits for it). */
let hooks = { idle: () => {} };
export function setRunHooks(h) {
  hooks = { ...hooks, ...h };
}

export function updateRunButton() {
  const ready = Boolean(state.inputs.target && state.inputs.reference) && !state.running && state.ready;
  runButton.disabled = !ready;
  cancelButton.disabled = !state.running;
  if (!state.running && !state.lastResult) {
    const label = !state.ready
      ? 'Loading…'
      : state.inputs.target && state.inputs.reference
        ? 'Ready. Press Recolour.'
        : 'Choose a target and a reference, or try the example.';
    setProgressLabel(label);
  }
}

async function prepareInput(input) {
  const size = workingSize(input);
  if (!size.scaled) return { image: input.blob, size: { width: input.width, height: input.height } };
  const pixels = await bitmapPixels(input.bitmap, size.width, size.height);
  return { image: pixels, size };
}

/**
 * Runs the method on the current photos and parameters. `auto`: started by a parameter change
 * (focus is then left where the user is typing).
 */
export async function run({ auto = false } = {}) {
  if (state.running || !state.inputs.target || !state.inputs.reference) return;
  clearTimeout(autoTimer);
  let params;
  try {
    params = auto ? readParamsQuiet() : readParams();
  } catch (error) {
    if (!(error instanceof ParamError)) throw error;
    if (!auto) {
      $('param-error').textContent = error.message;
      /** @type {HTMLDetailsElement} */ ($('params-details')).open = true;
    }
    return;
  }
  // The run keeps its own copy of what it describes: later changes of the page do not touch it.
  const inputs = { ...state.inputs };
  const paramsVersion = state.paramsVersion;
  const controller = new AbortController();
  state.controller = controller;
  state.running = true;
  state.lastError = null;
  state.runs += 1;
  if (auto) state.autoRuns += 1;
  document.body.classList.add('running');
  setPickersLocked(true);
  clearMessage();
  const focusWasOnRun = document.activeElement === runButton || document.activeElement === document.body || document.activeElement === null;
  updateRunButton();
  if (!auto || focusWasOnRun) cancelButton.focus({ preventScroll: true });
  announce(auto ? 'Parameters changed: running again.' : 'Running. Press Cancel or Escape to stop.');
  // Intermediates hold several float copies of the image: skip them for very large photos.
  const workingPixels = (input) => {
    const size = workingSize(input);
    return size.width * size.height;
  };
  const tooLargeForIntermediates = Math.max(workingPixels(inputs.target), workingPixels(inputs.reference)) > INTERMEDIATES_MAX_PIXELS;
  const wantIntermediates = fields.intermediates.checked && !tooLargeForIntermediates;
  const started = performance.now();
  progress.start(state.engine && state.warmup?.state === 'done' ? 'Starting…' : undefined);
  /** @type {import('supercolor').ColorTransfer | null} */
  let engine = null;
  try {
    engine = await startEngine();
    const [target, reference] = await Promise.all([prepareInput(inputs.target), prepareInput(inputs.reference)]);
    // Every run also fits the 3D LUT of its transfer (a fraction of a second at the working size) for the .cube download.
    // A large photo is analysed at the working resolution: its result is shown at once, while
    // the package carries it to full size.
    const onPreview = (preview) => {
      putRgba(/** @type {HTMLCanvasElement} */ ($('preview-canvas')), preview.data, preview.width, preview.height);
      $('preview-caption').textContent = `Preview at ${preview.width}×${preview.height} — making the full-size result…`;
      $('preview').hidden = false;
      state.previewsShown = (state.previewsShown ?? 0) + 1;
    };
    const transfer = engine.transfer(target.image, reference.image, params, { signal: controller.signal, intermediates: wantIntermediates, lut: { size: 33 }, onProgress: (p) => progress.update(p), onPreview });
    transfer.catch(() => undefined);
    // Cancel takes effect at once, even while the engine is still busy warming up.
    const aborted = new Promise((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(new DOMException('the transfer was cancelled', 'AbortError')), { once: true });
    });
    aborted.catch(() => undefined);
    const result = await Promise.race([transfer, aborted]).finally(() => {
      $('preview').hidden = true;
    });
    const total = performance.now() - started;
    noteFeatures(engine, result.backend.features);
    if (inputs.target !== state.inputs.target || inputs.reference !== state.inputs.reference) {
      // Cannot happen while the boxes are locked; if it does, a result of other photos is not shown.
      progress.failed('The photos changed during the run: its result was dropped. Press Recolour.');
      state.lastError = { code: 'stale', message: 'the photos changed during the run' };
      return;
    }
    const runInfo = { params, paramsVersion, inputs, targetSize: target.size, referenceSize: reference.size, total, targetName: inputs.target.name, intermediatesSkipped: fields.intermediates.checked && tooLargeForIntermediates, memoryBytes: result.backend.memoryBytes ?? null, workerGeneration: result.backend.workerGeneration ?? null };
    state.lastResult = result;
    state.lastRun = runInfo;
    progress.done(`Done in ${formatMs(total)}.`);
    announce(`Done in ${formatMs(total)}. The result is shown below.`);
    showFeaturesStatus(result.backend.features);
    showCoreStatus();
    showTimings(result, total);
    showSizes();
    await showResult(result, runInfo);
  } catch (error) {
    if (error?.name === 'AbortError') {
      state.lastError = { code: 'aborted', message: 'cancelled' };
      progress.failed('Cancelled. Ready for another run.');
      announce('Cancelled.');
      // The package stopped its worker; get a fresh one ready in the background.
      warmUp({ force: true });
      showMessage('info', 'Cancelled.', state.lastResult ? 'The result shown is of the previous run.' : 'Nothing was changed; you can run again.');
    } else {
      const [title, detail] = explainError(error);
      state.lastError = { code: error?.code ?? 'internal', message: error?.message ?? String(error), where: 'transfer' };
      progress.failed('Stopped by an error.');
      showMessage('error', title, detail);
      console.error(error);
    }
    showFeaturesStatus();
  } finally {
    state.running = false;
    state.controller = null;
    document.body.classList.remove('running');
    setPickersLocked(false);
    const focusOnCancel = document.activeElement === cancelButton || document.activeElement === document.body || document.activeElement === null;
    updateRunButton();
    if (focusOnCancel && !runButton.disabled) runButton.focus({ preventScroll: true });
    hooks.idle();
    // Parameters changed during the run: run again with them (unless this run failed).
    if (state.lastResult && !state.lastError && state.paramsVersion !== paramsVersion) scheduleAutoRun();
  }
}

export function cancel() {
  state.controller?.abort();
}

let autoTimer = 0;

/** A parameter changed: after a first result of these photos, run again once typing pauses. */
export function parametersChanged() {
  state.paramsVersion += 1;
  if (state.lastResult) scheduleAutoRun();
}

function scheduleAutoRun() {
  clearTimeout(autoTimer);
  autoTimer = window.setTimeout(() => {
    // A run in progress picks the change up when it ends (see run()).
    if (state.running || !state.lastResult || state.lastRun?.paramsVersion === state.paramsVersion) return;
    void run({ auto: true });
  }, AUTO_RUN_DELAY_MS);
}
