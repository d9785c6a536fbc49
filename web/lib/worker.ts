// The browser worker (a module Worker started by index.ts with
// `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`): the core (loaded by
// URL), the feature model, one transfer at a time. No Node module is imported here (Node's worker
// thread is node-worker.ts).
import { SupercolorError } from './errors.js';
import { fetchBytes } from './fetch.js';
import { loadCoreInBrowser } from './loader-web.js';
import type { ToWorker } from './protocol.js';
import type { RgbaImage } from './types.js';
import { runWorker } from './worker-runtime.js';

async function blobToRgba(blob: Blob, what: string): Promise<RgbaImage> {
  // Browsers decode with their own decoders (EXIF orientation applied by createImageBitmap), and
  // convert an embedded ICC profile (Adobe RGB, Display P3, ...) to the canvas's colour space:
  // asked for explicitly here (colorSpaceConversion 'default', an 'srgb' canvas and ImageData),
  // so the core gets sRGB, as the Node decoder gives it (Little CMS, src/io/color_profile.h).
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', colorSpaceConversion: 'default' });
  } catch (error) {
    throw new SupercolorError('decode_failed', `${what} image: could not decode it: ${(error as Error).message}`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { colorSpace: 'srgb' });
  if (!context) throw new SupercolorError('internal', 'no 2D context for decoding');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const data = context.getImageData(0, 0, canvas.width, canvas.height, { colorSpace: 'srgb' });
  return { data: data.data, width: data.width, height: data.height };
}

const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
};

runWorker(
  {
    post: (message, transfer) => scope.postMessage(message, transfer ?? []),
    listen: (handler) => scope.addEventListener('message', (event) => handler(event.data as ToWorker)),
  },
  {
    loadCore: (config, log) => loadCoreInBrowser(config.assets.core[config.core], config.core, config.threads, log),
    readBytes: fetchBytes,
    decodeBlob: blobToRgba,
    // onnxruntime-web starts its threads as module workers of its own script
    // (new Worker(import.meta.url, { name: 'em-pthread' })). Bundled into an app, that script is
    // the app's chunk that holds it: with Vite's default worker format (iife) that is this
    // worker's bundle, which also holds a second ONNX Runtime build, and the threads never start
    // (the session hangs). So ONNX Runtime runs on one thread unless its own files are served
    // (ortWasmPaths: it then loads its .mjs from there and starts its threads from it).
    featureThreads: (config) => (config.ortWasmPaths ? config.featureThreads : 1),
  },
);
