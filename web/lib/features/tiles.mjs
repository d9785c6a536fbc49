// Tiled feature extraction: the image is cut into overlapping tiles, the model runs per tile, and
// the valid interior of each tile's feature maps goes to a sink. The stitched interiors equal the
// whole-image feature maps exactly (up to float rounding), and each feature cell is delivered once.
//
// Why it is exact. For a layer of stride s and margin m (vgg.mjs: layerGeometry), cell k depends
// only on input pixels [s·k−m, s·k+s−1+m]. Tiles are laid out on a grid of "cores" that partition
// the image; core boundaries and tile origins are multiples of S, the largest stride requested,
// so every tile's pooling grid coincides with the whole image's. A tile is its core plus a halo
// of h ≥ max m pixels (rounded up to a multiple of S) on every side, clipped to the image. A cell
// of a core then sees exactly the pixels it sees in the whole image: real pixels inside the image
// and, where the tile touches the image border, the same zero padding; pooling floors at the
// bottom/right image border the same way because the tile ends where the image ends, at an
// origin that is a multiple of S. Cells whose cone reaches a tile edge inside the image (where
// the tile's own zero padding or floor would differ) lie in the halo and are not delivered.

import { sessionTileLimit } from './backend.mjs';
import { deepestLayer, layerGeometry, layerSize } from './vgg.mjs';

export const DEFAULT_TILE_SIZE = 512;

/**
 * The tile side extractFeatures uses: the requested one (default DEFAULT_TILE_SIZE), capped by the
 * backend's limit (WebGPU buffer limits, see maxTileSizeForLimits in backend.mjs). The cap does
 * not change the result, only how many tiles it takes.
 * @param {number | undefined} requested
 * @param {number | undefined} limit
 */
export function effectiveTileSize(requested, limit) {
  const t = requested ?? DEFAULT_TILE_SIZE;
  return limit !== undefined && Number.isInteger(t) && t > limit ? limit : t;
}

/** Splits [0, n) into cores of at most `maxUnits` units of S pixels (last one may be partial). */
function splitAxis(n, S, maxUnits) {
  const units = Math.ceil(n / S);
  const count = Math.ceil(units / maxUnits);
  const cuts = [];
  for (let i = 0; i <= count; i++) cuts.push(Math.min(n, Math.floor((i * units) / count) * S));
  const out = [];
  for (let i = 0; i < count; i++) out.push([cuts[i], cuts[i + 1]]);
  return out;
}

/**
 * Plans the tiles for an image of `height` x `width` and the requested layers.
 * @param {number} height
 * @param {number} width
 * @param {string[]} layers
 * @param {{tileSize?: number}} [opts]  tileSize: largest tile side in input pixels, halo included
 * @returns {{stride: number, halo: number, tiles: {y0: number, y1: number, x0: number, x1: number,
 *            core: {y0: number, y1: number, x0: number, x1: number}}[],
 *            layers: Record<string, {channels: number, stride: number, margin: number, height: number, width: number}>}}
 */
export function planTiles(height, width, layers, opts = {}) {
  const tileSize = opts.tileSize ?? DEFAULT_TILE_SIZE;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new Error(`invalid image size ${width}x${height}`);
  }
  const geo = layers.map(layerGeometry);
  const S = Math.max(...geo.map((g) => g.stride));
  const maxMargin = Math.max(...geo.map((g) => g.margin));
  const halo = Math.ceil(maxMargin / S) * S;
  if (height < S || width < S) {
    throw new Error(`image ${width}x${height} is too small for ${deepestLayer(layers)} (needs at least ${S}x${S} pixels)`);
  }
  if (!Number.isInteger(tileSize) || tileSize < 2 * halo + S) {
    throw new Error(`tileSize must be an integer >= ${2 * halo + S} for ${layers.join(', ')} (got ${tileSize})`);
  }
  const maxUnits = Math.floor((tileSize - 2 * halo) / S);
  // An axis that fits in one tile is not split.
  const rows = height <= tileSize ? [[0, height]] : splitAxis(height, S, maxUnits);
  const cols = width <= tileSize ? [[0, width]] : splitAxis(width, S, maxUnits);
  const tiles = [];
  for (const [cy0, cy1] of rows) {
    for (const [cx0, cx1] of cols) {
      tiles.push({
        y0: Math.max(0, cy0 - halo),
        y1: Math.min(height, cy1 + halo),
        x0: Math.max(0, cx0 - halo),
        x1: Math.min(width, cx1 + halo),
        core: { y0: cy0, y1: cy1, x0: cx0, x1: cx1 },
      });
    }
  }
  /** @type {Record<string, {channels: number, stride: number, margin: number, height: number, width: number}>} */
  const layerInfo = {};
  for (const g of geo) {
    layerInfo[g.name] = {
      channels: g.channels,
      stride: g.stride,
      margin: g.margin,
      height: layerSize(g.name, height),
      width: layerSize(g.name, width),
    };
  }
  return { stride: S, halo, tiles, layers: layerInfo };
}

