// Loads a build of the supercolor core (wasm/supercolor-{threads,simd}.mjs + .wasm) in Node.
// Node only (node-worker.ts, codec.ts); browsers use loader-web.ts. The module URL can be
// overridden (createColorTransfer's baseUrl).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { poolSize, type CoreFactory, type CoreKind, type CoreModule } from './core.js';
import { SupercolorError } from './errors.js';
import type { LogLevel } from './types.js';

export { poolSize } from './core.js';

/**
 * Loads the core build whose ES module is `moduleUrl` (a file: URL; its .wasm lies beside it).
 * `log` receives what the core prints (default: Emscripten's, the console).
 */
export async function loadCore(moduleUrl: string, kind: CoreKind, threads = 1, log?: (level: LogLevel, message: string) => void): Promise<CoreModule> {
  try {
    const file = fileURLToPath(moduleUrl);
    const dir = path.dirname(file);
    // Emscripten 3.1.6's ES module (-sEXPORT_ES6) reads __dirname and require in Node without
    // defining them, and its fetch of the .wasm fails there: define both, pass wasmBinary.
    const g = globalThis as { __dirname?: string; require?: unknown };
    g.__dirname ??= dir;
    g.require ??= createRequire(file);
    const wasmBinary = await readFile(file.replace(/\.mjs$/, '.wasm'));
    const factory = ((await import(/* @vite-ignore */ /* webpackIgnore: true */ moduleUrl)) as { default: CoreFactory }).default;
    const module = await factory({
      wasmBinary,
      locateFile: (name: string) => path.join(dir, name),
      ...(log ? { print: (text: string) => log('debug', `core: ${text}`), printErr: (text: string) => log('warn', `core: ${text}`) } : {}),
      ...(kind === 'threads' ? { pthreadPoolSize: poolSize(threads) } : {}),
    });
    // Idle pool threads must not keep the Node process alive.
    if (module.PThread) for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) worker.unref?.();
    return module;
  } catch (error) {
    if (error instanceof SupercolorError) throw error;
    throw new SupercolorError('backend_unavailable', `cannot load the supercolor core from ${moduleUrl}: ${(error as Error).message}`);
  }
}
