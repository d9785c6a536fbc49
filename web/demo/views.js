// The method's inner workings on canvases: superpixel boundaries and the attention heat map.

/** Magma-like colour map, 256 RGB entries (the legend in style.css uses the same stops). */
const STOPS = [
  [0, 0, 4],
  [59, 15, 112],
  [140, 41, 129],
  [222, 73, 104],
  [254, 159, 109],
  [252, 253, 191],
];
export const COLORMAP = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (STOPS.length - 1);
    const k = Math.min(STOPS.length - 2, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(STOPS[k][c] * (1 - f) + STOPS[k + 1][c] * f);
  }
  return lut;
})();

/** Brightness of the target outside the selected superpixel. */
const DIM = 0.3;

function devicePixelSize(canvas) {
  const rect = canvas.getBoundingClientRect();
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  return { width: Math.round(rect.width * dpr), height: Math.round(rect.height * dpr) };
}

/**
 * Draws the boundaries of a label map (H×W) on an overlay canvas, at the canvas's on-screen
 * resolution so lines stay one device pixel wide whatever the zoom. Returns false when the
 * canvas is not laid out (hidden).
 */
export function drawBoundaries(canvas, labels, width, height) {
  const size = devicePixelSize(canvas);
  if (size.width < 2 || size.height < 2) return false;
  const cw = size.width;
  const ch = size.height;
  canvas.width = cw;
  canvas.height = ch;
  const context = canvas.getContext('2d');
  const image = context.createImageData(cw, ch);
  const d = image.data;
  const xs = new Int32Array(cw + 1);
  for (let x = 0; x <= cw; x++) xs[x] = Math.min(width - 1, Math.floor(((Math.min(x, cw - 1) + 0.5) * width) / cw));
  const ys = new Int32Array(ch + 1);
  for (let y = 0; y <= ch; y++) ys[y] = Math.min(height - 1, Math.floor(((Math.min(y, ch - 1) + 0.5) * height) / ch));
  for (let y = 0; y < ch; y++) {
    const row = ys[y] * width;
    const next = ys[y + 1] * width;
    for (let x = 0; x < cw; x++) {
      const l = labels[row + xs[x]];
      if (l !== labels[row + xs[x + 1]] || l !== labels[next + xs[x]]) {
        const o = 4 * (y * cw + x);
        d[o] = 255;
        d[o + 1] = 255;
        d[o + 2] = 255;
        d[o + 3] = 215;
        // A soft dark edge beside the white line keeps it visible on bright areas.
        if (x + 1 < cw && d[o + 7] === 0) {
          d[o + 4] = 0;
          d[o + 5] = 0;
          d[o + 6] = 0;
          d[o + 7] = 70;
        }
      }
    }
  }
  context.putImageData(image, 0, 0);
  return true;
}

