// Types for web/lib/features/index.mjs.

export type FeatureLayer = 'relu1_2' | 'relu2_1' | 'relu2_2' | 'relu3_1';
export type BackendName = 'node' | 'webgpu' | 'wasm';

export interface LayerGeometry {
  name: FeatureLayer;
  channels: number;
  /** Cell k covers input pixels [stride·k, stride·k + stride − 1] per axis. */
  stride: number;
  /** Cell k depends on input pixels [stride·k − margin, stride·k + stride − 1 + margin]. */
  margin: number;
}

export interface ModelEntry {
  file: string;
  deepest: FeatureLayer;
  outputs: { name: FeatureLayer; channels: number; stride: number }[];
  size: number;
  sha256: string;
}

export interface ModelManifest {
  schema: number;
  models: ModelEntry[];
  [key: string]: unknown;
}

export interface BackendOptions {
  /**
   * One backend, or an ordered list to try; default: node → wasm in Node, webgpu → wasm in
   * browsers. A backend that is not available (webgpu: no navigator.gpu adapter) is skipped; one
   * whose session creation fails falls back to the next, with the reason logged.
   */
  backend?: BackendName | BackendName[];
  /** intra-op threads (node) / ort.env.wasm.numThreads (webgpu, wasm; effective before the first session only). */
  numThreads?: number;
  /** ort.env.wasm.wasmPaths for onnxruntime-web. */
  wasmPaths?: string | Record<string, string>;
  /** Receives the reason of each fallback after a failed session creation; default console.warn. */
  log?: (message: string) => void;
}

export interface FeatureSession {
  /** The backend actually used. */
  backend: BackendName;
  /** Why backends tried before `backend` were not used ("webgpu: not available (…)", "webgpu: session creation failed (…)"). */
  skipped: string[];
  ort: any;
  session: any;
  entry: ModelEntry;
  inputName: string;
  outputs: FeatureLayer[];
  geometry: Record<string, LayerGeometry>;
  release(): Promise<void>;
}

/**
 * Feature block: cell (c, r, x) is data[c·planeStride + r·rowStride + x], global cell (y0 + r, x0 + x)
 * of the layer's grid. `data` is valid only during the call.
 */
export type FeatureSink = (
  layer: FeatureLayer,
  y0: number,
  x0: number,
  rows: number,
  cols: number,
  data: Float32Array,
  rowStride: number,
  planeStride: number,
) => void | Promise<void>;

export interface TilePlan {
  stride: number;
  halo: number;
  tiles: { y0: number; y1: number; x0: number; x1: number; core: { y0: number; y1: number; x0: number; x1: number } }[];
  layers: Record<string, { channels: number; stride: number; margin: number; height: number; width: number }>;
}

export const FEATURE_LAYERS: readonly FeatureLayer[];
export const CAFFE_MEAN_BGR: readonly [number, number, number];
export const VGG19_EARLY: readonly ({ op: 'conv'; name: string; tensor: string; in: number; out: number } | { op: 'pool'; name: string })[];
export const BACKEND_NAMES: readonly BackendName[];
export const DEFAULT_TILE_SIZE: number;

export function layerGeometry(layer: FeatureLayer): LayerGeometry;
export function layerSize(layer: FeatureLayer, n: number): number;
export function deepestLayer(layers: FeatureLayer[]): FeatureLayer;
export function modelOutputs(deepest: FeatureLayer): FeatureLayer[];
export function modelFileName(deepest: FeatureLayer): string;

export function defaultBackendOrder(): BackendName[];
export function createSessionOnBestBackend(
  modelBytes: Uint8Array,
  opts?: BackendOptions,
): Promise<{
  backend: BackendName;
  ort: any;
  session: any;
  skipped: string[];
  /** WebGPU: the largest tile side whose intermediates fit the device's buffer limits (extractFeatures applies it). */
  maxTileSize?: number;
}>;

export class ModelIntegrityError extends Error {
  code: 'MODEL_INTEGRITY';
}
export function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string>;
export function selectModel(manifest: ModelManifest, layers: FeatureLayer[]): ModelEntry;
export function verifyModelBytes(bytes: Uint8Array | ArrayBuffer, entry: ModelEntry): Promise<Uint8Array>;
export function createFeatureSession(
  modelBytes: Uint8Array | ArrayBuffer,
  entry: ModelEntry,
  opts?: BackendOptions,
): Promise<FeatureSession>;

export function planTiles(height: number, width: number, layers: FeatureLayer[], opts?: { tileSize?: number }): TilePlan;
export function extractFeatures(
  session: FeatureSession,
  image: Float32Array,
  opts: {
    height: number;
    width: number;
    layers: FeatureLayer[];
    sink: FeatureSink;
    /**
     * Largest tile side in input pixels, halo included (default 512); on WebGPU capped so that the
     * largest intermediate (64·tileH·tileW·4 bytes) fits maxStorageBufferBindingSize / maxBufferSize.
     */
    tileSize?: number;
    onTile?: (done: number, total: number) => void;
  },
): Promise<{ backend: BackendName; tiles: number; halo: number; /** The tile side used (after the backend's cap). */ tileSize: number; layers: TilePlan['layers'] }>;
