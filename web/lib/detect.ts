// Feature detection: what this environment can run, and why a downgrade happens. No Node module
// is imported here: the browser entry uses this file.

export const isNode: boolean =
  typeof process !== 'undefined' && typeof process.versions === 'object' && process.versions !== null && typeof process.versions.node === 'string';

// The smallest module using a SIMD instruction: (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export function hasWasmSimd(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Whether the threaded core can run here; `reason` says why not. */
export function threadSupport(): { ok: boolean; reason?: string } {
  if (typeof SharedArrayBuffer === 'undefined') {
    return { ok: false, reason: 'SharedArrayBuffer is unavailable (the page is not cross-origin isolated: serve it with COOP: same-origin and COEP: require-corp)' };
  }
  if (!isNode && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
    return { ok: false, reason: 'the page is not cross-origin isolated (COOP/COEP headers missing)' };
  }
  try {
    // Shared memory must be constructible (some embedders expose the constructor but forbid it).
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return { ok: false, reason: 'shared WebAssembly memory is not allowed here' };
  }
  return { ok: true };
}

/** Logical processors the browser reports (navigator.hardwareConcurrency; 4 when it does not say). Node: node-host.ts. */
export function browserThreads(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 4;
}

/** Whether navigator.gpu offers an adapter (browsers only). */
export async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}
