// A zoomable, pannable view of an image-sized stage (the before/after comparison): it fits the
// whole image in the space the page has (width of its container, most of the viewport's
// height) whatever its aspect ratio, and zooms to 100 % (one image pixel per device pixel) and
// beyond, panning by drag, by Shift+arrow keys, or by double-click to zoom at a point.

/** Share of the viewport's height the view may take. */
const MAX_HEIGHT_SHARE = 0.78;
const MIN_HEIGHT = 160;
const ZOOM_STEP = 2;

export class ZoomView {
  /**
   * @param {{container: HTMLElement, frame: HTMLElement, stage: HTMLElement, onChange?: () => void}} parts
   *   container: gives the available width; frame: the clipping box (sized here); stage: holds
   *   the image-sized layers (transformed here).
   */
  constructor({ container, frame, stage, onChange = () => {} }) {
    this.container = container;
    this.frame = frame;
    this.stage = stage;
    this.onChange = onChange;
    this.width = 0;
    this.height = 0;
    /** @type {'fit' | number} 'fit' or a scale (CSS px per image px). */
    this.mode = 'fit';
    this.tx = 0;
    this.ty = 0;
    this.view = { scale: 1, fit: 1, frameWidth: 0, frameHeight: 0 };
    this.drag = null;
    frame.addEventListener('pointerdown', (event) => this.pointerDown(event));
    frame.addEventListener('pointermove', (event) => this.pointerMove(event));
    frame.addEventListener('pointerup', (event) => this.pointerUp(event));
    frame.addEventListener('pointercancel', (event) => this.pointerUp(event));
    frame.addEventListener('dblclick', (event) => {
      const rect = frame.getBoundingClientRect();
      this.toggle({ x: event.clientX - rect.left, y: event.clientY - rect.top });
    });
  }

  /** The scale of 100 %: one image pixel per device pixel. */
  static actualSize() {
    return 1 / (window.devicePixelRatio || 1);
  }

  /** A new image: shown whole; one of the same size (a re-run) keeps the zoom and position. */
  setSize(width, height) {
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.mode = 'fit';
    }
    this.layout();
  }

  /** Forgets the image (the next one starts fitted). */
  reset() {
    this.width = 0;
    this.height = 0;
    this.mode = 'fit';
  }

  space() {
    const available = Math.max(1, this.container.clientWidth);
    const maxHeight = Math.max(MIN_HEIGHT, Math.round(window.innerHeight * MAX_HEIGHT_SHARE));
    return { available, maxHeight };
  }

  layout() {
    if (!this.width || !this.height) return;
    const { available, maxHeight } = this.space();
    const fit = Math.min(available / this.width, maxHeight / this.height);
    const scale = this.mode === 'fit' ? fit : this.mode;
    const shownWidth = this.width * scale;
    const shownHeight = this.height * scale;
    const frameWidth = Math.round(Math.min(available, shownWidth));
    const frameHeight = Math.round(Math.min(maxHeight, shownHeight));
    // Centre what is smaller than the frame; keep the rest inside it.
    this.tx = shownWidth <= frameWidth ? (frameWidth - shownWidth) / 2 : Math.min(0, Math.max(frameWidth - shownWidth, this.tx));
    this.ty = shownHeight <= frameHeight ? (frameHeight - shownHeight) / 2 : Math.min(0, Math.max(frameHeight - shownHeight, this.ty));
    this.frame.style.width = `${frameWidth}px`;
    this.frame.style.height = `${frameHeight}px`;
    this.stage.style.width = `${this.width}px`;
    this.stage.style.height = `${this.height}px`;
    this.stage.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${scale})`;
    const zoomed = scale > fit * 1.001;
    this.frame.classList.toggle('zoomed', zoomed);
    this.frame.classList.toggle('pixels', scale >= ZoomView.actualSize() * 0.999);
    this.view = { scale, fit, frameWidth, frameHeight, zoomed };
    this.onChange();
  }

  /** Zooms to `scale` (or 'fit') keeping the image point under `anchor` (frame px) in place. */
  zoomTo(scale, anchor) {
    const { scale: old, frameWidth, frameHeight } = this.view;
    const a = anchor ?? { x: frameWidth / 2, y: frameHeight / 2 };
    const ix = (a.x - this.tx) / old;
    const iy = (a.y - this.ty) / old;
    this.mode = scale;
    const next = scale === 'fit' ? this.view.fit : scale;
    this.tx = a.x - ix * next;
    this.ty = a.y - iy * next;
    this.layout();
  }

  toggle(anchor) {
    this.zoomTo(this.view.zoomed ? 'fit' : ZoomView.actualSize(), anchor);
  }

  zoomBy(factor) {
    const next = Math.min(ZoomView.actualSize() * 8, Math.max(this.view.fit, this.view.scale * factor));
    this.zoomTo(next <= this.view.fit * 1.001 ? 'fit' : next);
  }

  zoomIn() {
    this.zoomBy(ZOOM_STEP);
  }

  zoomOut() {
    this.zoomBy(1 / ZOOM_STEP);
  }

  panBy(dx, dy) {
    this.tx += dx;
    this.ty += dy;
    this.layout();
  }

  /** Image x (0..width) at frame x. */
  imageX(frameX) {
    return (frameX - this.tx) / this.view.scale;
  }

  pointerDown(event) {
    if (!this.view.zoomed || event.button !== 0 || /** @type {Element} */ (event.target).closest('[data-no-pan]')) return;
    this.drag = { id: event.pointerId, x: event.clientX, y: event.clientY };
    this.frame.setPointerCapture(event.pointerId);
    this.frame.classList.add('panning');
    event.preventDefault();
  }

  pointerMove(event) {
    if (!this.drag || event.pointerId !== this.drag.id) return;
    const dx = event.clientX - this.drag.x;
    const dy = event.clientY - this.drag.y;
    this.drag.x = event.clientX;
    this.drag.y = event.clientY;
    this.panBy(dx, dy);
  }

  pointerUp(event) {
    if (!this.drag || event.pointerId !== this.drag.id) return;
    this.drag = null;
    this.frame.classList.remove('panning');
  }
}
