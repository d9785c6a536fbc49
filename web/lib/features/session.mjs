// Feature-model sessions: pick the model for the requested layers, verify its bytes against the
// manifest (SHA-256 by WebCrypto) before ONNX Runtime sees them, create the session.

import { createSessionOnBestBackend } from './backend.mjs';
import { deepestLayer, layerGeometry } from './vgg.mjs';

/** Error thrown for a model whose bytes do not match the manifest. */
export class ModelIntegrityError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ModelIntegrityError';
    this.code = 'MODEL_INTEGRITY';
  }
}

function asBytes(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError('model bytes must be a Uint8Array or an ArrayBuffer');
}

/** Lower-case hex SHA-256 of `bytes` (WebCrypto: Node >= 20 and browsers in secure contexts). */
export async function sha256Hex(bytes) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('WebCrypto (crypto.subtle) is not available: a secure context (https or localhost) is needed');
  let b = asBytes(bytes);
  // WebCrypto does not accept views of a SharedArrayBuffer (cross-origin-isolated pages, wasm memory).
  if (!(b.buffer instanceof ArrayBuffer)) b = b.slice();
  const digest = new Uint8Array(await subtle.digest('SHA-256', /** @type {Uint8Array<ArrayBuffer>} */ (b)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The manifest entry of the smallest model that computes all `layers`.
 * @param {{models: {file: string, deepest: string, outputs: {name: string}[], size: number, sha256: string}[]}} manifest
 * @param {string[]} layers
 */
export function selectModel(manifest, layers) {
  const deepest = deepestLayer(layers);
  const entry = manifest?.models?.find((m) => m.deepest === deepest);
  if (!entry) throw new Error(`the model manifest has no model for ${deepest}`);
  for (const l of layers) {
    if (!entry.outputs.some((o) => o.name === l)) throw new Error(`${entry.file} does not output ${l}`);
  }
  return entry;
}

/** Throws ModelIntegrityError unless `bytes` are exactly the model described by `entry`. */
export async function verifyModelBytes(bytes, entry) {
  const b = asBytes(bytes);
  if (b.byteLength !== entry.size) {
    throw new ModelIntegrityError(
      `feature model ${entry.file} is ${b.byteLength} bytes, expected ${entry.size}` +
        `${b.byteLength < entry.size ? ' (truncated download?)' : ''}; refusing to load it`,
    );
  }
  const sha = await sha256Hex(b);
  if (sha !== entry.sha256) {
    throw new ModelIntegrityError(
      `feature model ${entry.file} has sha256 ${sha}, expected ${entry.sha256} (corrupted, or built from other ` +
        'weights / another builder version); refusing to load it',
    );
  }
  return b;
}

/**
 * Verifies the model bytes and creates an ONNX Runtime session on the best available backend.
 * @param {Uint8Array | ArrayBuffer} modelBytes
 * @param {object} entry  the model's manifest entry (see selectModel)
 * @param {{backend?: string | string[], numThreads?: number, wasmPaths?: string | object}} [opts]
 * @returns {Promise<FeatureSession>}
 */
export async function createFeatureSession(modelBytes, entry, opts = {}) {
  const bytes = await verifyModelBytes(modelBytes, entry);
  const { backend, ort, session, skipped } = await createSessionOnBestBackend(bytes, opts);
  const outputs = entry.outputs.map((o) => o.name);
  for (const name of outputs) {
    if (!session.outputNames.includes(name)) throw new Error(`${entry.file}: the session has no output ${name}`);
  }
  return {
    backend,
    skipped,
    ort,
    session,
    entry,
    inputName: session.inputNames[0],
    outputs,
    geometry: Object.fromEntries(outputs.map((l) => [l, layerGeometry(l)])),
    release: () => session.release(),
  };
}

/**
 * @typedef {object} FeatureSession
 * @property {string} backend      the backend actually used ('node' | 'wasm')
 * @property {string[]} skipped    why backends tried before it were not used
 * @property {any} ort             the ONNX Runtime module
 * @property {any} session         the InferenceSession
 * @property {object} entry        the manifest entry of the model
 * @property {string} inputName
 * @property {string[]} outputs    layers the model outputs
 * @property {Record<string, {name: string, channels: number, stride: number, margin: number}>} geometry
 * @property {() => Promise<void>} release
 */