export function clearCanvas(canvas) {
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

/** Pixel lists per label (CSR): pixels of label l are index[offset[l] .. offset[l+1]). */
function groupByLabel(labels, count) {
  const offset = new Int32Array(count + 1);
  for (let p = 0; p < labels.length; p++) offset[labels[p] + 1]++;
  for (let l = 0; l < count; l++) offset[l + 1] += offset[l];
  const fill = offset.slice(0, count);
  const index = new Int32Array(labels.length);
  for (let p = 0; p < labels.length; p++) index[fill[labels[p]]++] = p;
  return { offset, index };
}

/**
 * Interactive attention view: pick a target superpixel i, see A(i, ·) as a heat map over the
 * reference superpixels. The row shown is kept for inspection (tests read it back).
 */
export class AttentionView {
  /**
   * @param {{target: HTMLCanvasElement, reference: HTMLCanvasElement, onSelect: (info: object) => void}} options
   */
  constructor({ target, reference, onSelect }) {
    this.targetCanvas = target;
    this.referenceCanvas = reference;
    this.onSelect = onSelect;
    this.data = null;
    this.selected = -1;
    this.cursor = null;
    this.pending = -1;
    this.frame = 0;
    target.addEventListener('pointermove', (event) => this.pick(event, false));
    target.addEventListener('pointerdown', (event) => this.pick(event, true));
    target.addEventListener('keydown', (event) => this.key(event));
  }

  /** @param {{attention: Float32Array, nT: number, nR: number, labelsT: Int32Array, labelsR: Int32Array,
   *           target: {data: Uint8Array|Uint8ClampedArray, width: number, height: number},
   *           reference: {data: Uint8Array|Uint8ClampedArray, width: number, height: number},
   *           directColors: Float32Array}} data */
  setData(data) {
    this.data = data;
    const { target, reference, labelsT, nT } = data;
    this.groups = groupByLabel(labelsT, nT);
    // Centroids (for keyboard navigation and the info line).
    const cx = new Float64Array(nT);
    const cy = new Float64Array(nT);
    const count = new Int32Array(nT);
    for (let p = 0; p < labelsT.length; p++) {
      const l = labelsT[p];
      cx[l] += p % target.width;
      cy[l] += Math.floor(p / target.width);
      count[l]++;
    }
    for (let l = 0; l < nT; l++) {
      cx[l] /= Math.max(1, count[l]);
      cy[l] /= Math.max(1, count[l]);
    }
    this.centroids = { cx, cy, count };
    // The target, dimmed, as the base of the selection display.
    this.targetImage = new ImageData(target.width, target.height);
    const t = this.targetImage.data;
    const src = target.data;
    for (let o = 0; o < t.length; o += 4) {
      t[o] = src[o] * DIM + 10;
      t[o + 1] = src[o + 1] * DIM + 10;
      t[o + 2] = src[o + 2] * DIM + 14;
      t[o + 3] = 255;
    }
    this.targetCanvas.width = target.width;
    this.targetCanvas.height = target.height;
    this.targetCanvas.getContext('2d').putImageData(this.targetImage, 0, 0);
    // The reference in grey, under the heat map.
    const n = reference.width * reference.height;
    this.grey = new Uint8Array(n);
    const r = reference.data;
    for (let p = 0; p < n; p++) this.grey[p] = Math.round(0.299 * r[4 * p] + 0.587 * r[4 * p + 1] + 0.114 * r[4 * p + 2]);
    this.referenceImage = new ImageData(reference.width, reference.height);
    this.referenceCanvas.width = reference.width;
    this.referenceCanvas.height = reference.height;
    this.selected = -1;
    this.cursor = null;
  }

  clear() {
    this.data = null;
    this.selected = -1;
  }

  pick(event, isClick) {
    if (!this.data) return;
    if (event.pointerType === 'touch' && !isClick) return;
    const rect = this.targetCanvas.getBoundingClientRect();
    const { width, height } = this.data.target;
    const x = Math.min(width - 1, Math.max(0, Math.floor(((event.clientX - rect.left) / rect.width) * width)));
    const y = Math.min(height - 1, Math.max(0, Math.floor(((event.clientY - rect.top) / rect.height) * height)));
    this.cursor = { x, y };
    const label = this.data.labelsT[y * width + x];
    if (isClick) {
      this.targetCanvas.focus({ preventScroll: true });
      this.select(label);
    } else {
      this.schedule(label);
    }
  }

  key(event) {
    if (!this.data) return;
    const { width, height } = this.data.target;
    const step = Math.max(1, Math.round(Math.sqrt((width * height) / this.data.nT)));
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (event.key === 'Home') {
      this.cursor = { x: Math.round(this.centroids.cx[0]), y: Math.round(this.centroids.cy[0]) };
      this.select(0);
      event.preventDefault();
      return;
    }
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    if (!this.cursor) {
      this.cursor = this.selected >= 0 ? { x: Math.round(this.centroids.cx[this.selected]), y: Math.round(this.centroids.cy[this.selected]) } : { x: width >> 1, y: height >> 1 };
    } else {
      this.cursor = { x: Math.min(width - 1, Math.max(0, this.cursor.x + move[0])), y: Math.min(height - 1, Math.max(0, this.cursor.y + move[1])) };
    }
    this.select(this.data.labelsT[this.cursor.y * width + this.cursor.x]);
  }

  schedule(label) {
    this.pending = label;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.select(this.pending);
    });
  }

  /** Shows superpixel i's attention. */
  select(i) {
    const data = this.data;
    if (!data || i < 0 || i >= data.nT || i === this.selected) return;
    const { offset, index } = this.groups;
    const t = this.targetImage.data;
    const src = data.target.data;
    const width = data.target.width;
    const labels = data.labelsT;
    // Restore the previously selected superpixel to the dimmed look, light up the new one with an outline.
    if (this.selected >= 0) {
      for (let k = offset[this.selected]; k < offset[this.selected + 1]; k++) {
        const o = 4 * index[k];
        t[o] = src[o] * DIM + 10;
        t[o + 1] = src[o + 1] * DIM + 10;
        t[o + 2] = src[o + 2] * DIM + 14;
      }
    }
    const n = labels.length;
    for (let k = offset[i]; k < offset[i + 1]; k++) {
      const p = index[k];
      const o = 4 * p;
      const x = p % width;
      const edge =
        (x > 0 && labels[p - 1] !== i) || (x < width - 1 && labels[p + 1] !== i) || (p >= width && labels[p - width] !== i) || (p + width < n && labels[p + width] !== i);
      if (edge) {
        t[o] = 255;
        t[o + 1] = 255;
        t[o + 2] = 255;
      } else {
        t[o] = src[o];
        t[o + 1] = src[o + 1];
        t[o + 2] = src[o + 2];
      }
    }
    const context = this.targetCanvas.getContext('2d');
    context.putImageData(this.targetImage, 0, 0);
    // A ring around it, so a small superpixel is found at a glance.
    const pixels = offset[i + 1] - offset[i];
    const scale = this.targetCanvas.width / Math.max(1, this.targetCanvas.getBoundingClientRect().width || this.targetCanvas.width);
    const radius = Math.max(Math.sqrt(pixels / Math.PI) * 1.6, 9 * scale);
    context.save();
    context.beginPath();
    context.arc(this.centroids.cx[i] + 0.5, this.centroids.cy[i] + 0.5, radius, 0, 2 * Math.PI);
    context.lineWidth = 3 * scale;
    context.strokeStyle = 'rgba(0, 0, 0, 0.55)';
    context.stroke();
    context.lineWidth = 1.5 * scale;
    context.strokeStyle = '#ffffff';
    context.stroke();
    context.restore();
    this.selected = i;

    // Heat map of the row A(i, ·), relative to its maximum, on a square-root scale.
    const row = data.attention.subarray(i * data.nR, (i + 1) * data.nR);
    let max = 0;
    let sum = 0;
    for (let j = 0; j < row.length; j++) {
      if (row[j] > max) max = row[j];
      sum += row[j];
    }
    const colour = new Uint8Array(4 * data.nR);
    for (let j = 0; j < data.nR; j++) {
      const v = max > 0 ? Math.sqrt(row[j] / max) : 0;
      const c = Math.min(255, Math.round(v * 255));
      colour[4 * j] = COLORMAP[3 * c];
      colour[4 * j + 1] = COLORMAP[3 * c + 1];
      colour[4 * j + 2] = COLORMAP[3 * c + 2];
      colour[4 * j + 3] = Math.round(v * 255);
    }
    const r = this.referenceImage.data;
    const labelsR = data.labelsR;
    const grey = this.grey;
    for (let p = 0; p < labelsR.length; p++) {
      const j = 4 * labelsR[p];
      // Unattended superpixels: the reference in grey at half brightness; attended ones: the colour map.
      const v = colour[j + 3] / 255;
      const a = v < 0.03 ? 0 : 0.3 + 0.7 * v;
      const g = grey[p] * 0.5 * (1 - a);
      const o = 4 * p;
      r[o] = g + colour[j] * a;
      r[o + 1] = g + colour[j + 1] * a;
      r[o + 2] = g + colour[j + 2] * a;
      r[o + 3] = 255;
    }
    this.referenceCanvas.getContext('2d').putImageData(this.referenceImage, 0, 0);

    const top = Array.from(row, (w, j) => [w, j])
      .sort((a, b) => b[0] - a[0])
      .slice(0, 3);
    const c = data.directColors.subarray(3 * i, 3 * i + 3);
    this.onSelect({
      index: i,
      row: Float32Array.from(row),
      sum,
      max,
      top: top.map(([w, j]) => ({ index: j, weight: w })),
      pixels: offset[i + 1] - offset[i],
      colour: [c[0], c[1], c[2]],
    });
  }
}
