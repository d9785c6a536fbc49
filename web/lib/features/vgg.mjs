// VGG-19 early layers: the architecture as data, shared by the model builder (tools/build-model.mjs)
// and the tiled feature extractor. One source of truth for channels, strides and receptive fields.

/** Layers of the network in order. `conv` = 3x3 convolution, zero padding 1, stride 1, then ReLU;
 *  `pool` = 2x2 max-pooling, stride 2, no padding, floor. A conv's `tensor` is the TF.js weight name. */
export const VGG19_EARLY = Object.freeze([
  { op: 'conv', name: 'relu1_1', tensor: 'block1_conv1', in: 3, out: 64 },
  { op: 'conv', name: 'relu1_2', tensor: 'block1_conv2', in: 64, out: 64 },
  { op: 'pool', name: 'pool1' },
  { op: 'conv', name: 'relu2_1', tensor: 'block2_conv1', in: 64, out: 128 },
  { op: 'conv', name: 'relu2_2', tensor: 'block2_conv2', in: 128, out: 128 },
  { op: 'pool', name: 'pool2' },
  { op: 'conv', name: 'relu3_1', tensor: 'block3_conv1', in: 128, out: 256 },
]);

/** The layers a user may request (method.md §1.2), shallowest first. */
export const FEATURE_LAYERS = Object.freeze(['relu1_2', 'relu2_1', 'relu2_2', 'relu3_1']);

/** Caffe preprocessing of the weights: BGR, 0..255, minus this mean (B, G, R). */
export const CAFFE_MEAN_BGR = Object.freeze([103.939, 116.779, 123.68]);

function layerIndex(layer) {
  const i = VGG19_EARLY.findIndex((l) => l.name === layer);
  if (i < 0 || !FEATURE_LAYERS.includes(layer)) {
    throw new Error(`unknown feature layer "${layer}" (expected one of ${FEATURE_LAYERS.join(', ')})`);
  }
  return i;
}

/**
 * Geometry of a feature layer: channels, stride s (cell k covers input pixels [s·k, s·k+s−1]),
 * and margin m: cell k depends exactly on input pixels [s·k−m, s·k+s−1+m] (per axis).
 * Output size per axis for an input of n pixels: floor(n / s) (each pool floors).
 * @param {string} layer
 * @returns {{name: string, channels: number, stride: number, margin: number}}
 */
export function layerGeometry(layer) {
  const idx = layerIndex(layer);
  // Walk from the layer back to the input, carrying the dependency interval of cell 0.
  let lo = 0;
  let hi = 0;
  let stride = 1;
  for (let i = idx; i >= 0; i--) {
    const l = VGG19_EARLY[i];
    if (l.op === 'conv') {
      lo -= 1;
      hi += 1;
    } else {
      lo = 2 * lo;
      hi = 2 * hi + 1;
    }
  }
  for (let i = 0; i <= idx; i++) if (VGG19_EARLY[i].op === 'pool') stride *= 2;
  const margin = -lo;
  if (hi - (stride - 1) !== margin) throw new Error('internal: asymmetric receptive field');
  return { name: layer, channels: VGG19_EARLY[idx].out, stride, margin };
}

/** Output size of a layer per axis for an input of n pixels (floor at every pool). */
export function layerSize(layer, n) {
  const idx = layerIndex(layer);
  for (let i = 0; i <= idx; i++) if (VGG19_EARLY[i].op === 'pool') n = Math.floor(n / 2);
  return n;
}

/** The deepest of the given layers. */
export function deepestLayer(layers) {
  if (!Array.isArray(layers) || layers.length === 0) throw new Error('no feature layer requested');
  let best = -1;
  for (const l of layers) best = Math.max(best, layerIndex(l));
  return VGG19_EARLY[best].name;
}

/** Layers the model ending at `deepest` exposes as outputs: every feature layer up to it. */
export function modelOutputs(deepest) {
  const d = layerIndex(deepest);
  return FEATURE_LAYERS.filter((l) => layerIndex(l) <= d);
}

/** File name of the model whose deepest layer is `deepest`. */
export function modelFileName(deepest) {
  layerIndex(deepest);
  return `vgg19-${deepest}.onnx`;
}
