// Where the package's own files are. Each file is named by a literal
// `new URL('../…', import.meta.url)` so that bundlers which understand the pattern (Vite, webpack 5,
// Parcel, Rollup with a plugin) find it and emit it with the app; a page without a bundler, or a
// bundler that does not (esbuild), serves the package's wasm/ and models/ folders and passes
// `baseUrl` (then every file is looked up under that one folder instead).
//
// Keep the literals literal: a computed path is invisible to bundlers. tests/node/pack.test.mjs
// checks that every model of models/manifest.json is listed here.
import type { CoreKind } from './core.js';

export interface CoreAssets {
  /** The Emscripten ES module (loaded with a dynamic import). */
  module: string;
  /** Its WebAssembly binary. */
  wasm: string;
}

export interface PackageAssets {
  core: Record<CoreKind, CoreAssets>;
  /** models/manifest.json. */
  manifest: string;
  /** URL of every model file, by its name in the manifest. */
  models: Record<string, string>;
}

/**
 * Where onnxruntime-web's runtime files are, when the app's bundler does not say (its own
 * `new URL(…, import.meta.url)` references do in Vite and webpack): undefined here; the package's
 * self-contained browser build (dist/web/, tools/bundle-web.mjs) sets it to onnxruntime-web's
 * dist/ beside the package in node_modules.
 */
export const DEFAULT_ORT_WASM_PATHS: string | undefined = undefined;

/** The model files of models/manifest.json, by name. */
export const MODEL_FILES = ['vgg19-relu1_2.onnx', 'vgg19-relu2_1.onnx', 'vgg19-relu2_2.onnx', 'vgg19-relu3_1.onnx'] as const;

/**
 * The package's files: by default where the package lies (as the bundler emitted them), or under
 * `base` (an absolute URL of the folder holding wasm/ and models/).
 */
export function packageAssets(base?: URL): PackageAssets {
  if (base !== undefined) {
    const at = (path: string) => new URL(path, base).href;
    return {
      core: {
        threads: { module: at('wasm/supercolor-threads.mjs'), wasm: at('wasm/supercolor-threads.wasm') },
        simd: { module: at('wasm/supercolor-simd.mjs'), wasm: at('wasm/supercolor-simd.wasm') },
      },
      manifest: at('models/manifest.json'),
      models: Object.fromEntries(MODEL_FILES.map((file) => [file, at(`models/${file}`)])),
    };
  }
  return {
    core: {
      threads: {
        module: new URL('../wasm/supercolor-threads.mjs', import.meta.url).href,
        wasm: new URL('../wasm/supercolor-threads.wasm', import.meta.url).href,
      },
      simd: {
        module: new URL('../wasm/supercolor-simd.mjs', import.meta.url).href,
        wasm: new URL('../wasm/supercolor-simd.wasm', import.meta.url).href,
      },
    },
    manifest: new URL('../models/manifest.json', import.meta.url).href,
    models: {
      'vgg19-relu1_2.onnx': new URL('../models/vgg19-relu1_2.onnx', import.meta.url).href,
      'vgg19-relu2_1.onnx': new URL('../models/vgg19-relu2_1.onnx', import.meta.url).href,
      'vgg19-relu2_2.onnx': new URL('../models/vgg19-relu2_2.onnx', import.meta.url).href,
      'vgg19-relu3_1.onnx': new URL('../models/vgg19-relu3_1.onnx', import.meta.url).href,
    },
  };
}
