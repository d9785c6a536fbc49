// supercolor demo page: built on the package's public API only (`supercolor`). This file wires
// the page's parts together and boots it:
//   state.js          what the page knows (window.__supercolor), the package's defaults
//   status.js         the status bar and the Run card's messages
//   params-form.js    the Parameters form
//   pickers.js        the two photo boxes (files, drop, paste, example), locked during a run
//   engine.js         the package's engine and its warm-up
//   progress.js       progress bar, stages, elapsed and remaining time, announcements
//   run.js            a run, cancel, automatic re-runs after a parameter change
//   results.js, zoom.js, views.js   the result: before/after with zoom, inner views, download
//   offline-status.js, offline.js   offline use and cross-origin isolation (service worker)
import { startEngine, warmUp } from './engine.js';
import { applyMaxSide, fields, form, resetParams, showStrength, updateAutoK, updateParamsSummary } from './params-form.js';
import { redrawThumbs, wirePickers } from './pickers.js';
import { resetProgress } from './progress.js';
import { clearResult, wireResults } from './results.js';
import { cancel, parametersChanged, run, setRunHooks, updateRunButton } from './run.js';
import { scheduleOfflineCache, showOfflineStatus } from './offline-status.js';
import { ensureIsolation } from './offline.js';
import { $, query, state } from './state.js';
import { clearMessage, explainError, setStatus, showFeaturesStatus, showMessage, showSizes, showTimings } from './status.js';

const warm = () => warmUp({ onStart: scheduleOfflineCache });

/** A photo changed: the old result and everything describing it goes. */
function inputsChanged() {
  clearResult();
  clearMessage();
  showTimings(null);
  updateAutoK();
  showSizes();
  resetProgress('');
  updateRunButton();
}

function wireParameters() {
  $('reset-button').addEventListener('click', () => {
    resetParams();
    void startEngine().catch(() => undefined);
    showFeaturesStatus();
    parametersChanged();
  });
  form.addEventListener('input', (event) => {
    if (event.target === fields.strength) showStrength();
    updateParamsSummary();
    // Number fields report every keystroke as 'input': the automatic re-run is debounced.
    parametersChanged();
  });
  form.addEventListener('change', (event) => {
    if (event.target === fields.sigmaAdaptive) {
      fields.sigmaG.disabled = fields.sigmaAdaptive.checked;
      if (!fields.sigmaAdaptive.checked && !fields.sigmaG.value) fields.sigmaG.value = '1';
    }
    if (event.target === fields.maxSide) {
      updateAutoK();
    }
    if (event.target === $('p-features')) {
      showFeaturesStatus(null);
      if (!state.running) {
        void startEngine().then(
          () => (state.inputs.target || state.inputs.reference ? warm() : undefined),
          () => undefined,
        );
      }
    }
    updateParamsSummary();
    // A change that fired no 'input' event (select, checkbox in some engines) still counts.
    if (!(event.target instanceof HTMLInputElement && (event.target.type === 'number' || event.target.type === 'range'))) parametersChanged();
  });
  form.addEventListener('submit', (event) => event.preventDefault());
}

async function boot() {
  resetParams();
  const features = query.get('features');
  if (features && ['auto', 'webgpu', 'wasm'].includes(features)) /** @type {HTMLSelectElement} */ ($('p-features')).value = features;
  applyMaxSide(Number(query.get('maxSide')));
  wirePickers({ changed: inputsChanged, intent: warm });
  wireResults();
  wireParameters();
  setRunHooks({ idle: scheduleOfflineCache });
  $('run-button').addEventListener('click', () => void run());
  $('cancel-button').addEventListener('click', cancel);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.running) cancel();
  });
  let resizeTimer = 0;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(redrawThumbs, 120);
  }).observe($('picker-target'));

  updateRunButton();
  showSizes();
  showFeaturesStatus();

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
    showFeaturesStatus();
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
