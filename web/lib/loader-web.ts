// Loads a build of the supercolor core in a browser (inside the package's Worker).
//
// The core's files are plain static assets, found by URL (assets.ts): the Emscripten ES module is
// imported at run time, never bundled (bundlers would otherwise rewrite Emscripten's own
// `new Worker(new URL(...))` and its Node branches), and its .wasm is fetched here, so that a
// missing file is an error naming its URL and HTTP status.
//
// The threaded build's pthread worker is Emscripten 3.1.6's classic script
// (supercolor-threads.worker.js). Served as a file it does not survive bundlers and dev servers
// (Vite's dev server injects an `import` into it; Vite inlines files under 4 KiB as data: URLs,
// which makes a worker of another origin), so tools/build.sh embeds its text in
// pthread-worker.js, and it is started from a same-origin Blob URL: no bundler ever sees it. It
// imports the core's module from `mainScriptUrlOrBlob`.
import { poolSize, type CoreFactory, type CoreKind, type CoreModule } from './core.js';
import type { CoreAssets } from './assets.js';
import { SupercolorError } from './errors.js';
import { fetchBytes } from './fetch.js';
import type { LogLevel } from './types.js';
import pthreadWorkerSource from './pthread-worker.js';

let pthreadWorkerUrl: string | undefined;

export async function loadCoreInBrowser(assets: CoreAssets, kind: CoreKind, threads: number, log: (level: LogLevel, message: string) => void): Promise<CoreModule> {
  const wasmBinary = await fetchBytes(assets.wasm);
  let factory: CoreFactory;
  try {
    // The URL is computed (an emitted asset): no bundler may resolve or rewrite this import.
    factory = ((await import(/* @vite-ignore */ /* webpackIgnore: true */ assets.module)) as { default: CoreFactory }).default;
  } catch (error) {
    throw new SupercolorError('backend_unavailable', `cannot load the supercolor core from ${assets.module}: ${(error as Error).message}`);
  }
  if (kind === 'threads') pthreadWorkerUrl ??= URL.createObjectURL(new Blob([pthreadWorkerSource], { type: 'text/javascript' }));
  try {
    return await factory({
      wasmBinary,
      locateFile: (name: string) => {
        if (name.endsWith('.wasm')) return assets.wasm;
        if (name.endsWith('.worker.js') && pthreadWorkerUrl) return pthreadWorkerUrl;
        return new URL(name, assets.module).href;
      },
      // What the pthread workers import: the core's module as it is served.
      mainScriptUrlOrBlob: assets.module,
      print: (text: string) => log('debug', `core: ${text}`),
      printErr: (text: string) => log('warn', `core: ${text}`),
      ...(kind === 'threads' ? { pthreadPoolSize: poolSize(threads) } : {}),
    });
  } catch (error) {
    throw new SupercolorError('backend_unavailable', `cannot start the supercolor core ${assets.module}: ${(error as Error)?.message ?? String(error)}`);
  }
}
