// The Result card: the before/after comparison (fitted to the viewport, zoom and pan), the
// reference, the method's inner views (boundaries, direct matching, attention) and the download.
// Every label reads the run the result came from (state.lastRun), never the current inputs.
import { bitmapPixels, encodeImage, floatRgbToRgba, putRgba } from './images.js';
import { AttentionView, clearCanvas, drawBoundaries } from './views.js';
import { ZoomView } from './zoom.js';
import { $, state } from './state.js';
import { formatMs } from './status.js';

/** Largest working image (pixels) for which the intermediate results are kept. */
export const INTERMEDIATES_MAX_PIXELS = 6_000_000;

const canvas = (id) => /** @type {HTMLCanvasElement} */ ($(id));

// ---------------------------------------------------------------- attention

const attention = new AttentionView({
  target: canvas('attention-target'),
  reference: canvas('attention-reference'),
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

export function renderAttention() {
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

// ---------------------------------------------------------------- before / after

const converted = new Map();

function afterPixels(result, mode) {
  const i = result.intermediates;
  if (mode === 'result' || !i) return result.data;
  if (!converted.has(mode)) {
    const source = mode === 'direct' ? i.direct : i.fused;
    // Intermediates are at the working resolution (the target's analysed size).
    converted.set(mode, floatRgbToRgba(source, i.targetRgba.width, i.targetRgba.height, i.targetRgba.data));
  }
  return converted.get(mode);
}

function renderAfter() {
  const result = state.lastResult;
  if (!result) return;
  const i = result.intermediates;
  const [w, h] = state.afterMode === 'result' || !i ? [result.width, result.height] : [i.targetRgba.width, i.targetRgba.height];
  putRgba(canvas('after-canvas'), afterPixels(result, state.afterMode), w, h);
  const names = { result: 'after', direct: 'direct matching', fused: 'before regrain' };
  $('after-tag').textContent = names[state.afterMode];
  $('after-canvas').setAttribute('aria-label', state.afterMode === 'result' ? 'Recoloured result' : state.afterMode === 'direct' ? 'Direct matching: each target superpixel painted with c(i)' : 'Fused colours before regrain');
}

let boundariesTimer = 0;
export function renderBoundaries() {
  const result = state.lastResult;
  const on = /** @type {HTMLInputElement} */ ($('boundaries-toggle')).checked;
  const overlays = ['before-overlay', 'after-overlay', 'reference-overlay'].map(canvas);
  const i = result?.intermediates;
  if (!on || !i) {
    overlays.forEach(clearCanvas);
    return;
  }
  drawBoundaries(overlays[0], i.labelsTarget, i.targetRgba.width, i.targetRgba.height);
  drawBoundaries(overlays[1], i.labelsTarget, i.targetRgba.width, i.targetRgba.height);
  drawBoundaries(overlays[2], i.labelsReference, i.referenceRgba.width, i.referenceRgba.height);
}

function divider() {
  return Number(/** @type {HTMLInputElement} */ ($('compare-range')).value);
}

/** Places the divider: `value`% of the frame's width shows the target, in every zoom. */
function updateDivider() {
  const v = divider();
  const { frameWidth } = zoom.view;
  const x = zoom.width ? Math.max(0, Math.min(100, (zoom.imageX((v / 100) * frameWidth) / zoom.width) * 100)) : v;
  $('after-clip').style.clipPath = `inset(0 0 0 ${x}%)`;
  $('compare-handle').style.left = `${v}%`;
  $('compare-range').setAttribute('aria-valuetext', `${v}% target, ${100 - v}% ${state.afterMode === 'result' ? 'result' : state.afterMode}`);
}

const zoom = new ZoomView({
  container: $('compare'),
  frame: $('compare-frame'),
  stage: $('compare-stage'),
  onChange: () => {
    updateDivider();
    const { scale } = zoom.view;
    $('zoom-level').textContent = `${Math.round(scale * (window.devicePixelRatio || 1) * 100)}%`;
    $('zoom-fit').setAttribute('aria-pressed', String(zoom.mode === 'fit'));
    $('zoom-actual').setAttribute('aria-pressed', String(Math.abs(scale - ZoomView.actualSize()) < 1e-6));
    // Boundaries are drawn at the on-screen resolution: redraw once the zoom settles.
    clearTimeout(boundariesTimer);
    boundariesTimer = window.setTimeout(renderBoundaries, 150);
  },
});
export { zoom };

function wireCompare() {
  const range = /** @type {HTMLInputElement} */ ($('compare-range'));
  range.addEventListener('input', updateDivider);
  // Shift+arrows pan a zoomed view (plain arrows move the divider).
  range.addEventListener('keydown', (event) => {
    const step = 60;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    const move = moves[event.key];
    if (!event.shiftKey || !move || !zoom.view.zoomed) return;
    event.preventDefault();
    zoom.panBy(move[0], move[1]);
  });
  // While zoomed, dragging pans; the divider's knob still moves it.
  const knob = $('compare-knob');
  let dragging = null;
  knob.addEventListener('pointerdown', (event) => {
    dragging = event.pointerId;
    knob.setPointerCapture(event.pointerId);
    event.preventDefault();
    event.stopPropagation();
  });
  knob.addEventListener('pointermove', (event) => {
    if (dragging !== event.pointerId) return;
    const rect = $('compare-frame').getBoundingClientRect();
    range.value = String(Math.round(Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width)) * 100));
    updateDivider();
  });
  const stop = (event) => {
    if (dragging === event.pointerId) dragging = null;
  };
  knob.addEventListener('pointerup', stop);
  knob.addEventListener('pointercancel', stop);
  $('zoom-fit').addEventListener('click', () => zoom.zoomTo('fit'));
  $('zoom-actual').addEventListener('click', () => zoom.zoomTo(ZoomView.actualSize()));
  $('zoom-in').addEventListener('click', () => zoom.zoomIn());
  $('zoom-out').addEventListener('click', () => zoom.zoomOut());
  updateDivider();
}

export function setAfterMode(mode) {
  state.afterMode = mode;
  for (const m of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name=after-mode]'))) m.checked = m.value === mode;
  renderAfter();
  updateDivider();
}

// ---------------------------------------------------------------- showing and clearing

/** What a label says of a photo of a run: name, size, and the working size when it differs. */
function describe(input, used) {
  const base = `${input.name} · ${input.width}×${input.height}`;
  return used.width !== input.width || used.height !== input.height ? `${base}, worked at ${used.width}×${used.height}` : base;
}

/**
 * Shows a result with the run it came from: {inputs, targetSize, referenceSize, total, params,
 * intermediatesSkipped}.
 */
export async function showResult(result, run) {
  converted.clear();
  const i = result.intermediates;
  const section = $('result-section');
  const firstShown = section.hidden;
  section.hidden = false;
  // Before = the exact pixels the method used; reference likewise.
  if (i && i.targetRgba.width === result.width && i.targetRgba.height === result.height) {
    putRgba(canvas('before-canvas'), i.targetRgba.data, i.targetRgba.width, i.targetRgba.height);
    putRgba(canvas('reference-canvas'), i.referenceRgba.data, i.referenceRgba.width, i.referenceRgba.height);
  } else {
    const pixels = await bitmapPixels(run.inputs.target.bitmap, result.width, result.height);
    putRgba(canvas('before-canvas'), pixels.data, result.width, result.height);
    const ref = await bitmapPixels(run.inputs.reference.bitmap, run.referenceSize.width, run.referenceSize.height);
    putRgba(canvas('reference-canvas'), ref.data, ref.width, ref.height);
  }
  $('compare-caption').textContent = describe(run.inputs.target, { width: result.width, height: result.height });
  $('reference-caption').textContent = describe(run.inputs.reference, run.referenceSize);
  $('result-summary').textContent = `Done in ${formatMs(run.total)}.`;
  zoom.setSize(result.width, result.height);
  renderAfter();

  // Views that need the intermediates.
  const note = $('views-note');
  const modes = /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name=after-mode]'));
  const boundaries = /** @type {HTMLInputElement} */ ($('boundaries-toggle'));
  const attentionToggle = /** @type {HTMLInputElement} */ ($('attention-toggle'));
  for (const m of modes) m.disabled = !i && m.value !== 'result';
  boundaries.disabled = !i;
  attentionToggle.disabled = !i?.attention;
  if (!i && run.intermediatesSkipped) {
    note.textContent = `Intermediate results are not kept for images over ${INTERMEDIATES_MAX_PIXELS / 1e6} megapixels (they would take several copies of the image in memory); choose a working size of 2048 px or less under Parameters to explore the method.`;
  } else if (!i) {
    note.textContent = 'Turn on “keep intermediate results” under Parameters and run again to see the superpixels, the direct matching and the attention.';
  } else if (!i.attention) {
    note.textContent = `The attention view needs at most 4096 superpixels per image (this run: ${i.superpixelsTarget} and ${i.superpixelsReference}); lower K under Parameters.`;
  } else {
    note.textContent = `${i.superpixelsTarget} target and ${i.superpixelsReference} reference superpixels; ${i.channels} feature channels.`;
  }
  note.hidden = false;
  if (!i) setAfterMode('result');
  attention.clear();
  if (!i?.attention) attentionToggle.checked = false;
  /** @type {HTMLButtonElement} */ ($('download-button')).disabled = false;
  /** @type {HTMLButtonElement} */ ($('lut-button')).disabled = !result.lut;
  $('lut-fit').textContent = result.lut ? `3D LUT ${result.lut.size}³ reproduces it to ΔE2000 ${result.lut.meanDeltaE2000.toFixed(1)} on average (95 % within ${result.lut.p95DeltaE2000.toFixed(1)})` : '';
  requestAnimationFrame(() => {
    renderBoundaries();
    renderAttention();
  });
  if (firstShown) section.scrollIntoView({ behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth', block: 'start' });
}

/** Removes the result and everything that describes it (a new pair of photos). */
export function clearResult() {
  state.lastResult = null;
  state.lastRun = null;
  converted.clear();
  attention.clear();
  zoom.reset();
  state.selectedSuperpixel = -1;
  state.selectedAttentionRow = null;
  state.selectedAttention = null;
  $('result-section').hidden = true;
  for (const id of ['before-canvas', 'after-canvas', 'reference-canvas', 'before-overlay', 'after-overlay', 'reference-overlay', 'attention-target', 'attention-reference']) {
    // A 0×0 canvas gives its pixels back.
    canvas(id).width = 0;
    canvas(id).height = 0;
  }
  for (const id of ['compare-caption', 'reference-caption', 'result-summary', 'attention-info', 'lut-fit']) $(id).textContent = '';
  /** @type {HTMLButtonElement} */ ($('download-button')).disabled = true;
  /** @type {HTMLButtonElement} */ ($('lut-button')).disabled = true;
  /** @type {HTMLInputElement} */ ($('attention-toggle')).checked = false;
  $('attention-panel').hidden = true;
}

// ---------------------------------------------------------------- download

function downloadFormat() {
  const format = /** @type {HTMLSelectElement} */ ($('download-format')).value === 'jpeg' ? 'jpeg' : 'png';
  const quality = Number(/** @type {HTMLInputElement} */ ($('download-quality')).value) / 100;
  return { format, quality };
}

export function downloadName(run, format) {
  const base = (run?.inputs.target.name ?? 'image').replace(/\.[a-z0-9]+$/i, '').replace(/[\\/:*?"<>|]+/g, '_') || 'image';
  return `${base}-supercolor.${format === 'jpeg' ? 'jpg' : 'png'}`;
}

async function download() {
  const result = state.lastResult;
  if (!result) return;
  const { format, quality } = downloadFormat();
  const blob = await encodeImage(result.data, result.width, result.height, format, quality);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = downloadName(state.lastRun, format);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The result's 3D LUT as a .cube file (to reuse the look in video editors, ffmpeg, …). */
function downloadLut() {
  const lut = state.lastResult?.lut;
  if (!lut) return;
  const url = URL.createObjectURL(new Blob([lut.cube], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = downloadName(state.lastRun, 'png').replace(/\.png$/, '.cube');
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function showQuality() {
  const { format } = downloadFormat();
  $('download-quality-field').hidden = format !== 'jpeg';
  $('download-quality-value').textContent = `${/** @type {HTMLInputElement} */ ($('download-quality')).value}`;
  $('download-label').textContent = format === 'jpeg' ? 'Download JPEG' : 'Download PNG';
}

export function wireResults() {
  wireCompare();
  $('download-button').addEventListener('click', () => void download());
  $('lut-button').addEventListener('click', downloadLut);
  $('download-format').addEventListener('change', showQuality);
  $('download-quality').addEventListener('input', showQuality);
  showQuality();
  for (const m of document.querySelectorAll('input[name=after-mode]')) {
    m.addEventListener('change', () => setAfterMode(/** @type {HTMLInputElement} */ (m).value));
  }
  $('boundaries-toggle').addEventListener('change', renderBoundaries);
  $('attention-toggle').addEventListener('change', renderAttention);
  let resizeTimer = 0;
  const relayout = () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => zoom.layout(), 100);
  };
  new ResizeObserver(relayout).observe($('compare'));
  window.addEventListener('resize', relayout);
}
