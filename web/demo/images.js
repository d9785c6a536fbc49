// Reading the user's images: decoding for previews, downscaling, drawing pixels to canvases.

/** Smallest side accepted: smaller "photos" are mistakes (a pasted icon, a tracking pixel). */
export const MIN_SIDE = 8;

export class ImageReadError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ImageReadError';
  }
}

export function formatBytes(n) {
  if (!Number.isFinite(n)) return '?';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Decodes a Blob/File for preview. Resolves with {blob, name, width, height, bitmap}; rejects
 * with an ImageReadError whose message a person can act on.
 */
export async function readImage(blob, name) {
  const label = name || 'the image';
  if (!(blob instanceof Blob)) throw new ImageReadError(`${label} is not a file.`);
  if (blob.size === 0) throw new ImageReadError(`“${label}” is empty (0 bytes).`);
  if (blob.type && !blob.type.startsWith('image/')) {
    throw new ImageReadError(`“${label}” is not an image (its type is ${blob.type}). Choose a PNG, JPEG or WebP photo.`);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch {
    throw new ImageReadError(`“${label}” could not be decoded (${formatBytes(blob.size)}): the file is damaged or is not really an image. Choose a PNG, JPEG or WebP photo.`);
  }
  if (bitmap.width < MIN_SIDE || bitmap.height < MIN_SIDE) {
    const size = `${bitmap.width}×${bitmap.height}`;
    bitmap.close();
    throw new ImageReadError(`“${label}” is only ${size} pixels: too small to recolour. Photos need at least ${MIN_SIDE}×${MIN_SIDE} pixels.`);
  }
  return { blob, name: label, width: bitmap.width, height: bitmap.height, bitmap };
}

/** Size that fits within maxSide on the longer side (unchanged when maxSide is 0 or larger). */
export function fitSize(width, height, maxSide) {
  if (!maxSide || Math.max(width, height) <= maxSide) return { width, height, scaled: false };
  const scale = maxSide / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), scaled: true };
}

/** RGBA pixels of a bitmap, optionally resized (high-quality downscale). */
export async function bitmapPixels(bitmap, width = bitmap.width, height = bitmap.height) {
  let source = bitmap;
  if (width !== bitmap.width || height !== bitmap.height) {
    source = await createImageBitmap(bitmap, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(source, 0, 0);
  if (source !== bitmap) source.close();
  return context.getImageData(0, 0, width, height);
}

/** Draws a bitmap into a thumbnail canvas at a size matching its CSS box (device pixels). */
export function drawThumb(canvas, bitmap) {
  const box = canvas.parentElement.getBoundingClientRect();
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  const fit = fitSize(bitmap.width, bitmap.height, Math.round(Math.max(box.width, box.height, 240) * dpr));
  canvas.width = fit.width;
  canvas.height = fit.height;
  const context = canvas.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, fit.width, fit.height);
}

/** Puts RGBA bytes into a canvas of the same size. */
export function putRgba(canvas, data, width, height) {
  canvas.width = width;
  canvas.height = height;
  const copy = new Uint8ClampedArray(width * height * 4);
  copy.set(data.subarray ? data.subarray(0, copy.length) : data);
  canvas.getContext('2d').putImageData(new ImageData(copy, width, height), 0, 0);
}

/** H×W×3 float RGB in [0,1] (not necessarily clamped) to RGBA bytes, alpha from `alpha` or 255. */
export function floatRgbToRgba(rgb, width, height, alpha) {
  const n = width * height;
  const out = new Uint8ClampedArray(4 * n);
  for (let p = 0; p < n; p++) {
    out[4 * p] = Math.round(rgb[3 * p] * 255);
    out[4 * p + 1] = Math.round(rgb[3 * p + 1] * 255);
    out[4 * p + 2] = Math.round(rgb[3 * p + 2] * 255);
    out[4 * p + 3] = alpha ? alpha[4 * p + 3] : 255;
  }
  return out;
}

/**
 * The result as a file at full resolution: PNG (lossless, alpha kept) or JPEG (`quality` in
 * (0, 1]; JPEG has no alpha, so transparent pixels are laid on white).
 */
export async function encodeImage(data, width, height, format = 'png', quality = 0.92) {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  const pixels = new ImageData(new Uint8ClampedArray(data), width, height);
  if (format === 'jpeg') {
    const layer = new OffscreenCanvas(width, height);
    layer.getContext('2d').putImageData(pixels, 0, 0);
    context.fillStyle = '#fff';
    context.fillRect(0, 0, width, height);
    context.drawImage(layer, 0, 0);
    return canvas.convertToBlob({ type: 'image/jpeg', quality });
  }
  context.putImageData(pixels, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
