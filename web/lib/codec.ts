// PNG/JPEG decoding and encoding on the caller's thread, through the non-threaded core build
// (stb_image / stb_image_write). For Node, where there is no browser decoder.
import { loadCore } from './loader.js';
import type { CoreModule } from './core.js';
import { errorCode, SupercolorError } from './errors.js';
import type { RgbaImage } from './types.js';

let core: Promise<CoreModule> | undefined;

function codecCore(): Promise<CoreModule> {
  core ??= loadCore(new URL('../wasm/supercolor-simd.mjs', import.meta.url).href, 'simd');
  return core;
}

function rethrow(error: unknown, fallback: 'decode_failed' | 'encode_failed'): never {
  const e = error as { code?: string; message?: string };
  throw new SupercolorError(e.code === undefined ? fallback : errorCode(e.code), e.message ?? String(error));
}

/** Decodes PNG/JPEG/... bytes to RGBA (JPEG EXIF orientation applied). */
export async function decodeImage(bytes: Uint8Array): Promise<RgbaImage & { data: Uint8Array }> {
  const c = await codecCore();
  try {
    return c.decodeImage(bytes);
  } catch (error) {
    rethrow(error, 'decode_failed');
  }
}

/** Encodes RGBA pixels as PNG. */
export async function encodePng(image: RgbaImage): Promise<Uint8Array> {
  const c = await codecCore();
  try {
    return c.encodePng(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height);
  } catch (error) {
    rethrow(error, 'encode_failed');
  }
}
