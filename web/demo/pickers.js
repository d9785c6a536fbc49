// The two photo boxes: file choice, drag and drop, paste, the example pair. Each box shows its
// photo whole (letterboxed), its size and orientation, and its own errors (announced). While a
// run is in progress the boxes are locked: a photo offered then is refused with a message.
import { ImageReadError, drawThumb, formatBytes, readImage } from './images.js';
import { $, state } from './state.js';

const EXAMPLE_URL = new URL('../example/example.json', import.meta.url);
const SIDES = /** @type {const} */ (['target', 'reference']);
const LOCKED_TEXT = 'A run is in progress: wait for it to finish, or press Cancel, to change the photos.';

/** Called with the side whose photo changed (wired by main.js). */
let onChange = (_side) => {};
let onIntent = () => {};

function elements(side) {
  return {
    picker: $(`picker-${side}`),
    thumb: /** @type {HTMLCanvasElement} */ ($(`${side}-thumb`)),
    placeholder: $(`${side}-placeholder`),
    meta: $(`${side}-meta`),
    badge: $(`${side}-badge`),
    error: $(`${side}-error`),
    file: /** @type {HTMLInputElement} */ ($(`${side}-file`)),
  };
}

export function orientation(width, height) {
  return width === height ? 'square' : width > height ? 'landscape' : 'portrait';
}

/** An error shown in the photo box itself (role=alert: announced), brought into view. */
export function showPickerError(side, text) {
  const el = elements(side);
  el.error.textContent = text;
  el.error.hidden = false;
  el.picker.classList.add('has-error');
  el.picker.setAttribute('aria-invalid', 'true');
  // Where the user is looking is the box they used; bring the message fully into view.
  const r = el.error.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) el.error.scrollIntoView({ block: 'center', behavior: 'auto' });
}

export function clearPickerError(side) {
  const el = elements(side);
  el.error.hidden = true;
  el.error.textContent = '';
  el.picker.classList.remove('has-error');
  el.picker.removeAttribute('aria-invalid');
}

export function renderPicker(side) {
  const input = state.inputs[side];
  const el = elements(side);
  el.picker.classList.toggle('has-image', Boolean(input));
  el.thumb.hidden = !input;
  el.placeholder.hidden = Boolean(input);
  el.badge.hidden = !input;
  if (input) {
    drawThumb(el.thumb, input.bitmap);
    const shape = orientation(input.width, input.height);
    el.badge.textContent = `${input.width}×${input.height} · ${shape}`;
    el.thumb.setAttribute('aria-label', `${side} photo, ${input.width}×${input.height} pixels, ${shape}`);
    el.meta.textContent = `${input.name} · ${input.width}×${input.height} (${(input.width * input.height / 1e6).toFixed(1)} MP, ${shape}) · ${formatBytes(input.blob.size)}`;
  } else {
    el.meta.textContent = 'No image yet';
  }
}

/** Redraws the thumbnails at their box's size (after a resize). */
export function redrawThumbs() {
  for (const side of SIDES) if (state.inputs[side]) drawThumb(elements(side).thumb, state.inputs[side].bitmap);
}

/** Locks (or unlocks) the boxes, the swap and the example while a run is in progress. */
export function setPickersLocked(locked) {
  for (const side of SIDES) {
    const el = elements(side);
    el.file.disabled = locked;
    el.picker.classList.toggle('locked', locked);
    if (locked) el.picker.setAttribute('aria-disabled', 'true');
    else el.picker.removeAttribute('aria-disabled');
  }
  /** @type {HTMLButtonElement} */ ($('swap-button')).disabled = locked;
  /** @type {HTMLButtonElement} */ ($('example-button')).disabled = locked;
}

