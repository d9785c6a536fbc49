// The one check of caller-given pixels ({data, width, height} RGBA8), at the JS boundary: the
// package's entry points (transfer, applyLut, encodePng, encodeJpeg) call it before any work, so
// a wrong type is named as such instead of surfacing as a size mismatch further down.
import { SupercolorError } from './errors.js';
import type { RgbaImage } from './types.js';

/** What a value is, for messages: 'Array', 'Float32Array', 'null', 'string', ... */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'Object';
}

/**
 * Checks `image` (`what`: 'target image', 'encodePng', ...) and returns its data. Throws
 * SupercolorError('invalid_argument') naming the problem: a size that is not a positive integer,
 * data that is not a Uint8Array or Uint8ClampedArray (a plain Array, a Float32Array, ...), or data
 * of the wrong length.
 */
export function checkRgbaPixels(image: RgbaImage, what: string): Uint8Array | Uint8ClampedArray {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SupercolorError('invalid_argument', `${what} has invalid size ${String(width)}x${String(height)}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new SupercolorError('invalid_argument', `${what} data must be a Uint8Array or Uint8ClampedArray (RGBA, 8 bits per channel), got ${describe(data)}`);
  }
  if (data.length !== 4 * width * height) {
    throw new SupercolorError('invalid_argument', `${what} data must be ${4 * width * height} RGBA bytes (4 x ${width} x ${height}), got ${data.length}`);
  }
  return data;
}
