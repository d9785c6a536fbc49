// Defaults (DESIGN.md §1) and validation of the method's parameters, before any work starts.
import { SupercolorError } from './errors.js';
import type { LayerName, ResolvedParams, TransferParams } from './types.js';

export const LAYERS: readonly LayerName[] = ['relu1_2', 'relu2_1', 'relu2_2', 'relu3_1'];

export const DEFAULT_PARAMS: Readonly<ResolvedParams> = Object.freeze({
  superpixels: 0,
  compactness: 10,
  slicIterations: 10,
  layers: ['relu1_2'] as LayerName[],
  tau: 0.02,
  deltaS: 10,
  deltaC: 0.1,
  epsilon: 1e-4,
  sigmaG: 'adaptive' as const,
  fusionRadius: 0.3,
  regrain: true,
  regrainSmoothness: 1,
  regrainIterations: [4, 16, 32, 64, 64, 64],
});

const KNOWN = new Set(Object.keys(DEFAULT_PARAMS));

function invalid(message: string): never {
  throw new SupercolorError('invalid_argument', message);
}

function finite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(`${name} must be a finite number, got ${String(value)}`);
  return value;
}

function positive(name: string, value: unknown): number {
  const v = finite(name, value);
  if (v <= 0) invalid(`${name} must be > 0, got ${v}`);
  return v;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  const v = finite(name, value);
  if (!Number.isInteger(v) || v < min || v > max) invalid(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

/** Fills defaults and validates; throws SupercolorError('invalid_argument') naming the bad value. */
export function resolveParams(params: TransferParams = {}): ResolvedParams {
  if (params === null || typeof params !== 'object') invalid('params must be an object');
  for (const key of Object.keys(params)) {
    if (!KNOWN.has(key)) invalid(`unknown parameter "${key}" (known: ${[...KNOWN].join(', ')})`);
  }
  const p = { ...DEFAULT_PARAMS, ...Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) } as ResolvedParams;
  integer('superpixels', p.superpixels, 0, 2 ** 31 - 1);
  positive('compactness', p.compactness);
  integer('slicIterations', p.slicIterations, 1, 1000);
  if (!Array.isArray(p.layers) || p.layers.length === 0) invalid('layers must be a non-empty array of layer names');
  const seen = new Set<string>();
  for (const layer of p.layers) {
    if (!LAYERS.includes(layer)) invalid(`unknown layer "${String(layer)}" (expected ${LAYERS.join(', ')})`);
    if (seen.has(layer)) invalid(`layer "${layer}" given twice`);
    seen.add(layer);
  }
  positive('tau', p.tau);
  positive('deltaS', p.deltaS);
  positive('deltaC', p.deltaC);
  positive('epsilon', p.epsilon);
  if (p.sigmaG !== 'adaptive') positive('sigmaG', p.sigmaG);
  if (p.fusionRadius !== Infinity) positive('fusionRadius', p.fusionRadius);
  if (typeof p.regrain !== 'boolean') invalid(`regrain must be a boolean, got ${String(p.regrain)}`);
  positive('regrainSmoothness', p.regrainSmoothness);
  if (!Array.isArray(p.regrainIterations) || p.regrainIterations.length === 0 || p.regrainIterations.length > 16) {
    invalid('regrainIterations must be an array of 1 to 16 iteration counts');
  }
  p.regrainIterations.forEach((n, i) => integer(`regrainIterations[${i}]`, n, 1, 10000));
  return { ...p, layers: [...p.layers], regrainIterations: [...p.regrainIterations] };
}

/** Image-dependent checks: K must not exceed the pixel count of either image. */
export function checkParamsForImages(p: ResolvedParams, pixelCounts: number[]): void {
  for (const n of pixelCounts) {
    if (p.superpixels > n) invalid(`superpixels (${p.superpixels}) exceeds the pixel count of an image (${n})`);
  }
}
