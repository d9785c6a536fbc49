// Defaults and validation of the method's parameters, before any work starts. Every fact about a
// parameter (name, type, default, range) comes from PARAM_SCHEMA, generated from the C++ core's
// table (src/core/params.cpp) by tools/gen-params.mjs; the same table validates again in the core.
import { SupercolorError } from './errors.js';
import { PARAM_SCHEMA, type ParamSpec, type ResolvedParams, type TransferParams } from './params.generated.js';
import type { LayerName } from './types.js';

export { PARAM_SCHEMA };
export type { ParamSpec, ResolvedParams, TransferParams };

const BY_NAME = new Map<string, ParamSpec>(PARAM_SCHEMA.map((spec) => [spec.name, spec]));

/** VGG-19 layers whose features can be matched (the choices of `layers`). */
export const LAYERS: readonly LayerName[] = BY_NAME.get('layers')!.choices as readonly LayerName[];

function copy<T>(value: T): T {
  return Array.isArray(value) ? ([...value] as T) : value;
}

/** Every parameter at its default (a fresh object). */
export function defaultParams(): ResolvedParams {
  return Object.fromEntries(PARAM_SCHEMA.map((spec) => [spec.name, copy(spec.default)])) as unknown as ResolvedParams;
}

/** The defaults, frozen. */
export const DEFAULT_PARAMS: Readonly<ResolvedParams> = Object.freeze(defaultParams());

function invalid(message: string): never {
  throw new SupercolorError('invalid_argument', message);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an Array`;
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

function rangeText(spec: ParamSpec): string {
  return `${spec.minExclusive ? '(' : '['}${spec.min}, ${spec.max}]`;
}

function inRange(spec: ParamSpec, v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (spec.minExclusive ? v > spec.min! : v >= spec.min!) && v <= spec.max!;
}

/** Checks one value against its row; throws SupercolorError('invalid_argument') naming it. */
export function checkParam(spec: ParamSpec, value: unknown): void {
  const name = spec.name;
  switch (spec.type) {
    case 'integer':
      if (!inRange(spec, value) || !Number.isInteger(value)) invalid(`${name} must be an integer in ${rangeText(spec)}, got ${describe(value)}`);
      return;
    case 'number':
      if (spec.keyword !== undefined && value === spec.keyword) return;
      if (inRange(spec, value) || (spec.allowInfinity && value === Infinity)) return;
      invalid(`${name} must be a number in ${rangeText(spec)}${spec.allowInfinity ? ' or Infinity' : ''}${spec.keyword ? ` or '${spec.keyword}'` : ''}, got ${describe(value)}`);
    case 'boolean':
      if (typeof value !== 'boolean') invalid(`${name} must be true or false, got ${describe(value)}`);
      return;
    case 'choice':
      if (typeof value !== 'string' || !spec.choices!.includes(value)) invalid(`${name} must be one of ${spec.choices!.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`);
      return;
    case 'integerList':
      if (!Array.isArray(value) || value.length === 0 || value.length > spec.maxLength!) invalid(`${name} must be an array of 1 to ${spec.maxLength} integers in ${rangeText(spec)}`);
      value.forEach((v, i) => {
        if (!inRange(spec, v) || !Number.isInteger(v)) invalid(`${name}[${i}] must be an integer in ${rangeText(spec)}, got ${describe(v)}`);
      });
      return;
    case 'choiceList': {
      const choices = spec.choices!;
      if (!Array.isArray(value) || value.length === 0 || value.length > spec.maxLength!) invalid(`${name} must be a non-empty array of ${choices.map((c) => `'${c}'`).join(', ')}`);
      const seen = new Set<unknown>();
      for (const v of value) {
        if (typeof v !== 'string' || !choices.includes(v)) invalid(`unknown ${name} entry ${describe(v)} (expected ${choices.join(', ')})`);
        if (seen.has(v)) invalid(`${name} entry "${v}" given twice`);
        seen.add(v);
      }
      return;
    }
  }
}

/** Fills defaults and validates; throws SupercolorError('invalid_argument') naming the bad value. */
export function resolveParams(params: TransferParams = {}): ResolvedParams {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) invalid('params must be an object');
  const resolved = defaultParams() as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(params)) {
    const spec = BY_NAME.get(key);
    if (!spec) invalid(`unknown parameter "${key}" (known: ${[...BY_NAME.keys()].join(', ')})`);
    if (value === undefined) continue;
    checkParam(spec, value);
    resolved[key] = copy(value);
  }
  return resolved as unknown as ResolvedParams;
}

/** SLIC's K requested for an image of n pixels (method.md §1.1: round(3·√n) when superpixels is 0). */
export function requestedSuperpixels(params: Pick<ResolvedParams, 'superpixels'>, pixels: number): number {
  return params.superpixels > 0 ? params.superpixels : Math.round(3 * Math.sqrt(pixels));
}

/**
 * The size (pixels) at which the core analyses an image of width x height: the image itself up to
 * `analysisMegapixels` megapixels, else both sides scaled by sqrt(limit / pixels) and rounded
 * down (at least 1). The same rule as the core's working_size (src/core/resample.cpp); a Node
 * test checks the two agree through `result.analysis`.
 */
export function analysisSize(params: Pick<ResolvedParams, 'analysisMegapixels'>, width: number, height: number): { width: number; height: number } {
  const limit = params.analysisMegapixels * 1e6;
  const pixels = width * height;
  if (!(pixels > limit)) return { width, height };
  const scale = Math.sqrt(limit / pixels);
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/** Image-dependent checks: K must not exceed the pixel count of either image. */
export function checkParamsForImages(p: ResolvedParams, pixelCounts: number[]): void {
  for (const n of pixelCounts) {
    if (p.superpixels > n) invalid(`superpixels (${p.superpixels}) exceeds the pixel count of an image (${n})`);
  }
}
