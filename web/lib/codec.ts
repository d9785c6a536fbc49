// PNG/JPEG decoding and encoding on the caller's thread, through the non-threaded core build
// (libjpeg-turbo decodes JPEGs, as browsers do; stb_image / stb_image_write the rest). Node only (exported by the Node entry, node.ts): browsers have
// their own decoders (createImageBitmap) and encoders (canvas.convertToBlob).
import { loadCore } from './loader.js';
import type { CoreModule } from './core.js';
import { errorCode, SupercolorError } from './errors.js';
import type { RgbaImage } from './types.js';
import { checkRgbaPixels } from './validate-image.js';

let core: Promise<CoreModule> | undefined;

function codecCore(): Promise<CoreModule> {
  core ??= loadCore(new URL('../wasm/supercolor-simd.mjs', import.meta.url).href, 'simd');
  core.catch(() => (core = undefined));
  return core;
}

function rethrow(error: unknown, fallback: 'decode_failed' | 'encode_failed'): never {
  const e = error as { code?: string; message?: string };
  throw new SupercolorError(e.code === undefined ? fallback : errorCode(e.code), e.message ?? String(error));
}

function pixels(image: RgbaImage, what: string): Uint8Array {
  const data = checkRgbaPixels(image, what);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Decodes the bytes of a PNG/JPEG/BMP/... file to sRGB RGBA: an embedded ICC colour profile
 * (Adobe RGB, Display P3, ...) is converted to sRGB with Little CMS, JPEG EXIF orientation is
 * applied. JPEGs are decoded with libjpeg-turbo (baseline, progressive, arithmetic-coded; grey,
 * RGB, CMYK), to the same pixels as Chromium's decoder. A profile that cannot be used, or JPEG
 * data that is corrupt or ends early (decoded as far as it goes), does not fail the decode:
 * `warnings` says so. Throws SupercolorError('decode_failed' | 'image_too_large'); decode_failed
 * names JPEG codings that are not read (lossless, hierarchical, 12-bit) and how to convert them.
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbaImage & { data: Uint8Array; warnings: string[] }> {
  const c = await codecCore();
  try {
    return c.decodeImage(bytes);
  } catch (error) {
    rethrow(error, 'decode_failed');
  }
}

/** Encodes RGBA pixels (`{data, width, height}`, e.g. a transfer's result) as a PNG file's bytes, tagged sRGB (an sRGB chunk). */
export async function encodePng(image: RgbaImage): Promise<Uint8Array> {
  const data = pixels(image, 'encodePng');
  const c = await codecCore();
  try {
    return c.encodePng(data, image.width, image.height);
  } catch (error) {
    rethrow(error, 'encode_failed');
  }
}

/** Encodes RGBA pixels as a baseline JPEG file's bytes, tagged sRGB (an sRGB ICC profile); quality 1..100 (default 90); alpha is dropped. */
export async function encodeJpeg(image: RgbaImage, quality = 90): Promise<Uint8Array> {
  const data = pixels(image, 'encodeJpeg');
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new SupercolorError('invalid_argument', `encodeJpeg: quality must be an integer in [1, 100], got ${String(quality)}`);
  const c = await codecCore();
  try {
    return c.encodeJpeg(data, image.width, image.height, quality);
  } catch (error) {
    rethrow(error, 'encode_failed');
  }
}