/** Reads a photo into a side. Resolves true when it was taken. */
export async function setImage(side, blob, name) {
  if (state.running) {
    showPickerError(side, LOCKED_TEXT);
    return false;
  }
  onIntent();
  try {
    const input = await readImage(blob, name);
    if (state.running) {
      // A run started while the photo was being decoded: it keeps the photos it started with.
      input.bitmap.close();
      showPickerError(side, LOCKED_TEXT);
      return false;
    }
    state.inputs[side]?.bitmap?.close?.();
    state.inputs[side] = input;
    clearPickerError(side);
    renderPicker(side);
    onChange(side);
    return true;
  } catch (error) {
    const text = error instanceof ImageReadError ? error.message : `“${name}” could not be opened: ${error.message}`;
    state.lastError = { code: 'decode_failed', message: text, where: 'input', side };
    showPickerError(side, `The ${side} was not changed. ${text}`);
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
  const { picker, file: fileInput } = elements(side);
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void setImage(side, file, file.name);
    fileInput.value = '';
  });
  picker.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = state.running ? 'none' : 'copy';
    if (!state.running) picker.classList.add('dragover');
  });
  picker.addEventListener('dragleave', (event) => {
    if (!picker.contains(/** @type {Node} */ (event.relatedTarget))) picker.classList.remove('dragover');
  });
  picker.addEventListener('drop', (event) => {
    event.preventDefault();
    picker.classList.remove('dragover');
    const file = imageFromTransfer(event.dataTransfer);
    if (file) void setImage(side, file, file.name || 'dropped image');
    else showPickerError(side, 'Nothing to use in what was dropped: drop an image file (PNG, JPEG, WebP).');
  });
  // A tap or click on the photo area chooses a file too (the hint on touch screens says so).
  picker.querySelector('.dropzone').addEventListener('click', () => {
    if (state.running) showPickerError(side, LOCKED_TEXT);
    else fileInput.click();
  });
  picker.addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ' ') && event.target === picker) {
      event.preventDefault();
      if (state.running) showPickerError(side, LOCKED_TEXT);
      else fileInput.click();
    }
  });
}

export async function loadExample() {
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
    showPickerError('target', `The example could not be loaded: ${error.message}`);
  } finally {
    button.disabled = state.running;
  }
}

/** The paste hint names the shortcut of this device's keyboard, and none on touch screens. */
function showPasteHint() {
  const touch = matchMedia('(pointer: coarse)').matches && !matchMedia('(any-pointer: fine)').matches;
  const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  const hint = $('paste-hint');
  hint.replaceChildren();
  if (touch) {
    hint.textContent = 'Tap a box to choose a photo, or paste one into the box that has focus.';
    return;
  }
  const kbd = (text) => Object.assign(document.createElement('kbd'), { textContent: text });
  hint.append('Drop an image on a box, choose a file, or paste (', kbd(mac ? '⌘' : 'Ctrl'), '+', kbd('V'), ') into the box that has focus.');
}

/**
 * Wires both boxes, paste, swap and the example. `changed(side)` after a photo is taken;
 * `intent()` when the user starts choosing (the engine warms up then).
 */
export function wirePickers({ changed, intent }) {
  onChange = changed;
  onIntent = intent;
  for (const side of SIDES) wirePicker(side);
  showPasteHint();
  document.addEventListener('paste', (event) => {
    const file = imageFromTransfer(event.clipboardData);
    if (!file) return;
    const focused = /** @type {HTMLElement | null | undefined} */ (document.activeElement?.closest?.('.picker'));
    const side = focused?.dataset.side ?? (!state.inputs.target ? 'target' : !state.inputs.reference ? 'reference' : 'target');
    event.preventDefault();
    void setImage(side, file, file.name && file.name !== 'image.png' ? file.name : 'pasted image');
  });
  // Dropping outside a box must not navigate away from the page.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());
  $('example-button').addEventListener('click', () => {
    onIntent();
    void loadExample();
  });
  $('swap-button').addEventListener('click', () => {
    if (state.running) return;
    [state.inputs.target, state.inputs.reference] = [state.inputs.reference, state.inputs.target];
    for (const side of SIDES) {
      clearPickerError(side);
      renderPicker(side);
    }
    onChange('both');
  });
}
