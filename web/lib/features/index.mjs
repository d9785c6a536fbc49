// Feature extraction with ONNX Runtime: model selection and integrity check, backend choice,
// tiled extraction streaming feature tiles to a sink.
export { BACKEND_NAMES, createSessionOnBestBackend, defaultBackendOrder } from './backend.mjs';
export { ModelIntegrityError, createFeatureSession, selectModel, sha256Hex, verifyModelBytes } from './session.mjs';
export { DEFAULT_TILE_SIZE, extractFeatures, planTiles } from './tiles.mjs';
export {
  CAFFE_MEAN_BGR,
  FEATURE_LAYERS,
  VGG19_EARLY,
  deepestLayer,
  layerGeometry,
  layerSize,
  modelFileName,
  modelOutputs,
} from './vgg.mjs';
