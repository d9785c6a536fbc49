// The Parameters form: defaults from the package, validation with messages at the field, a
// one-line summary, and the automatic superpixel count for the chosen photos.
import { fitSize } from './images.js';
import { $, DEFAULTS, autoSuperpixels, state } from './state.js';
import { featuresWanted } from './status.js';

export const form = /** @type {HTMLFormElement} */ ($('params-form'));
export const fields = {
  superpixels: /** @type {HTMLInputElement} */ ($('p-superpixels')),
  tau: /** @type {HTMLInputElement} */ ($('p-tau')),
  deltaS: /** @type {HTMLInputElement} */ ($('p-deltaS')),
  deltaC: /** @type {HTMLInputElement} */ ($('p-deltaC')),
  sigmaG: /** @type {HTMLInputElement} */ ($('p-sigmaG')),
  sigmaAdaptive: /** @type {HTMLInputElement} */ ($('p-sigmaG-adaptive')),
  regrain: /** @type {HTMLSelectElement} */ ($('p-regrain')),
  strength: /** @type {HTMLInputElement} */ ($('p-strength')),
  preserveLuminance: /** @type {HTMLInputElement} */ ($('p-preserveLuminance')),
  maxSide: /** @type {HTMLSelectElement} */ ($('p-maxSide')),
  intermediates: /** @type {HTMLInputElement} */ ($('p-intermediates')),
};

/** Parameters the package in use knows (newer ones are shown only when it has them). */
const HAS = { strength: 'strength' in DEFAULTS, preserveLuminance: 'preserveLuminance' in DEFAULTS };

export class ParamError extends Error {}

export function resetParams() {
  fields.superpixels.value = DEFAULTS.superpixels ? String(DEFAULTS.superpixels) : '';
  fields.tau.value = String(DEFAULTS.tau);
  fields.deltaS.value = String(DEFAULTS.deltaS);
  fields.deltaC.value = String(DEFAULTS.deltaC);
  fields.sigmaAdaptive.checked = DEFAULTS.sigmaG === 'adaptive';
  fields.sigmaG.value = DEFAULTS.sigmaG === 'adaptive' ? '' : String(DEFAULTS.sigmaG);
  fields.sigmaG.disabled = fields.sigmaAdaptive.checked;
  for (const box of form.querySelectorAll('input[name=layers]')) {
    /** @type {HTMLInputElement} */ (box).checked = /** @type {string[]} */ (DEFAULTS.layers).includes(/** @type {HTMLInputElement} */ (box).value);
  }
  fields.regrain.value = DEFAULTS.regrain;
  $('field-strength').hidden = !HAS.strength;
  $('field-preserveLuminance').hidden = !HAS.preserveLuminance;
  if (HAS.strength) fields.strength.value = String(DEFAULTS.strength);
  if (HAS.preserveLuminance) fields.preserveLuminance.checked = Boolean(DEFAULTS.preserveLuminance);
  showStrength();
  fields.maxSide.value = '0';
  fields.intermediates.checked = true;
  /** @type {HTMLSelectElement} */ ($('p-features')).value = 'auto';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  $('param-error').textContent = '';
  updateParamsSummary();
}

export function showStrength() {
  $('strength-value').textContent = `${Math.round(Number(fields.strength.value) * 100)}%`;
}

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

/** The form as TransferParams. Throws ParamError (and focuses the bad field). */
export function readParams() {
  $('param-error').textContent = '';
  /** @type {import('supercolor').TransferParams} */
  const params = {};
  const k = numberField(fields.superpixels, 'Superpixels', { integer: true, allowEmpty: true });
  if (k !== undefined) params.superpixels = k;
  params.tau = numberField(fields.tau, 'τ');
  params.deltaS = numberField(fields.deltaS, 'δs');
  params.deltaC = numberField(fields.deltaC, 'δc');
  params.sigmaG = fields.sigmaAdaptive.checked ? 'adaptive' : numberField(fields.sigmaG, 'σg');
  const layers = [...form.querySelectorAll('input[name=layers]:checked')].map((box) => /** @type {import('supercolor').LayerName} */ (/** @type {HTMLInputElement} */ (box).value));
  if (layers.length === 0) throw new ParamError('Choose at least one VGG-19 layer.');
  params.layers = layers;
  params.regrain = /** @type {'robust' | 'pitie' | 'none'} */ (fields.regrain.value);
  if (HAS.strength) params.strength = Number(fields.strength.value);
  if (HAS.preserveLuminance) params.preserveLuminance = fields.preserveLuminance.checked;
  return params;
}

/** readParams without moving focus or marking fields (for the summary and automatic re-runs). */
export function readParamsQuiet() {
  const active = document.activeElement;
  const invalid = [...form.querySelectorAll('[aria-invalid]')];
  try {
    return readParams();
  } finally {
    if (document.activeElement !== active && active instanceof HTMLElement) active.focus();
    for (const input of form.querySelectorAll('[aria-invalid]')) if (!invalid.includes(input)) input.removeAttribute('aria-invalid');
  }
}

export function updateParamsSummary() {
  let p;
  try {
    p = readParamsQuiet();
  } catch {
    $('params-summary').textContent = 'check the values';
    return;
  }
  const changed = [];
  if (p.superpixels !== undefined) changed.push(`K = ${p.superpixels}`);
  if (p.tau !== DEFAULTS.tau) changed.push(`τ = ${p.tau}`);
  if (p.deltaS !== DEFAULTS.deltaS) changed.push(`δs = ${p.deltaS}`);
  if (p.deltaC !== DEFAULTS.deltaC) changed.push(`δc = ${p.deltaC}`);
  if (p.sigmaG !== DEFAULTS.sigmaG) changed.push(`σg = ${p.sigmaG}`);
  if (p.layers.join() !== DEFAULTS.layers.join()) changed.push(p.layers.join(' + '));
  if (p.regrain !== DEFAULTS.regrain) changed.push(`regrain ${p.regrain}`);
  if (HAS.strength && p.strength !== DEFAULTS.strength) changed.push(`strength ${Math.round(p.strength * 100)}%`);
  if (HAS.preserveLuminance && p.preserveLuminance !== DEFAULTS.preserveLuminance) changed.push(p.preserveLuminance ? 'luminance kept' : 'luminance changed');
  if (fields.maxSide.value !== '0') changed.push(`≤ ${fields.maxSide.value} px`);
  if (featuresWanted() !== 'auto') changed.push(featuresWanted() === 'webgpu' ? 'WebGPU' : 'wasm');
  $('params-summary').textContent = changed.length ? changed.join(', ') : 'defaults of the paper';
}

export function workingSize(input) {
  return fitSize(input.width, input.height, Number(fields.maxSide.value));
}

export function updateAutoK() {
  const t = state.inputs.target;
  const r = state.inputs.reference;
  const k = (input) => {
    const s = workingSize(input);
    return autoSuperpixels(s.width, s.height);
  };
  $('auto-k').textContent = t && r ? ` (here ${k(t)} and ${k(r)})` : t ? ` (here ${k(t)})` : '';
}

/** Applies ?maxSide=N (adding the choice when the list lacks it). */
export function applyMaxSide(maxSide) {
  if (!Number.isInteger(maxSide) || maxSide <= 0) return;
  if (![...fields.maxSide.options].some((o) => o.value === String(maxSide))) fields.maxSide.add(new Option(`at most ${maxSide} px`, String(maxSide)));
  fields.maxSide.value = String(maxSide);
  updateParamsSummary();
}
