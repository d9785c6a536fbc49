// The consumer app's page logic, the same in every app (each app's main.js imports it with the
// package as that app gets it). Recolours the pattern pair, draws the result, and exposes it for
// the test as window.__supercolor = {ok, data (base64 RGBA), width, height, backend, logs, ...}.
import { makePair } from './pattern.js';

function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export async function run({ createColorTransfer }, options = {}) {
  // For the test's failure checks: one transfer with these options; {ok} or the error's {code, message}.
  window.__supercolorTry = async (tryOptions) => {
    try {
      const ct = await createColorTransfer({ ...options, ...tryOptions, logger: () => undefined });
      const { target, reference } = makePair();
      await ct.transfer(target, reference);
      ct.dispose();
      return { ok: true };
    } catch (error) {
      return { ok: false, code: error?.code, message: String(error?.message ?? error) };
    }
  };
  const logs = [];
  const status = document.getElementById('status');
  try {
    const { target, reference } = makePair();
    // The target as ImageData, the reference as a PNG Blob (decoded in the worker).
    const canvas = new OffscreenCanvas(reference.width, reference.height);
    canvas.getContext('2d').putImageData(new ImageData(reference.data, reference.width, reference.height), 0, 0);
    const referenceBlob = await canvas.convertToBlob({ type: 'image/png' });
    const ct = await createColorTransfer({ ...options, logger: (level, message) => logs.push(`${level}: ${message}`) });
    const result = await ct.transfer(new ImageData(target.data, target.width, target.height), referenceBlob);
    const view = document.querySelector('canvas');
    view.width = result.width;
    view.height = result.height;
    // result.data goes straight into ImageData (its own ArrayBuffer, never shared memory).
    view.getContext('2d').putImageData(new ImageData(result.data, result.width, result.height), 0, 0);
    ct.dispose();
    status.textContent = `done: ${result.backend.core} core, features on ${result.backend.features}`;
    window.__supercolor = { ok: true, width: result.width, height: result.height, data: base64(new Uint8Array(result.data.buffer)), backend: result.backend, logs, crossOriginIsolated: self.crossOriginIsolated };
  } catch (error) {
    status.textContent = `failed: ${error.message}`;
    window.__supercolor = { ok: false, name: error?.name, code: error?.code, message: String(error?.message ?? error), logs };
  }
}