/** Copies the [y0,y1)x[x0,x1) window of a planar [3,H,W] image. */
function cropPlanar(image, height, width, y0, y1, x0, x1) {
  const th = y1 - y0;
  const tw = x1 - x0;
  const out = new Float32Array(3 * th * tw);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < th; y++) {
      const src = (c * height + y0 + y) * width + x0;
      out.set(image.subarray(src, src + tw), (c * th + y) * tw);
    }
  }
  return out;
}

/** Cells of a layer of stride s owned by the core [c0, c1) of an axis of n pixels. */
function ownedCells(c0, c1, n, s, size) {
  const k0 = c0 / s;
  const k1 = c1 === n ? size : c1 / s;
  return [k0, Math.max(k0, k1)];
}

/**
 * Sink for feature tiles. Cell (c, r, x) of the delivered block, for r < rows and x < cols, is
 * `data[c * planeStride + r * rowStride + x]`; it is the layer's feature at global cell
 * (y0 + r, x0 + c) in the layer's own grid (stride s: it covers pixels [s·(y0+r), s·(y0+r)+s−1]).
 * `data` is a view into the tile's output and is only valid during the call (copy what you keep).
 * May return a promise, which is awaited before the next tile runs.
 * @callback FeatureSink
 * @param {string} layer
 * @param {number} y0
 * @param {number} x0
 * @param {number} rows
 * @param {number} cols
 * @param {Float32Array} data
 * @param {number} rowStride
 * @param {number} planeStride
 * @returns {void | Promise<void>}
 */

/**
 * Runs the feature model over `image` tile by tile and hands each tile's valid interior to `sink`.
 * @param {import('./session.mjs').FeatureSession} fs   from createFeatureSession
 * @param {Float32Array} image   RGB in [0,1], channel-planar [3, height, width]
 * @param {{height: number, width: number, layers: string[], sink: FeatureSink, tileSize?: number,
 *          onTile?: (done: number, total: number) => void}} opts  tileSize is capped by the
 *          backend's limit (WebGPU buffer sizes); the result reports the one used
 * @returns {Promise<{backend: string, tiles: number, halo: number, tileSize: number, layers: object}>}
 */
export async function extractFeatures(fs, image, opts) {
  const { height, width, layers, sink } = opts;
  if (!(image instanceof Float32Array) || image.length !== 3 * height * width) {
    throw new Error(`image must be a Float32Array of 3*${height}*${width} values`);
  }
  if (typeof sink !== 'function') throw new Error('extractFeatures needs a sink function');
  for (const l of layers) if (!fs.outputs.includes(l)) throw new Error(`${fs.entry.file} does not output ${l}`);
  const { ort, session, inputName } = fs;
  const tileSize = effectiveTileSize(opts.tileSize, sessionTileLimit(session));
  const plan = planTiles(height, width, layers, { tileSize });
  let done = 0;
  for (const t of plan.tiles) {
    const th = t.y1 - t.y0;
    const tw = t.x1 - t.x0;
    const input = new ort.Tensor('float32', cropPlanar(image, height, width, t.y0, t.y1, t.x0, t.x1), [1, 3, th, tw]);
    const out = await session.run({ [inputName]: input }, layers);
    try {
      for (const layer of layers) {
        const info = plan.layers[layer];
        const s = info.stride;
        const tensor = out[layer];
        const [, channels, oh, ow] = tensor.dims;
        if (channels !== info.channels || oh !== layerSize(layer, th) || ow !== layerSize(layer, tw)) {
          throw new Error(`${layer}: unexpected output shape [${tensor.dims}] for a ${tw}x${th} tile`);
        }
        const [ky0, ky1] = ownedCells(t.core.y0, t.core.y1, height, s, info.height);
        const [kx0, kx1] = ownedCells(t.core.x0, t.core.x1, width, s, info.width);
        if (ky1 === ky0 || kx1 === kx0) continue;
        const ly = ky0 - t.y0 / s; // tile origins are multiples of s
        const lx = kx0 - t.x0 / s;
        const data = /** @type {Float32Array} */ (tensor.data);
        await sink(layer, ky0, kx0, ky1 - ky0, kx1 - kx0, data.subarray(ly * ow + lx), ow, oh * ow);
      }
    } finally {
      input.dispose?.();
      for (const k of Object.keys(out)) out[k].dispose?.();
    }
    opts.onTile?.(++done, plan.tiles.length);
  }
  return { backend: fs.backend, tiles: plan.tiles.length, halo: plan.halo, tileSize, layers: plan.layers };
}
