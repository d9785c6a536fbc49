import * as supercolor from 'supercolor';
import { run } from './app.js';

// esbuild does not emit the files named by new URL(…, import.meta.url): the page serves
// node_modules/supercolor/{wasm,models} and onnxruntime-web's runtime, and says where.
run(supercolor, { baseUrl: '/node_modules/supercolor/', ortWasmPaths: '/node_modules/onnxruntime-web/dist/' });
