// What the page knows, shared by its modules; exposed as window.__supercolor for tests and the
// curious. Also the two helpers every module uses: $ (an element by id) and the URL options.
import * as api from 'supercolor';

export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** URL options: ?features=webgpu|wasm|auto, ?core=threads|simd|auto, ?maxSide=N, ?nosw, ?nowarmup, ?releaseIdleMs=N, ?releaseAboveMB=N */
export const query = new URLSearchParams(location.search);

/** The method's defaults: the package's `defaultParams()` (its one parameter schema). */
export const DEFAULTS = Object.freeze(api.defaultParams());

/**
 * Superpixels K the core uses when the field is empty, for an image of width x height as the page
 * sends it: the package's formula on the size the core analyses (its working resolution).
 */
export function autoSuperpixels(width, height) {
  const size = api.analysisSize(DEFAULTS, width, height);
  return api.requestedSuperpixels({ superpixels: 0 }, size.width * size.height);
}

export const state = {
  ready: false,
  /** @type {api.ColorTransfer | null} */
  engine: null,
  engineOptions: null,
  isolation: null,
  /** The chosen photos: {blob, name, width, height, bitmap} per side. */
  inputs: { target: null, reference: null },
  running: false,
  controller: null,
  stagesSeen: [],
  /** Every progress event of the current run: {stage, fraction, t (ms since the run began)}. */
  progressLog: [],
  progress: { stage: null, fraction: 0, overall: 0 },
  /**
   * The result shown, and the run it came from (kept together: labels read the run).
   * @type {api.TransferResult | null}
   */
  lastResult: null,
  lastRun: null,
  lastError: null,
  /** The features backend of the last transfer that finished (result or warm-up). */
  knownFeatures: null,
  afterMode: 'result',
  selectedSuperpixel: -1,
  selectedAttentionRow: null,
  selectedAttention: null,
  status: {},
  offline: { state: 'unknown' },
  webgpuAdapter: null,
  warmup: null,
  logs: [],
  cspViolations: [],
  runs: 0,
  /** Bumped by every parameter change; a run remembers the version it read. */
  paramsVersion: 0,
  autoRuns: 0,
};
window.__supercolor = state;
document.addEventListener('securitypolicyviolation', (event) => state.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));
